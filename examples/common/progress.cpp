#include "progress.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <unistd.h>

namespace cgrad::examples {
namespace {

constexpr double kLiveInterval = 0.1;  // seconds between redraws of the live line
constexpr std::size_t kBarWidth = 20;
constexpr double kSmoothing = 0.05;  // weight of the newest loss in the moving average

bool is_terminal(std::FILE* stream) { return stream != nullptr && ::isatty(::fileno(stream)) == 1; }

}  // namespace

std::string format_duration(double seconds) {
  const auto total = static_cast<long long>(std::max(0.0, std::round(seconds)));
  const long long hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
  return fmt::format("{}:{:02}", minutes, secs);
}

Progress::Progress(std::string label, std::size_t total_steps, ProgressOptions options)
    : label_(std::move(label)),
      total_(total_steps),
      stream_(options.stream),
      live_(options.mode == ProgressOptions::Mode::Live ||
            (options.mode == ProgressOptions::Mode::Auto && is_terminal(options.stream))),
      interval_(live_ ? kLiveInterval : options.line_interval) {}

Progress::~Progress() {
  if (live_ && !finished_ && done_ > 0 && stream_ != nullptr) std::fputc('\n', stream_);
}

void Progress::step(double loss) {
  smoothed_loss_ = done_ == 0 ? loss : smoothed_loss_ + kSmoothing * (loss - smoothed_loss_);
  ++done_;
  if (stream_ == nullptr || finished_) return;
  const std::chrono::duration<double> since = Clock::now() - last_report_;
  if (since.count() >= interval_) report(false);
}

void Progress::finish() {
  if (stream_ == nullptr || finished_ || done_ == 0) return;  // nothing ran: nothing to report
  report(true);
  finished_ = true;
}

void Progress::report(bool final) {
  last_report_ = Clock::now();
  if (live_) {
    fmt::print(stream_, "\r{}\x1b[K{}", line(true), final ? "\n" : "");
  } else if (final) {
    const std::chrono::duration<double> elapsed = last_report_ - start_;
    fmt::print(stream_, "{}: {} steps in {}, loss {:.4f}\n", label_, done_, format_duration(elapsed.count()),
               smoothed_loss_);
  } else {
    fmt::print(stream_, "{}\n", line(false));
  }
  std::fflush(stream_);
}

std::string Progress::line(bool live) const {
  const std::chrono::duration<double> elapsed = last_report_ - start_;
  const double rate = elapsed.count() > 0 ? static_cast<double>(done_) / elapsed.count() : 0.0;
  const std::size_t left = total_ > done_ ? total_ - done_ : 0;
  const std::string eta = rate > 0 ? format_duration(static_cast<double>(left) / rate) : std::string("?");
  const double fraction = total_ > 0 ? std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)) : 1.0;
  if (live) {
    const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
    return fmt::format("{} [{}{}] {:>{}}/{}  {:.0f} steps/s  loss {:.4f}  {} left", label_, std::string(filled, '#'),
                       std::string(kBarWidth - filled, '.'), done_, fmt::formatted_size("{}", total_), total_, rate,
                       smoothed_loss_, eta);
  }
  return fmt::format("{}: step {}/{} ({:.0f}%), {:.0f} steps/s, loss {:.4f}, {} left", label_, done_, total_,
                     100.0 * fraction, rate, smoothed_loss_, eta);
}

}  // namespace cgrad::examples
