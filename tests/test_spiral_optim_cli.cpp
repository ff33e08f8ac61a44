// The spiral executable's --optim, --batch, --init, --save and --load: every optimizer
// trains the two-layer network on mini-batches from its defaults, a saved model loads and
// evaluates to the same line, and a bad checkpoint is one error line with exit status 2.
// Runs the real binary (SPIRAL_BINARY) through the shell.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

// A scratch directory per test and process (release and debug suites may run at once).
class SpiralFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name)
      if (c == '/') c = '_';
    dir_ = fs::temp_directory_path() / ("cgrad_spiral_flags_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome run(const std::string& arguments) const {
    const fs::path out = dir_ / "stdout.txt";
    const fs::path err = dir_ / "stderr.txt";
    const std::string command = "'" + std::string(SPIRAL_BINARY) + "' --out '" + (dir_ / "png").string() + "' " +
                                arguments + " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
  }

  // The final "<model>: loss L accuracy A" line of a run.
  static std::string result_line(const Outcome& run, const std::string& model) {
    std::string found;
    for (const std::string& line : lines(run.out))
      if (line.rfind(model + ": loss ", 0) == 0) found = line;
    return found;
  }

  static double accuracy(const Outcome& run, const std::string& model) {
    const std::string line = result_line(run, model);
    const auto at = line.find(" accuracy ");
    return at == std::string::npos ? -1.0 : std::stod(line.substr(at + 10));
  }

  fs::path dir_;
};

// A bad checkpoint: exit status 2 and a single line on stderr naming the file.
void expect_one_error_line(const Outcome& run, const fs::path& file) {
  EXPECT_EQ(run.status, 2);
  const auto err = lines(run.err);
  ASSERT_EQ(err.size(), 1u) << run.err;
  EXPECT_EQ(err[0].rfind("spiral: error: ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find(file.string()), std::string::npos) << err[0];
}

// --- every optimizer from its defaults, as the "Done when" asks ---

class SpiralOptimizers : public SpiralFlags,
                         public ::testing::WithParamInterface<std::tuple<const char*, int>> {};

// The printed accuracy has two decimals, so >= 0.96 printed means >= 0.955 trained:
// above the 0.95 bar whatever the rounding.
TEST_P(SpiralOptimizers, TwoLayerReaches95PercentOnBatchesOf64In3000Steps) {
  const auto [optimizer, seed] = GetParam();
  const Outcome r = run(std::string("--model two-layer --dtype f32 --batch 64 --iters 3000 --optim ") + optimizer +
                    " --seed " + std::to_string(seed));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GE(accuracy(r, "two-layer"), 0.96) << result_line(r, "two-layer");
}

INSTANTIATE_TEST_SUITE_P(
    EveryOptimizer, SpiralOptimizers,
    ::testing::Values(std::tuple("sgd", 0), std::tuple("momentum", 0), std::tuple("nesterov", 0),
                      std::tuple("adagrad", 0), std::tuple("rmsprop", 0), std::tuple("adam", 0),
                      std::tuple("adamw", 0), std::tuple("sgd", 1), std::tuple("adam", 1),
                      std::tuple("rmsprop", 2)),
    [](const auto& info) { return std::string(std::get<0>(info.param)) + "_seed" + std::to_string(std::get<1>(info.param)); });

// --- checkpoints ---

TEST_F(SpiralFlags, SaveThenLoadWithZeroItersPrintsTheSameResult) {
  const fs::path file = dir_ / "model.safetensors";
  const Outcome trained = run("--model two-layer --dtype f32 --optim adam --batch 64 --iters 500 --save '" +
                          file.string() + "'");
  ASSERT_EQ(trained.status, 0) << trained.err;
  ASSERT_TRUE(fs::exists(file));
  const std::string expected = result_line(trained, "two-layer");
  ASSERT_FALSE(expected.empty()) << trained.out;

  // Evaluation alone needs no optimizer state, so the default optimizer may load it.
  const Outcome loaded = run("--model two-layer --dtype f32 --iters 0 --load '" + file.string() + "'");
  ASSERT_EQ(loaded.status, 0) << loaded.err;
  EXPECT_EQ(result_line(loaded, "two-layer"), expected);
  EXPECT_EQ(loaded.out.find("iteration "), std::string::npos) << "--iters 0 must not train";
}

TEST_F(SpiralFlags, LoadThenTrainingOnNeedsTheSavingOptimizer) {
  const fs::path file = dir_ / "model.safetensors";
  ASSERT_EQ(run("--model linear --optim adam --batch 32 --iters 50 --save '" + file.string() + "'").status, 0);
  EXPECT_EQ(run("--model linear --optim adam --batch 32 --iters 50 --load '" + file.string() + "'").status, 0);
  // Adam's moments cannot go on as momentum SGD: refused, not silently reset.
  expect_one_error_line(run("--model linear --optim momentum --iters 5 --load '" + file.string() + "'"), file);
}

TEST_F(SpiralFlags, LoadOfMissingFileIsOneErrorLine) {
  const fs::path file = dir_ / "no_such.safetensors";
  expect_one_error_line(run("--model two-layer --iters 0 --load '" + file.string() + "'"), file);
}

TEST_F(SpiralFlags, LoadOfTruncatedFileIsOneErrorLine) {
  const fs::path file = dir_ / "model.safetensors";
  ASSERT_EQ(run("--model two-layer --dtype f32 --iters 5 --save '" + file.string() + "'").status, 0);
  fs::resize_file(file, fs::file_size(file) / 2);
  expect_one_error_line(run("--model two-layer --dtype f32 --iters 0 --load '" + file.string() + "'"), file);
}

TEST_F(SpiralFlags, LoadOfAnotherShapeIsOneErrorLine) {
  const fs::path file = dir_ / "model.safetensors";
  ASSERT_EQ(run("--model two-layer --hidden 10 --iters 5 --save '" + file.string() + "'").status, 0);
  expect_one_error_line(run("--model two-layer --hidden 20 --iters 0 --load '" + file.string() + "'"), file);
}

TEST_F(SpiralFlags, SaveOrLoadWithModelAllIsRefused) {
  for (const char* flag : {"--save", "--load"}) {
    const Outcome r = run(std::string(flag) + " '" + (dir_ / "model.safetensors").string() + "'");
    EXPECT_EQ(r.status, 2) << flag;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_EQ(r.out, "") << flag << ": refused before anything runs";
  }
}

TEST_F(SpiralFlags, BadOptimizerFlagsExitTwo) {
  for (const char* arguments : {"--optim sgdx", "--optim", "--batch 0", "--batch -1", "--init xavier", "--lr inf"})
    EXPECT_EQ(run(arguments).status, 2) << arguments;
}

TEST_F(SpiralFlags, DefaultRunIsTheSeedsAndNamedOptimizerPrintsItsSettings) {
  const Outcome seed = run("--model linear --iters 20");
  ASSERT_EQ(seed.status, 0) << seed.err;
  EXPECT_EQ(seed.out.find("linear: sgd"), std::string::npos) << "the seed's run prints no optimizer line";
  const Outcome adam = run("--model linear --iters 20 --optim adam --batch 50");
  ASSERT_EQ(adam.status, 0) << adam.err;
  EXPECT_NE(adam.out.find("linear: adam lr 0.01, he init, batches of 50"), std::string::npos) << adam.out;
}

}  // namespace
