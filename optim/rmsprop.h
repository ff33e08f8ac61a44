#pragma once
// RMSProp (Tieleman & Hinton 2012, lecture 6e; cs231n's form), with L2 weight decay:
//   d ← g + weight_decay·x;  s ← α·s + (1 − α)·d²;  x ← x − lr·d / (√s + eps)
// Adagrad with a leaky average, so steps do not shrink forever.
#include <vector>

#include "optim/optimizer.h"

namespace cgrad {

struct RmsPropOptions {
  double lr = 0.003;          // tuned on the spiral two-layer network (see optim/make_optimizer.h)
  double alpha = 0.99;        // decay rate of the squared-gradient average, in [0, 1)
  double eps = 1e-8;          // > 0
  double weight_decay = 0;    // >= 0
};

template <Real T>
class RmsProp : public Optimizer<T> {
 public:
  explicit RmsProp(std::vector<Parameter<T>*> parameters, RmsPropOptions options = {});
  const RmsPropOptions& options() const { return options_; }

 private:
  void update(std::span<T> value, std::span<const T> grad, std::span<Tensor<T>> state) override;
  RmsPropOptions options_;
};

extern template class RmsProp<float>;
extern template class RmsProp<double>;

}  // namespace cgrad
