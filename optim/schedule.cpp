#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "graph/error.h"
#include "optim/check_option.h"

namespace cgrad {
namespace {

void check_steps(std::string_view who, std::string_view option, std::uint64_t steps) {
  if (steps == 0) throw ValueError(fmt::format("{}: {} = 0 is outside the allowed range [1, inf)", who, option));
}

}  // namespace

StepDecay::StepDecay(double base_lr, std::uint64_t step_size, double gamma)
    : base_lr_(base_lr), gamma_(gamma), step_size_(step_size) {
  detail::check_option("StepDecay", "base_lr", base_lr, detail::Range::NonNegative);
  check_steps("StepDecay", "step_size", step_size);
  detail::check_option("StepDecay", "gamma", gamma, detail::Range::Positive);
}

double StepDecay::lr(std::uint64_t step) const {
  return base_lr_ * std::pow(gamma_, static_cast<double>(step / step_size_));
}

ExponentialDecay::ExponentialDecay(double base_lr, double gamma) : base_lr_(base_lr), gamma_(gamma) {
  detail::check_option("ExponentialDecay", "base_lr", base_lr, detail::Range::NonNegative);
  detail::check_option("ExponentialDecay", "gamma", gamma, detail::Range::Positive);
}

double ExponentialDecay::lr(std::uint64_t step) const {
  return base_lr_ * std::pow(gamma_, static_cast<double>(step));
}

CosineAnnealing::CosineAnnealing(double base_lr, std::uint64_t total_steps, double min_lr)
    : base_lr_(base_lr), min_lr_(min_lr), total_steps_(total_steps) {
  detail::check_option("CosineAnnealing", "base_lr", base_lr, detail::Range::NonNegative);
  check_steps("CosineAnnealing", "total_steps", total_steps);
  detail::check_option("CosineAnnealing", "min_lr", min_lr, detail::Range::NonNegative);
  if (min_lr > base_lr)
    throw ValueError(fmt::format("CosineAnnealing: min_lr = {} is outside the allowed range [0, base_lr = {}]",
                                 min_lr, base_lr));
}

double CosineAnnealing::lr(std::uint64_t step) const {
  const double progress = static_cast<double>(std::min(step, total_steps_)) / static_cast<double>(total_steps_);
  return min_lr_ + 0.5 * (base_lr_ - min_lr_) * (1 + std::cos(std::numbers::pi * progress));
}

}  // namespace cgrad
