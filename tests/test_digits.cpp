// The digits example (examples/digits): every model trains on the real 8×8 digits and
// prints its epoch lines and final line, the pictures decode, --save/--load round-trips,
// --predict classifies a picture file as the model classifies the same digit's pixels,
// and the executable refuses bad input with one line and exit status 2.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <tbb/global_control.h>

#include "digits_data.h"
#include "model.h"
#include "picture_input.h"
#include "optim/make_optimizer.h"
#include "run.h"
#include "tests/support/allocation_counter.h"
#include "train.h"

namespace cgrad::digits {
namespace {

// One directory per test, which the test removes. A parameterized test's name holds a '/'
// ("TrainsTwoEpochsAndWritesItsPictures/0"), which would make it two directories deep and
// leave the outer one behind, so the '/' becomes '_'.
std::filesystem::path temp_dir() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(name.begin(), name.end(), '/', '_');
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("cgrad_digits_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::create_directories(dir);
  return dir;
}

// run() with its output captured.
std::string run_captured(const RunOptions& options) {
  std::FILE* out = std::tmpfile();
  EXPECT_NE(out, nullptr);
  run(options, out);
  std::rewind(out);
  std::string text;
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) text += static_cast<char>(c);
  std::fclose(out);
  return text;
}

RunOptions quick(ModelKind model, std::size_t epochs, const std::filesystem::path& out_dir) {
  RunOptions o;
  o.model = model;
  o.epochs = epochs;
  o.out_dir = out_dir.string();
  o.progress = false;
  return o;
}

double final_accuracy(const std::string& text, const std::string& model) {
  std::smatch m;
  const std::regex final_line("\ndigits " + model + ": test accuracy (0\\.[0-9]{4}|1\\.0000)\n");
  if (!std::regex_search(text, m, final_line)) {
    ADD_FAILURE() << "no final line in:\n" << text;
    return -1;
  }
  return std::stod(m[1]);
}

struct PngSize {
  int width = 0, height = 0;
};
PngSize png_size(const std::filesystem::path& path) {
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(stbi_load(path.c_str(), &width, &height, &channels, 3),
                                                         stbi_image_free);
  if (pixels == nullptr) return {};
  return {width, height};
}

class EveryModel : public ::testing::TestWithParam<ModelKind> {};

TEST_P(EveryModel, TrainsTwoEpochsAndWritesItsPictures) {
  const std::string name(model_name(GetParam()));
  const std::filesystem::path dir = temp_dir();
  const std::string text = run_captured(quick(GetParam(), 2, dir));
  const std::regex epoch_line("(^|\n)epoch ([12]): train loss [0-9]+\\.[0-9]{4}, test accuracy (0\\.[0-9]{4}|1\\.0000)(?=\n)");
  EXPECT_EQ(std::distance(std::sregex_iterator(text.begin(), text.end(), epoch_line), std::sregex_iterator()), 2)
      << text;
  EXPECT_NE(text.find("data: UCI digits 8x8 (1438 train, 359 test)\n"), std::string::npos) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("digits " + name + ": mean step time [0-9.]+ ms over [0-9]+ steps")))
      << text;
  // Two epochs already beat guessing (10%) by far; the README's accuracies need the full run.
  EXPECT_GT(final_accuracy(text, name), 0.5);
  const auto picture = [&](const char* what) { return dir / ("digits_" + name + "_" + what + ".png"); };
  EXPECT_EQ(png_size(picture("loss")).width, 800);
  EXPECT_EQ(png_size(picture("loss")).height, 600);
  EXPECT_EQ(png_size(picture("confusion")).width, 700);
  const PngSize grid = png_size(picture("misclassified"));
  EXPECT_GT(grid.width, 0);
  EXPECT_EQ(grid.width % 120, 0);
  EXPECT_EQ(grid.height % 120, 0);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Digits, EveryModel, ::testing::Values(ModelKind::Logreg, ModelKind::Mlp, ModelKind::Cnn),
                         [](const auto& info) { return std::string(model_name(info.param)); });

// A steady-state training step allocates nothing, for every model: after one epoch (whose
// last, shorter batch sizes the buffers too), a second epoch's steps allocate 0 times.
TEST_P(EveryModel, SteadyStateStepsDoNotAllocate) {
  // One thread, as in test_chars_allocations.cpp: per-thread kernel scratch grows when a
  // worker first runs a chunk, which on a loaded machine can fall inside the measured steps.
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const DigitsData data = load_data(std::nullopt, 0);
  Rng rng(0);
  const std::unique_ptr<Sequential<float>> model = make_model(GetParam(), data.side, rng);
  const std::unique_ptr<Optimizer<float>> optimizer = make_optimizer<float>("adam", model->parameters(), 0.01);
  MiniBatches<float> batches(data.train, 32, 0);
  Graph<float> g;
  for (std::size_t s = 0; s < batches.batches_per_epoch(); ++s) train_step(*model, *optimizer, g, batches.next());
  const std::size_t probe_before = cgrad::testing::allocation_count();
  const auto probe = std::make_unique<int>(1);  // the counter is linked in and counts
  ASSERT_GT(cgrad::testing::allocation_count(), probe_before);
  const std::size_t before = cgrad::testing::allocation_count();
  for (std::size_t s = 0; s < batches.batches_per_epoch(); ++s) train_step(*model, *optimizer, g, batches.next());
  EXPECT_EQ(cgrad::testing::allocation_count() - before, 0u);
}

TEST(Digits, SaveThenLoadGivesTheSameAccuracy) {
  const std::filesystem::path dir = temp_dir();
  RunOptions train_and_save = quick(ModelKind::Cnn, 1, dir);
  train_and_save.save = (dir / "cnn.safetensors").string();
  const double trained = final_accuracy(run_captured(train_and_save), "cnn");
  RunOptions load_only = quick(ModelKind::Cnn, 0, dir);
  load_only.epochs.reset();  // with --load, 0 epochs by default: evaluate the checkpoint
  load_only.load = train_and_save.save;
  const std::string text = run_captured(load_only);
  EXPECT_NE(text.find("loaded " + *load_only.load), std::string::npos);
  EXPECT_EQ(text.find("epoch "), std::string::npos) << text;
  EXPECT_EQ(final_accuracy(text, "cnn"), trained);
  // A checkpoint of another model is refused, naming the file.
  RunOptions wrong = quick(ModelKind::Mlp, 0, dir);
  wrong.load = train_and_save.save;
  EXPECT_THROW(run_captured(wrong), IoError);
  std::filesystem::remove_all(dir);
}

// A test digit written as dark ink on white paper, 4× larger: --predict must invert and
// scale it back and give the model's probabilities for the digit's own pixels.
TEST(Digits, PredictsAPictureAsTheDigitsOwnPixels) {
  const std::filesystem::path dir = temp_dir();
  RunOptions train_and_save = quick(ModelKind::Logreg, 5, dir);
  train_and_save.save = (dir / "logreg.safetensors").string();
  run_captured(train_and_save);

  const DigitsData data = load_data(std::nullopt, 0);
  constexpr std::size_t kScale = 4, kSide = 8, kRow = 17;
  std::vector<unsigned char> paper(kSide * kScale * kSide * kScale);
  for (std::size_t y = 0; y < kSide * kScale; ++y)
    for (std::size_t x = 0; x < kSide * kScale; ++x) {
      const float ink = data.test.features()(kRow, (y / kScale) * kSide + x / kScale);
      paper[y * kSide * kScale + x] = static_cast<unsigned char>(std::lround(255.0f * (1.0f - ink)));
    }
  const std::string png = (dir / "digit.png").string();
  ASSERT_NE(stbi_write_png(png.c_str(), kSide * kScale, kSide * kScale, 1, paper.data(), kSide * kScale), 0);

  RunOptions predict = quick(ModelKind::Logreg, 0, dir);
  predict.load = train_and_save.save;
  predict.predict = png;
  const std::string text = run_captured(predict);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("predict " + png + ": digit ([0-9])\nprobabilities: (.*)\n")))
      << text;
  const int digit = std::stoi(m[1]);
  std::vector<double> p;
  std::istringstream listed(std::regex_replace(std::string(m[2]), std::regex("[0-9]: |,"), " "));
  for (double v; listed >> v;) p.push_back(v);
  ASSERT_EQ(p.size(), 10u) << m[2];
  EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-3);
  EXPECT_EQ(std::max_element(p.begin(), p.end()) - p.begin(), digit);

  // The same model on the digit's own pixels (PNG rounding moves them by < 1/255).
  Rng rng(0);
  const std::unique_ptr<Sequential<float>> model = make_model(ModelKind::Logreg, kSide, rng);
  load_checkpoint<float>(*train_and_save.save, *model);
  Tensor<float> row(Shape{1, kSide * kSide});
  for (std::size_t i = 0; i < kSide * kSide; ++i) row[i] = data.test.features()(kRow, i);
  const Tensor<float> expected = probabilities(*model, row);
  for (std::size_t c = 0; c < 10; ++c) EXPECT_NEAR(p[c], expected[c], 0.01) << "class " << c;
  std::filesystem::remove_all(dir);
}

// IDX files in the MNIST layout (random 28×28 pictures, labels cycling 0..9).
void write_idx_pair(const std::filesystem::path& dir, const std::string& split, std::uint32_t count, Rng& rng) {
  const auto big_endian = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  std::string images = std::string("\0\0\x08\x03", 4) + big_endian(count) + big_endian(28) + big_endian(28);
  std::string labels = std::string("\0\0\x08\x01", 4) + big_endian(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    for (int p = 0; p < 28 * 28; ++p) images += static_cast<char>(rng.below(256));
    labels += static_cast<char>(i % 10);
  }
  std::ofstream(dir / (split + "-images-idx3-ubyte"), std::ios::binary) << images;
  std::ofstream(dir / (split + "-labels-idx1-ubyte"), std::ios::binary) << labels;
}

TEST(Digits, TrainsTheCnnOnMnistSizedPictures) {
  const std::filesystem::path dir = temp_dir();
  Rng rng(7);
  write_idx_pair(dir, "train", 64, rng);
  write_idx_pair(dir, "t10k", 20, rng);
  RunOptions options = quick(ModelKind::Cnn, 1, dir / "out");
  options.data_dir = dir.string();
  const std::string text = run_captured(options);
  EXPECT_NE(text.find(dir.string() + " 28x28 (64 train, 20 test)"), std::string::npos) << text;
  // Conv 16·1·9+16, conv 32·16·9+32, Linear(32·7·7, 10): the Linear's in-size follows the input.
  EXPECT_NE(text.find("model: cnn, 20490 parameters"), std::string::npos) << text;
  EXPECT_GE(final_accuracy(text, "cnn"), 0.0);
  std::filesystem::remove_all(dir);
}

TEST(PictureInput, AreaResizeUndoesAnExactUpscale) {
  const std::vector<float> small{0.0f, 0.25f, 0.5f, 1.0f};
  std::vector<float> large(36);
  for (std::size_t y = 0; y < 6; ++y)
    for (std::size_t x = 0; x < 6; ++x) large[y * 6 + x] = small[(y / 3) * 2 + x / 3];
  EXPECT_EQ(resize_area(large, 6, 6, 2), small);
  const std::vector<float> up = resize_area(small, 2, 2, 4);  // upscaling repeats pixels
  EXPECT_FLOAT_EQ(up[0], 0.0f);
  EXPECT_FLOAT_EQ(up[15], 1.0f);
  EXPECT_FLOAT_EQ(up[2], 0.25f);
}

// The executable: `args` with stdout and stderr captured; returns the exit status.
struct Outcome {
  int status = -1;
  std::string out, err;
};
Outcome run_digits(const std::string& args) {
  const std::filesystem::path dir = temp_dir();
  const std::string command = std::string(DIGITS_BINARY) + " " + args + " --no-progress --out " + (dir / "out").string() +
                              " >" + (dir / "stdout").string() + " 2>" + (dir / "stderr").string();
  const int raw = std::system(command.c_str());
  Outcome outcome;
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  const auto slurp = [](const std::filesystem::path& file) {
    std::ostringstream text;
    text << std::ifstream(file).rdbuf();
    return text.str();
  };
  outcome.out = slurp(dir / "stdout");
  outcome.err = slurp(dir / "stderr");
  std::filesystem::remove_all(dir);
  return outcome;
}

TEST(DigitsCommandLine, BadInputExitsTwoWithOneLine) {
  const std::string not_a_picture = (std::filesystem::temp_directory_path() /
                                     ("cgrad_digits_not_a_picture_" + std::to_string(::getpid()) + ".txt"))
                                        .string();
  std::ofstream(not_a_picture) << "hello\n";
  for (const std::string& args : std::vector<std::string>
       {"--model resnet", "--epochs -1", "--lr nan", "--batch 0", "--optim lbfgs", "--load /nonexistent.safetensors",
        "--data /nonexistent-dir", "--frobnicate", "--epochs 1 --predict " + not_a_picture}) {
    const Outcome outcome = run_digits(args);
    EXPECT_EQ(outcome.status, 2) << args << "\n" << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << args << "\n" << outcome.err;
    EXPECT_TRUE(outcome.err.starts_with("digits: error: ")) << args << "\n" << outcome.err;
  }
  std::filesystem::remove(not_a_picture);
}

TEST(DigitsCommandLine, PrintsTheFinalLine) {
  const Outcome outcome = run_digits("--model logreg --epochs 1 --threads 1");
  EXPECT_EQ(outcome.status, 0) << outcome.err;
  EXPECT_TRUE(std::regex_search(outcome.out, std::regex("\ndigits logreg: test accuracy [0-9.]+\n$"))) << outcome.out;
}

}  // namespace
}  // namespace cgrad::digits
