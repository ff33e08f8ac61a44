#pragma once
// An optimizer chosen by name at run time, as a command line does (--optim adam):
//   sgd, momentum (SGD, μ = 0.9), nesterov (SGD, μ = 0.9, Nesterov), adagrad, rmsprop,
//   adam, adamw.
// Without an lr, each uses its default learning rate (the lr default of its options
// struct; momentum and Nesterov use 0.05, since momentum 0.9 multiplies the step by 10).
// The defaults were chosen on the seed's spiral two-layer network (2-100-3, ReLU, L2 1e-3,
// He init, f32, mini-batches of 64): each reaches >= 95% training accuracy within 3,000
// steps for every seed 0..19 tried, with a margin (>= 95% by step 400, >= 96.7% at 3,000):
//   sgd 0.3, momentum 0.05, nesterov 0.05, adagrad 0.1, rmsprop 0.003, adam 0.01, adamw 0.01
// (the papers' usual values are adagrad 0.01, rmsprop 0.001, adam 0.001: slower here.)
#include <array>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "optim/optimizer.h"

namespace cgrad {

inline constexpr std::array<std::string_view, 7> kOptimizerNames = {
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"};

// The learning rate make_optimizer uses for `name` when none is given.
// Throws ValueError for a name not in kOptimizerNames.
double default_lr(std::string_view name);

// Throws ValueError for an unknown name (the message lists the known ones) and whatever
// the optimizer's constructor throws.
template <Real T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, std::vector<Parameter<T>*> parameters,
                                             std::optional<double> lr = std::nullopt);

}  // namespace cgrad
