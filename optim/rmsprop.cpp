#include "optim/rmsprop.h"

#include <cmath>

#include "optim/check_option.h"

namespace cgrad {
namespace {

const RmsPropOptions& checked(const RmsPropOptions& o) {
  detail::check_option("RMSProp", "alpha", o.alpha, detail::Range::UnitInterval);
  detail::check_option("RMSProp", "eps", o.eps, detail::Range::Positive);
  detail::check_option("RMSProp", "weight_decay", o.weight_decay, detail::Range::NonNegative);
  return o;
}

}  // namespace

template <Real T>
RmsProp<T>::RmsProp(std::vector<Parameter<T>*> parameters, RmsPropOptions options)
    : Optimizer<T>("RMSProp", std::move(parameters), checked(options).lr, {"square_avg"}), options_(options) {}

template <Real T>
void RmsProp<T>::update(std::span<T> x, std::span<const T> g, std::span<Tensor<T>> state) {
  const T lr = static_cast<T>(this->lr());
  const T alpha = static_cast<T>(options_.alpha);
  const T eps = static_cast<T>(options_.eps);
  const T decay = static_cast<T>(options_.weight_decay);
  T* s = state[0].data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const T d = g[i] + decay * x[i];
    s[i] = alpha * s[i] + (1 - alpha) * d * d;
    x[i] -= lr * d / (std::sqrt(s[i]) + eps);
  }
}

template class RmsProp<float>;
template class RmsProp<double>;

}  // namespace cgrad
