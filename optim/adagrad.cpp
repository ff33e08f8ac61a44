#include "optim/adagrad.h"

#include <cmath>

#include "optim/check_option.h"

namespace cgrad {
namespace {

const AdagradOptions& checked(const AdagradOptions& o) {
  detail::check_option("Adagrad", "eps", o.eps, detail::Range::Positive);
  detail::check_option("Adagrad", "weight_decay", o.weight_decay, detail::Range::NonNegative);
  return o;
}

}  // namespace

template <Real T>
Adagrad<T>::Adagrad(std::vector<Parameter<T>*> parameters, AdagradOptions options)
    : Optimizer<T>("Adagrad", std::move(parameters), checked(options).lr, {"sum_sq"}), options_(options) {}

template <Real T>
void Adagrad<T>::update(std::span<T> x, std::span<const T> g, std::span<Tensor<T>> state) {
  const T lr = static_cast<T>(this->lr());
  const T eps = static_cast<T>(options_.eps);
  const T decay = static_cast<T>(options_.weight_decay);
  T* s = state[0].data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const T d = g[i] + decay * x[i];
    s[i] += d * d;
    x[i] -= lr * d / (std::sqrt(s[i]) + eps);
  }
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace cgrad
