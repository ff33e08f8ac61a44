// The spiral executable's command line: bad input exits 2, --help exits 0, a short run
// writes its pictures. Runs the real binary (SPIRAL_BINARY) through the shell.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

int exit_status(const std::string& arguments) {
  const std::string command = "'" + std::string(SPIRAL_BINARY) + "' " + arguments + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SpiralCli, HelpExitsZero) { EXPECT_EQ(exit_status("--help"), 0); }

TEST(SpiralCli, BadFlagsAndValuesExitTwo) {
  for (const char* arguments :
       {"--no-such-flag", "--model cnn", "--dtype f16", "--rng mt", "--points 0", "--classes 0",
        "--hidden 0", "--threads 0", "--iters -5", "--lr -1", "--reg nan", "--seed 4294967296",
        "--points abc", "extra-positional"})
    EXPECT_EQ(exit_status(arguments), 2) << arguments;
}

TEST(SpiralCli, RuntimeErrorExitsTwo) {
  // The output directory cannot be created under a regular file.
  EXPECT_EQ(exit_status("--model linear --iters 1 --out /dev/null/spiral"), 2);
}

TEST(SpiralCli, DetectAnomalyStopsADivergingRunWithExitTwo) {
  // A step size of 1e6 overflows the scores within a few steps; without the flag the run
  // carries on printing non-finite losses, with it the first Inf ends the run.
  const auto dir = std::filesystem::temp_directory_path() / ("cgrad_anomaly_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto log = dir / "stderr.txt";
  const std::string diverging = "--model two-layer --lr 1e6 --iters 50 --out '" + dir.string() + "'";
  const std::string command =
      "'" + std::string(SPIRAL_BINARY) + "' " + diverging + " --detect-anomaly >/dev/null 2>'" + log.string() + "'";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::string message;
  std::ifstream stderr_text(log);
  std::getline(stderr_text, message);
  std::filesystem::remove_all(dir);
  EXPECT_NE(message.find("spiral: error: anomaly: "), std::string::npos) << message;
  EXPECT_NE(message.find("forward produced"), std::string::npos) << message;
}

TEST(SpiralCli, ShortRunWritesPictures) {
  // The process id keeps concurrent runs of the suite (release and debug) apart.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cgrad_spiral_cli_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  EXPECT_EQ(exit_status("--model linear --iters 20 --points 30 --out " + dir.string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "spiral_data.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "spiral_linear.png"));
  EXPECT_FALSE(std::filesystem::exists(dir / "spiral_two_layer.png"));
  std::filesystem::remove_all(dir);
}

}  // namespace
