// The model zoo's shared pieces (examples/common): the PLplot charts decode as PNGs of the
// promised size with something drawn on them, bad input is refused before PLplot sees it,
// and the progress reporter writes its lines.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stb_image.h>

#include "charts.h"
#include "graph/error.h"
#include "progress.h"

namespace cgrad::examples {
namespace {

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels{nullptr, stbi_image_free};
  // Pixels that are not white: something was drawn.
  std::size_t inked() const {
    std::size_t n = 0;
    for (int i = 0; i < width * height * 3; i += 3) n += pixels.get()[i] < 250 || pixels.get()[i + 2] < 250;
    return n;
  }
};

Decoded decode(const std::string& path) {
  Decoded d;
  d.pixels.reset(stbi_load(path.c_str(), &d.width, &d.height, &d.channels, 3));
  return d;
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("cgrad_common_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(LossCurves, WritesAnEightHundredBySixHundredPng) {
  const std::string path = temp_file("loss.png");
  const std::vector<Series> series{{"train", {1, 2, 3, 4}, {2.3, 0.9, 0.5, 0.4}}, {"test", {1, 2, 3, 4}, {2.2, 1.0, 0.7, 0.65}}};
  write_loss_curves_png(path, "loss", series);
  const Decoded png = decode(path);
  ASSERT_NE(png.pixels, nullptr) << stbi_failure_reason();
  EXPECT_EQ(png.width, 800);
  EXPECT_EQ(png.height, 600);
  EXPECT_GT(png.inked(), 1000u);
  std::filesystem::remove(path);
}

TEST(LossCurves, DrawsASinglePoint) {
  const std::string path = temp_file("point.png");
  const std::vector<Series> series{{"train", {1}, {0.5}}};
  write_loss_curves_png(path, "one epoch", series);
  EXPECT_NE(decode(path).pixels, nullptr);
  std::filesystem::remove(path);
}

TEST(LossCurves, RefusesBadSeries) {
  const std::string path = temp_file("bad.png");
  EXPECT_THROW(write_loss_curves_png(path, "t", std::vector<Series>{}), ValueError);
  EXPECT_THROW(write_loss_curves_png(path, "t", std::vector<Series>{{"a", {1, 2}, {1}}}), ValueError);
  EXPECT_THROW(write_loss_curves_png(path, "t", std::vector<Series>{{"a", {1}, {std::nan("")}}}), ValueError);
  EXPECT_THROW(write_loss_curves_png("/nonexistent-dir/x.png", "t", std::vector<Series>{{"a", {1}, {1}}}), IoError);
  std::filesystem::remove(path);
}

TEST(Confusion, WritesASquarePng) {
  const std::string path = temp_file("confusion.png");
  const std::vector<std::string> labels{"0", "1", "2"};
  const std::vector<std::size_t> counts{30, 1, 0, 2, 25, 3, 0, 0, 33};
  write_confusion_png(path, counts, labels);
  const Decoded png = decode(path);
  ASSERT_NE(png.pixels, nullptr) << stbi_failure_reason();
  EXPECT_EQ(png.width, 700);
  EXPECT_EQ(png.height, 700);
  EXPECT_GT(png.inked(), 10000u);  // the dark diagonal cells
  EXPECT_THROW(write_confusion_png(path, std::vector<std::size_t>{1, 2}, labels), ValueError);
  std::filesystem::remove(path);
}

TEST(ImageGrid, WritesOneCellPerImage) {
  const std::string path = temp_file("grid.png");
  GrayImage square{4, 4, std::vector<double>(16, 0.0)};
  square.pixels[5] = square.pixels[6] = 1.0;
  const std::vector<GrayImage> images(5, square);
  const std::vector<std::string> captions{"7→1", "3→8", "9→4", "1→7", "5→6"};
  write_image_grid_png(path, images, captions);
  const Decoded png = decode(path);
  ASSERT_NE(png.pixels, nullptr) << stbi_failure_reason();
  EXPECT_EQ(png.width, 3 * 120);  // 5 images: 3 columns, 2 rows
  EXPECT_EQ(png.height, 2 * 120);
  EXPECT_GT(png.inked(), 5u * 1000u);  // mostly black pictures
  EXPECT_THROW(write_image_grid_png(path, images, std::vector<std::string>{"a"}), ValueError);
  EXPECT_THROW(write_image_grid_png(path, std::vector<GrayImage>{{2, 2, {1.0}}}, std::vector<std::string>{"a"}),
               ValueError);
  std::filesystem::remove(path);
}

TEST(ImageGrid, PrintsNothing) {
  const std::string path = temp_file("quiet.png");
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  write_image_grid_png(path, std::vector<GrayImage>{{1, 1, {0.5}}}, std::vector<std::string>{"x"});
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  std::filesystem::remove(path);
}

std::string read_all(std::FILE* file) {
  std::rewind(file);
  std::string text;
  for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) text += static_cast<char>(c);
  return text;
}

TEST(Progress, WritesPlainLinesAndASummary) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    Progress progress("digits mlp", 4, {.stream = log, .mode = ProgressOptions::Mode::Lines, .line_interval = 0.0});
    for (int i = 0; i < 4; ++i) progress.step(0.25);
    progress.finish();
    progress.finish();  // a second call adds nothing
  }
  const std::string text = read_all(log);
  std::fclose(log);
  EXPECT_NE(text.find("digits mlp: step 1/4 (25%), "), std::string::npos) << text;
  EXPECT_NE(text.find("digits mlp: step 4/4 (100%), "), std::string::npos) << text;
  EXPECT_NE(text.find("loss 0.2500"), std::string::npos) << text;
  EXPECT_NE(text.find("digits mlp: 4 steps in 0:00, loss 0.2500\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(Progress, LiveLineRedrawsInPlace) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    Progress progress("cnn", 2, {.stream = log, .mode = ProgressOptions::Mode::Live});
    progress.step(1.0);
    progress.step(0.5);
    progress.finish();
  }
  const std::string text = read_all(log);
  std::fclose(log);
  EXPECT_EQ(text.front(), '\r');
  EXPECT_NE(text.find("cnn [####################] 2/2"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, ShowsAMovingAverageOfTheLoss) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    Progress progress("x", 1000, {.stream = log, .mode = ProgressOptions::Mode::Lines, .line_interval = 1e9});
    for (int i = 0; i < 500; ++i) progress.step(2.0);
    for (int i = 0; i < 500; ++i) progress.step(0.5);  // the average forgets the early losses
    progress.finish();
  }
  const std::string text = read_all(log);
  std::fclose(log);
  EXPECT_NE(text.find("x: 1000 steps in 0:00, loss 0.5000\n"), std::string::npos) << text;
}

TEST(Progress, SaysNothingWithoutSteps) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    Progress progress("evaluate only", 0, {.stream = log, .mode = ProgressOptions::Mode::Lines});
    progress.finish();
  }
  EXPECT_EQ(read_all(log), "");
  std::fclose(log);
}

TEST(Progress, QuietWithoutAStream) {
  Progress progress("x", 1, {.stream = nullptr});
  progress.step(1.0);
  progress.finish();
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(7.2), "0:07");
  EXPECT_EQ(format_duration(754), "12:34");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-1), "0:00");
}

}  // namespace
}  // namespace cgrad::examples
