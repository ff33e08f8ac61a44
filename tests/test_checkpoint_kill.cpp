// A process killed (SIGKILL) at a random moment while it saves checkpoints in a loop
// leaves a checkpoint that loads, and it is a complete one: the last the process reported
// as saved, or the one it was finishing (renamed but not yet reported), never a mix.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cgrad.h"

namespace cgrad {
namespace {

namespace fs = std::filesystem;

constexpr int kKills = 50;

// Big enough (512 KiB) that a save takes a while, so kills land inside one.
struct Model {
  Parameter<double> w{"w", Tensor<double>(256, 256)};
  Parameter<double> b{"b", Tensor<double>(1, 256)};
  std::vector<NamedParameter<double>> named() { return {{"w", &w}, {"b", &b}}; }
  void set(double v) {
    w.mutable_value().fill(v);
    b.mutable_value().fill(-v);
  }
};

// The child: saves checkpoints with values first, first + 1, ... and reports each on
// `pipe` after save_checkpoint returned. It never returns.
[[noreturn]] void save_forever(const fs::path& file, std::uint64_t first, int pipe) {
  try {
    Model model;
    for (std::uint64_t i = first;; ++i) {
      model.set(static_cast<double>(i));
      save_checkpoint(file, model.named());
      if (::write(pipe, &i, sizeof i) != sizeof i) ::_exit(3);
    }
  } catch (...) {
    ::_exit(2);
  }
}

// Every value reported on `pipe` until the child's end closed; returns the last, or `last`.
std::uint64_t drain(int pipe, std::uint64_t last) {
  std::uint64_t value = 0;
  while (::read(pipe, &value, sizeof value) == sizeof value) last = value;
  return last;
}

TEST(CheckpointKill, LastCompleteCheckpointAlwaysLoads) {
  const fs::path dir = fs::temp_directory_path() / ("cgrad_kill_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "model.safetensors";
  std::mt19937 engine(12345);
  std::uniform_int_distribution<int> delay_us(0, 30'000);
  std::uint64_t last_reported = 0;  // 0: nothing saved yet
  std::uint64_t on_disk = 0;        // what the file held when last loaded
  int interrupted_saves = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE(testing::Message() << "kill " << kill);
    const std::uint64_t before = last_reported;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const std::uint64_t first = static_cast<std::uint64_t>(kill + 1) * 1'000'000;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      save_forever(file, first, fds[1]);
    }
    ::close(fds[1]);
    // Every fifth round waits for one complete save before the delay, so that saves
    // complete even on a machine so loaded that no save fits in the random delays.
    if (kill % 5 == 4) {
      std::uint64_t value = 0;
      if (::read(fds[0], &value, sizeof value) == sizeof value) last_reported = value;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(engine)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child failed on its own: " << status;
    last_reported = drain(fds[0], last_reported);
    ::close(fds[0]);
    // The file holds the last save reported in this round, or, when none was, what it held
    // before; or else the save in progress, which may have renamed its file unreported.
    const bool reported = last_reported != before;
    const std::uint64_t complete = reported ? last_reported : on_disk;
    const std::uint64_t in_progress = reported ? last_reported + 1 : first;

    for (const auto& entry : fs::directory_iterator(dir))  // a temporary left by the kill
      if (entry.path() != file) {
        ++interrupted_saves;
        fs::remove(entry.path());
      }
    if (!fs::exists(file)) {
      ASSERT_EQ(complete, 0u) << "a complete save left no file";
      continue;
    }
    Model loaded;
    loaded.set(-1);
    ASSERT_NO_THROW(load_checkpoint(file, loaded.named())) << "after " << last_reported;
    const double v = loaded.w.value()[0];
    ASSERT_TRUE(v == static_cast<double>(in_progress) || (v == static_cast<double>(complete) && complete != 0))
        << "loaded " << v << "; the last complete save was " << complete << ", the one in progress " << in_progress;
    on_disk = static_cast<std::uint64_t>(v);
    for (double x : loaded.w.value().span()) ASSERT_EQ(x, v) << "a mix of two checkpoints";
    for (double x : loaded.b.value().span()) ASSERT_EQ(x, -v) << "a mix of two checkpoints";
  }
  std::printf("CheckpointKill: %d kills, %d of them inside a save (a temporary file was left), last save %llu\n",
              kKills, interrupted_saves, static_cast<unsigned long long>(last_reported));
  EXPECT_GT(last_reported, 0u) << "no save ever completed: the test proved nothing";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cgrad
