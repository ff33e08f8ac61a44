#pragma once
// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"): Adam's
// moments see only the loss gradient, and the decay shrinks the weights directly:
//   x ← x − lr·λ·x;  then Adam's update of x from g (see optim/adam.h)
// (lr·λ as in PyTorch's AdamW: the schedule multiplier of the paper is the lr.)
#include <vector>

#include "optim/adam.h"

namespace cgrad {

struct AdamWOptions {
  double lr = 0.01;           // tuned on the spiral two-layer network (see optim/make_optimizer.h)
  double beta1 = 0.9;         // in [0, 1)
  double beta2 = 0.999;       // in [0, 1)
  double eps = 1e-8;          // > 0
  double weight_decay = 1e-2; // λ, >= 0 (PyTorch's default)
};

template <Real T>
class AdamW : public Adam<T> {
 public:
  explicit AdamW(std::vector<Parameter<T>*> parameters, AdamWOptions options = {})
      : Adam<T>("AdamW", std::move(parameters),
                AdamOptions{.lr = options.lr, .beta1 = options.beta1, .beta2 = options.beta2,
                            .eps = options.eps, .weight_decay = options.weight_decay},
                true) {}
};

}  // namespace cgrad
