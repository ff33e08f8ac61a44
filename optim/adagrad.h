#pragma once
// Adagrad (Duchi, Hazan & Singer 2011; cs231n's form), with L2 weight decay:
//   d ← g + weight_decay·x;  s ← s + d²;  x ← x − lr·d / (√s + eps)
// Each coordinate's step shrinks with the squared gradients it has seen.
#include <vector>

#include "optim/optimizer.h"

namespace cgrad {

struct AdagradOptions {
  double lr = 0.1;            // tuned on the spiral two-layer network (see optim/make_optimizer.h)
  double eps = 1e-10;         // > 0
  double weight_decay = 0;    // >= 0
};

template <Real T>
class Adagrad : public Optimizer<T> {
 public:
  explicit Adagrad(std::vector<Parameter<T>*> parameters, AdagradOptions options = {});
  const AdagradOptions& options() const { return options_; }

 private:
  void update(std::span<T> value, std::span<const T> grad, std::span<Tensor<T>> state) override;
  AdagradOptions options_;
};

extern template class Adagrad<float>;
extern template class Adagrad<double>;

}  // namespace cgrad
