#pragma once
// Full-batch gradient descent on the spiral data, logged in the seed's form.
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>

#include "cgrad.h"
#include "model.h"
#include "spiral_data.h"

namespace cgrad::spiral {

struct TrainOptions {
  std::size_t iterations = 200;
  double learning_rate = 1.0;
  double reg = 1e-3;
  std::size_t log_every = 10;  // a log line when iteration % log_every == 0
};

struct TrainResult {
  // Loss and accuracy of the parameters training ends with (after the last update);
  // the last log line shows the loss before its iteration's update, as the seed prints.
  double loss = 0.0;
  double accuracy = 0.0;
  double microseconds_per_iteration = 0.0;  // the training loop only
};

// Receives each log line, without a newline: "iteration 190: loss 0.786302".
using LogSink = std::function<void(std::string_view line)>;

// The seed's update, p -= lr * dp, then the gradients are cleared for the next pass.
// Kept apart so that an optimizer from optim/ can take its place.
template <Real T>
void sgd_step(std::span<Parameter<T>* const> parameters, T learning_rate);

// Throws cgrad::ValueError for a non-finite or negative learning rate or reg, or
// log_every == 0.
template <Real T>
TrainResult train(Network<T>& network, const SpiralData<T>& data, const TrainOptions& options,
                  const LogSink& log);

extern template void sgd_step<float>(std::span<Parameter<float>* const>, float);
extern template void sgd_step<double>(std::span<Parameter<double>* const>, double);
extern template TrainResult train<float>(Network<float>&, const SpiralData<float>&,
                                         const TrainOptions&, const LogSink&);
extern template TrainResult train<double>(Network<double>&, const SpiralData<double>&,
                                          const TrainOptions&, const LogSink&);

}  // namespace cgrad::spiral
