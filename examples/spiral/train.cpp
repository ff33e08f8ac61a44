#include "train.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace cgrad::spiral {
namespace {

void check_options(const TrainOptions& options) {
  if (!std::isfinite(options.learning_rate) || options.learning_rate < 0.0)
    throw ValueError(fmt::format("train: the learning rate must be finite and >= 0, got {}",
                                 options.learning_rate));
  if (!std::isfinite(options.reg) || options.reg < 0.0)
    throw ValueError(fmt::format("train: reg must be finite and >= 0, got {}", options.reg));
  if (options.log_every == 0) throw ValueError("train: log_every must be at least 1");
}

template <Real T>
double accuracy(Network<T>& network, Graph<T>& g, const SpiralData<T>& data) {
  const std::vector<std::int32_t> predicted = network.predict(g, data.features);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == data.labels[i];
  return static_cast<double>(correct) / static_cast<double>(predicted.size());
}

}  // namespace

template <Real T>
void sgd_step(std::span<Parameter<T>* const> parameters, T learning_rate) {
  for (Parameter<T>* p : parameters) {
    Tensor<T>& value = p->value();
    const Tensor<T>& grad = p->grad();
    for (std::size_t i = 0; i < value.size(); ++i) value[i] -= learning_rate * grad[i];
    p->zero_grad();
  }
}

template <Real T>
TrainResult train(Network<T>& network, const SpiralData<T>& data, const TrainOptions& options,
                  const LogSink& log) {
  check_options(options);
  const auto reg = static_cast<T>(options.reg);
  const auto learning_rate = static_cast<T>(options.learning_rate);
  const std::vector<Parameter<T>*> parameters = network.parameters();
  for (Parameter<T>* p : parameters) p->zero_grad();

  Graph<T> g;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < options.iterations; ++i) {
    g.clear();
    Var<T> loss = network.loss(g, g.input(data.features), data.labels, reg);
    if (i % options.log_every == 0) log(fmt::format("iteration {}: loss {:.6f}", i, loss.item()));
    g.backward(loss);
    sgd_step<T>(parameters, learning_rate);
  }
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;

  TrainResult result;
  result.microseconds_per_iteration =
      options.iterations > 0 ? elapsed.count() / static_cast<double>(options.iterations) : 0.0;
  {
    NoGradGuard<T> no_grad(g);
    g.clear();
    result.loss = network.loss(g, g.input(data.features), data.labels, reg).item();
  }
  result.accuracy = accuracy(network, g, data);
  return result;
}

template void sgd_step<float>(std::span<Parameter<float>* const>, float);
template void sgd_step<double>(std::span<Parameter<double>* const>, double);
template TrainResult train<float>(Network<float>&, const SpiralData<float>&, const TrainOptions&,
                                  const LogSink&);
template TrainResult train<double>(Network<double>&, const SpiralData<double>&,
                                   const TrainOptions&, const LogSink&);

}  // namespace cgrad::spiral
