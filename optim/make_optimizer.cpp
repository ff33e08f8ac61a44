#include "optim/make_optimizer.h"

#include <fmt/format.h>

#include "graph/error.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"

namespace cgrad {
namespace {

// Momentum multiplies the effective step by 1 / (1 − μ), so its default lr is smaller.
constexpr double kMomentum = 0.9;
constexpr double kMomentumLr = 0.05;

[[noreturn]] void unknown(std::string_view name) {
  throw ValueError(fmt::format("make_optimizer: unknown optimizer '{}'; choose one of {}", name,
                               fmt::join(kOptimizerNames, ", ")));
}

}  // namespace

double default_lr(std::string_view name) {
  if (name == "sgd") return SgdOptions{}.lr;
  if (name == "momentum" || name == "nesterov") return kMomentumLr;
  if (name == "adagrad") return AdagradOptions{}.lr;
  if (name == "rmsprop") return RmsPropOptions{}.lr;
  if (name == "adam") return AdamOptions{}.lr;
  if (name == "adamw") return AdamWOptions{}.lr;
  unknown(name);
}

template <Real T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view name, std::vector<Parameter<T>*> parameters,
                                             std::optional<double> lr) {
  const double rate = lr ? *lr : default_lr(name);
  auto& p = parameters;
  if (name == "sgd") return std::make_unique<Sgd<T>>(std::move(p), SgdOptions{.lr = rate});
  if (name == "momentum") return std::make_unique<Sgd<T>>(std::move(p), SgdOptions{.lr = rate, .momentum = kMomentum});
  if (name == "nesterov")
    return std::make_unique<Sgd<T>>(std::move(p), SgdOptions{.lr = rate, .momentum = kMomentum, .nesterov = true});
  if (name == "adagrad") return std::make_unique<Adagrad<T>>(std::move(p), AdagradOptions{.lr = rate});
  if (name == "rmsprop") return std::make_unique<RmsProp<T>>(std::move(p), RmsPropOptions{.lr = rate});
  if (name == "adam") return std::make_unique<Adam<T>>(std::move(p), AdamOptions{.lr = rate});
  if (name == "adamw") return std::make_unique<AdamW<T>>(std::move(p), AdamWOptions{.lr = rate});
  unknown(name);
}

template std::unique_ptr<Optimizer<float>> make_optimizer(std::string_view, std::vector<Parameter<float>*>,
                                                          std::optional<double>);
template std::unique_ptr<Optimizer<double>> make_optimizer(std::string_view, std::vector<Parameter<double>*>,
                                                           std::optional<double>);

}  // namespace cgrad
