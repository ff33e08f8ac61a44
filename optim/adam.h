#pragma once
// Adam (Kingma & Ba 2015, Algorithm 1; cs231n's form). At step t, with
// d ← g + weight_decay·x (L2 decay, added to the gradient, as in the paper's setting):
//   m ← β1·m + (1 − β1)·d;  v ← β2·v + (1 − β2)·d²
//   m̂ ← m / (1 − β1ᵗ);      v̂ ← v / (1 − β2ᵗ)
//   x ← x − lr·m̂ / (√v̂ + eps)
// AdamW (optim/adamw.h) is the same rule with the decay taken out of the gradient.
#include <vector>

#include "optim/optimizer.h"

namespace cgrad {

struct AdamOptions {
  double lr = 0.01;           // tuned on the spiral two-layer network (see optim/make_optimizer.h)
  double beta1 = 0.9;         // in [0, 1)
  double beta2 = 0.999;       // in [0, 1)
  double eps = 1e-8;          // > 0
  double weight_decay = 0;    // >= 0; L2 (coupled) here, decoupled in AdamW
};

template <Real T>
class Adam : public Optimizer<T> {
 public:
  explicit Adam(std::vector<Parameter<T>*> parameters, AdamOptions options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  // For AdamW: `decoupled` applies weight decay to x directly instead of through d.
  Adam(std::string_view name, std::vector<Parameter<T>*> parameters, AdamOptions options, bool decoupled);

 private:
  void begin_step() override;
  void update(std::span<T> value, std::span<const T> grad, std::span<Tensor<T>> state) override;
  AdamOptions options_;
  bool decoupled_;
  T correction1_ = 1;  // 1 − β1ᵗ for the current step
  T correction2_ = 1;  // 1 − β2ᵗ
};

extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace cgrad
