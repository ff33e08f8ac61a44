// The chars example (examples/chars): the models' padding, and the real executable
// (CHARS_BINARY) on the real word list: its output lines, a bigram that learns, the
// samples, checkpoints and bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stb_image.h>

#include "char_model.h"
#include "tests/chars_model_param.h"
#include "vocab.h"
#include "words.h"

// gtest names the parameter of CharsPadding by this (found by argument-dependent lookup).
namespace cgrad::chars {
void PrintTo(ModelKind kind, std::ostream* out) { *out << model_name(kind); }
}  // namespace cgrad::chars

namespace {

namespace fs = std::filesystem;
using cgrad::chars::ModelKind;

struct Outcome {
  int status = -1;
  std::vector<std::string> out, err;  // the lines
};

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

fs::path scratch_dir() {
  // The process id keeps concurrent runs of the suite (release and debug) apart.
  const auto dir = fs::temp_directory_path() / ("cgrad_chars_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

Outcome run_chars(const std::string& arguments) {
  const fs::path dir = scratch_dir();
  const std::string command = fmt::format("'{}' {} >'{}' 2>'{}'", CHARS_BINARY, arguments, (dir / "out.txt").string(),
                                          (dir / "err.txt").string());
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, lines_of(dir / "out.txt"), lines_of(dir / "err.txt")};
}

class CharsCli : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(cgrad::data::kWordListFile))
        << cgrad::data::kWordListFile << " is missing: install Debian's wamerican (scripts/setup.sh does)";
  }
  void TearDown() override { fs::remove_all(scratch_dir()); }
};

// The number after "val loss " in a line.
double val_loss(const std::string& line) {
  const auto at = line.find("val loss ");
  return at == std::string::npos ? NAN : std::stod(line.substr(at + 9));
}

TEST_F(CharsCli, EveryModelPrintsItsLinesAndTwentySampledWords) {
  const std::regex header(R"(chars \w+: \d+ training words, \d+ validation words, \d+ parameters)");
  const std::regex start(R"(step 0: val loss \d+\.\d{4})");
  const std::regex point(R"(step \d+ \(epoch \d+\): train loss \d+\.\d{4}, val loss \d+\.\d{4})");
  const std::regex sample("sample: [a-z]*");
  for (const char* model : {"bigram", "mlp", "lstm", "gru", "transformer"}) {
    SCOPED_TRACE(model);
    const Outcome run = run_chars(std::string("--model ") + model + " --steps 4 --log-every 2 --batch 8 --threads 1");
    ASSERT_EQ(run.status, 0);
    ASSERT_EQ(run.out.size(), 6u + 20u);
    EXPECT_TRUE(std::regex_match(run.out[0], header)) << run.out[0];
    EXPECT_TRUE(std::regex_match(run.out[1], start)) << run.out[1];
    EXPECT_TRUE(std::regex_match(run.out[2], point)) << run.out[2];
    EXPECT_TRUE(std::regex_match(run.out[3], point)) << run.out[3];
    // The final line repeats the last point's validation loss.
    EXPECT_EQ(run.out[4], std::string("chars ") + model + ": val loss " + run.out[3].substr(run.out[3].rfind(' ') + 1));
    EXPECT_TRUE(std::regex_match(run.out[5], std::regex(std::string("chars ") + model + R"(: \d+\.\d{3} ms per step)")))
        << run.out[5];
    for (std::size_t i = 6; i < run.out.size(); ++i) EXPECT_TRUE(std::regex_match(run.out[i], sample)) << run.out[i];
  }
}

TEST_F(CharsCli, BigramFallsBelowUniformGuessingFromItsStart) {
  // ln 27: the loss of the uniform guess. The N(0, 1) table starts above it.
  const Outcome run = run_chars("--model bigram --steps 60 --log-every 20 --samples 0 --threads 1");
  ASSERT_EQ(run.status, 0);
  ASSERT_EQ(run.out.size(), 7u);
  std::vector<double> losses;
  for (std::size_t i = 1; i <= 4; ++i) losses.push_back(val_loss(run.out[i]));
  EXPECT_GT(losses.front(), std::log(27.0));
  for (std::size_t i = 1; i < losses.size(); ++i) EXPECT_LT(losses[i], losses[i - 1]) << run.out[i + 1];
  EXPECT_LT(losses.back(), std::log(27.0) - 0.3);
}

TEST_F(CharsCli, WritesALossCurvePngThatDecodes) {
  const fs::path dir = scratch_dir() / "pictures";
  const Outcome run = run_chars("--model bigram --steps 10 --samples 0 --out '" + dir.string() + "'");
  ASSERT_EQ(run.status, 0);
  const std::string png = (dir / "chars_bigram_loss.png").string();
  int width = 0, height = 0, channels = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &width, &height, &channels, 3);
  ASSERT_NE(pixels, nullptr) << png << ": " << stbi_failure_reason();
  stbi_image_free(pixels);
  EXPECT_GT(width, 100);
  EXPECT_GT(height, 100);
}

TEST_F(CharsCli, SamplesFollowTheSeed) {
  const auto samples = [](const std::string& seed) -> std::vector<std::string> {
    const Outcome run = run_chars("--model bigram --steps 20 --seed " + seed);
    EXPECT_EQ(run.status, 0);
    if (run.out.size() < 20) {  // a failed run: its lines cannot hold 20 samples
      ADD_FAILURE() << "seed " << seed << ": " << run.out.size() << " lines of output";
      return {};
    }
    return {run.out.end() - 20, run.out.end()};
  };
  EXPECT_EQ(samples("7"), samples("7"));
  EXPECT_NE(samples("7"), samples("8"));
}

TEST_F(CharsCli, SaveThenLoadGivesTheSameValidationLoss) {
  const std::string file = (scratch_dir() / "mlp.safetensors").string();
  const Outcome trained = run_chars("--model mlp --steps 30 --samples 0 --save '" + file + "'");
  ASSERT_EQ(trained.status, 0);
  const Outcome loaded = run_chars("--model mlp --steps 0 --samples 0 --load '" + file + "'");
  ASSERT_EQ(loaded.status, 0);
  const auto final_line = [](const Outcome& run) { return run.out.at(run.out.size() - 2); };
  EXPECT_EQ(final_line(loaded), final_line(trained));
  EXPECT_EQ(final_line(loaded).rfind("chars mlp: val loss ", 0), 0u) << final_line(loaded);
  // Not a model the file was written for: one line, exit 2.
  const Outcome wrong = run_chars("--model gru --steps 0 --load '" + file + "'");
  EXPECT_EQ(wrong.status, 2);
  EXPECT_EQ(wrong.err.size(), 1u);
}

TEST_F(CharsCli, BadInputExitsTwoWithOneLine) {
  for (const char* arguments :
       {"--no-such-flag", "--model rnn", "--steps -1", "--steps abc", "--batch 0", "--lr nan", "--lr -1",
        "--optim adamax", "--threads 0", "--log-every 0", "--seed -3", "extra-positional",
        "--words /no/such/file --steps 1", "--load /no/such/checkpoint --steps 0",
        "--out /dev/null/chars --steps 1"}) {
    const Outcome run = run_chars(arguments);
    EXPECT_EQ(run.status, 2) << arguments;
    EXPECT_EQ(run.err.size(), 1u) << arguments;
    EXPECT_EQ(run.out.size(), 0u) << arguments;
  }
}

// A sequence's logits do not depend on the longer sequences padded beside it: the padding
// never reaches a real position.
class CharsPadding : public testing::TestWithParam<ModelKind> {};

TEST_P(CharsPadding, LogitsOfAWordAreTheSameAloneAndInAPaddedBatch) {
  cgrad::Rng rng(5);
  const auto model = cgrad::chars::make_model(GetParam(), cgrad::chars::default_sizes(GetParam()), rng);
  model->eval();
  const auto short_word = cgrad::chars::encode("cat"), long_word = cgrad::chars::encode("elephants");
  const std::span<const std::int64_t> short_input(short_word.data(), short_word.size() - 1),
      long_input(long_word.data(), long_word.size() - 1);
  cgrad::Graph<float> alone_graph, batch_graph;
  const auto alone = model->logits(alone_graph, std::span(&short_input, 1)).value();
  const std::vector<std::span<const std::int64_t>> batch{long_input, short_input};
  const auto together = model->logits(batch_graph, batch).value();
  ASSERT_EQ(together.shape()[0], long_input.size() + short_input.size());
  const auto rows = together.span().subspan(long_input.size() * cgrad::chars::kVocabSize);
  ASSERT_EQ(rows.size(), alone.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_NEAR(rows[i], alone.span()[i], 1e-5) << i;
}

INSTANTIATE_TEST_SUITE_P(Models, CharsPadding, cgrad::testing::every_char_model(),
                         cgrad::testing::char_model_test_name);

}  // namespace
