#pragma once
// Dropout<T>: the dropout op as a module. In training mode each element is zeroed with
// probability p and the rest scaled by 1 / (1 − p); in evaluation mode (eval()) it is the
// identity and records nothing. The module owns its random stream, seeded at
// construction, so a model built from the same seeds drops the same elements.
#include <cstdint>
#include <source_location>

#include <fmt/format.h>

#include "graph/error.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/random.h"
#include "ops/index/dropout.h"

namespace cgrad {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit, so Dropout(0.1) reads as in LibTorch
  CGRAD_ARG(double, p);
};

template <Real T>
class Dropout : public UnaryModule<T> {
 public:
  // Throws ValueError when p is outside [0, 1].
  explicit Dropout(const DropoutOptions& options = {}, std::uint64_t seed = 0) : p_(checked(options.p())), rng_(seed) {}
  // The stream's seed is drawn from `rng`.
  Dropout(const DropoutOptions& options, Rng& rng) : p_(checked(options.p())), rng_(rng.next()) {}

  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return dropout(x, p_, rng_, this->is_training(), where);
  }
  double p() const { return p_; }

 private:
  static double checked(double p) {
    if (!(p >= 0 && p <= 1)) throw ValueError(fmt::format("Dropout: p = {} is outside [0, 1]", p));
    return p;
  }

  double p_;
  Rng rng_;
};

}  // namespace cgrad
