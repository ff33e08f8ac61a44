#pragma once
// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight
// decay. With d = g + weight_decay·x (the decay is L2, added to the gradient):
//   plain:    x ← x − lr·d
//   momentum: b ← μ·b + d;  x ← x − lr·b               (Polyak; Sutskever et al. 2013)
//   Nesterov: b ← μ·b + d;  x ← x − lr·(d + μ·b)
// While lr is constant these are cs231n's v ← μ·v − lr·d; x ← x + v (with v = −lr·b) and
// its Nesterov form x ← x − μ·v_prev + (1 + μ)·v; keeping lr outside b is what lets a
// schedule change lr without rescaling the velocity (the form PyTorch uses).
#include <vector>

#include "optim/optimizer.h"

namespace cgrad {

struct SgdOptions {
  double lr = 0.3;            // tuned on the spiral two-layer network (see optim/make_optimizer.h)
  double momentum = 0;        // in [0, 1); 0 keeps no state
  bool nesterov = false;      // needs momentum > 0
  double weight_decay = 0;    // >= 0
};

template <Real T>
class Sgd : public Optimizer<T> {
 public:
  explicit Sgd(std::vector<Parameter<T>*> parameters, SgdOptions options = {});
  const SgdOptions& options() const { return options_; }

 private:
  void update(std::span<T> value, std::span<const T> grad, std::span<Tensor<T>> state) override;
  SgdOptions options_;
};

extern template class Sgd<float>;
extern template class Sgd<double>;

}  // namespace cgrad
