#pragma once
// Progress: how far a long training run is, on stderr. On a terminal, one live line
// redrawn in place ("\r") at most ten times a second:
//   digits cnn [#########...........]  1350/3000  412 steps/s  loss 0.0731  0:04 left
// Elsewhere (a log file, a pipe) a plain line every few seconds, so that logs stay short:
//   digits cnn: step 1350/3000 (45%), 412 steps/s, loss 0.0731, 0:04 left
// The loss shown is a moving average over about the last 20 steps (mini-batch losses are
// noisy), so the final report shows where training ended, not its mean.
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace cgrad::examples {

struct ProgressOptions {
  // Where to write; nullptr: nowhere (a quiet run).
  std::FILE* stream = stderr;
  // Whether to draw the live line; unset: when `stream` is a terminal.
  enum class Mode { Auto, Live, Lines } mode = Mode::Auto;
  // Seconds between plain lines (ignored by the live line).
  double line_interval = 5.0;
};

class Progress {
 public:
  Progress(std::string label, std::size_t total_steps, ProgressOptions options = {});
  // Ends the live line, if finish() was not called.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One step done, with its loss.
  void step(double loss);
  // The last report: the live line is drawn complete and ended with a newline; in line
  // mode, one line with the total time. Later calls, and a call before any step, do nothing.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void report(bool final);
  std::string line(bool live) const;

  std::string label_;
  std::size_t total_;
  std::FILE* stream_;
  bool live_;
  double interval_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_report_ = start_;
  std::size_t done_ = 0;
  double smoothed_loss_ = 0.0;  // exponential moving average
  bool finished_ = false;
};

// "0:07", "12:34", "1:02:03".
std::string format_duration(double seconds);

}  // namespace cgrad::examples
