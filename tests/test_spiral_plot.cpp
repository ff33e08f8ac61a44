// The PNG pictures decode (with stb_image from the same Debian package) to the expected size.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <stb_image.h>

#include "plot.h"

namespace cgrad::spiral {
namespace {

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels{nullptr, stbi_image_free};
};

Decoded decode(const std::string& path) {
  Decoded d;
  d.pixels.reset(stbi_load(path.c_str(), &d.width, &d.height, &d.channels, 3));
  return d;
}

std::string temp_png(const std::string& name) {
  // The process id keeps concurrent runs of the suite (release and debug) apart.
  return (std::filesystem::temp_directory_path() /
          ("cgrad_spiral_test_" + name + "_" + std::to_string(::getpid()) + ".png"))
      .string();
}

SpiralData<double> seed_data() {
  RandomSource rng(RngKind::Numpy, 0);
  return make_spiral<double>(100, 3, rng);
}

TEST(SpiralPlot, DataPngDecodesWithExpectedSize) {
  const std::string path = temp_png("data");
  write_data_png(path, seed_data(), PlotOptions{320, 1.05});
  const Decoded png = decode(path);
  ASSERT_NE(png.pixels, nullptr) << stbi_failure_reason();
  EXPECT_EQ(png.width, 320);
  EXPECT_EQ(png.height, 320);
  // A corner is empty: white background.
  EXPECT_EQ(png.pixels.get()[0], 255);
  std::filesystem::remove(path);
}

TEST(SpiralPlot, DecisionPngPaintsTheClassifiersRegions) {
  const std::string path = temp_png("regions");
  // Class 0 left of x = 0, class 2 right of it.
  const Classifier<double> by_side = [](const Tensor<double>& points) {
    std::vector<std::int32_t> classes(points.rows());
    for (std::size_t i = 0; i < points.rows(); ++i) classes[i] = points(i, 0) < 0 ? 0 : 2;
    return classes;
  };
  write_decision_png(path, seed_data(), by_side);
  const Decoded png = decode(path);
  ASSERT_NE(png.pixels, nullptr) << stbi_failure_reason();
  ASSERT_EQ(png.width, 480);
  ASSERT_EQ(png.height, 480);
  // Top-left corner (class 0, Spectral red) is reddish; top-right (class 2, purple-blue) bluish.
  const unsigned char* left = png.pixels.get();
  const unsigned char* right = png.pixels.get() + 3 * 479;
  EXPECT_GT(left[0], left[2]);
  EXPECT_GT(right[2], right[0]);
  std::filesystem::remove(path);
}

TEST(SpiralPlot, RejectsAClassifierThatMiscounts) {
  const Classifier<double> wrong = [](const Tensor<double>&) { return std::vector<std::int32_t>{0}; };
  EXPECT_THROW(write_decision_png(temp_png("wrong"), seed_data(), wrong), ValueError);
  const Classifier<double> out_of_range = [](const Tensor<double>& p) {
    return std::vector<std::int32_t>(p.rows(), 3);
  };
  EXPECT_THROW(write_decision_png(temp_png("range"), seed_data(), out_of_range), ValueError);
}

TEST(SpiralPlot, UnwritablePathThrowsIoError) {
  EXPECT_THROW(write_data_png("/nonexistent-dir/x.png", seed_data()), IoError);
  EXPECT_THROW(write_data_png(temp_png("size"), seed_data(), PlotOptions{0, 1.0}), ValueError);
}

}  // namespace
}  // namespace cgrad::spiral
