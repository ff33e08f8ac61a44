#pragma once
// Anomaly mode, like torch.autograd.detect_anomaly: while a DetectAnomaly guard lives on
// this thread, every op's output (after its forward) and every gradient an op writes
// (after its backward) is checked for NaN and Inf. The first offender throws
// NumericError naming the op, the pass, the node's index on the tape and the user's line
// that recorded it, instead of surfacing thousands of steps later as a NaN loss.
//
// The flag is thread_local, so one thread debugging does not slow the others, and off it
// costs one well-predicted branch per node.
namespace cgrad {

namespace detail {
// constinit: no dynamic initialisation, so reading it needs no TLS wrapper call.
inline constinit thread_local bool anomaly_detection = false;
}  // namespace detail

inline bool anomaly_detection_enabled() { return detail::anomaly_detection; }

// Scoped: switches anomaly mode on (or, with false, off) on this thread and restores the
// previous setting when it goes out of scope, so guards nest.
class DetectAnomaly {
 public:
  explicit DetectAnomaly(bool enabled = true) : previous_(detail::anomaly_detection) {
    detail::anomaly_detection = enabled;
  }
  ~DetectAnomaly() { detail::anomaly_detection = previous_; }
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;

 private:
  bool previous_;
};

}  // namespace cgrad
