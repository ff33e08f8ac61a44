#include "optim/adam.h"

#include <cmath>

#include "optim/check_option.h"

namespace cgrad {
namespace {

const AdamOptions& checked(std::string_view who, const AdamOptions& o) {
  detail::check_option(who, "beta1", o.beta1, detail::Range::UnitInterval);
  detail::check_option(who, "beta2", o.beta2, detail::Range::UnitInterval);
  detail::check_option(who, "eps", o.eps, detail::Range::Positive);
  detail::check_option(who, "weight_decay", o.weight_decay, detail::Range::NonNegative);
  return o;
}

}  // namespace

template <Real T>
Adam<T>::Adam(std::vector<Parameter<T>*> parameters, AdamOptions options)
    : Adam("Adam", std::move(parameters), options, false) {}

template <Real T>
Adam<T>::Adam(std::string_view name, std::vector<Parameter<T>*> parameters, AdamOptions options, bool decoupled)
    : Optimizer<T>(name, std::move(parameters), checked(name, options).lr, {"exp_avg", "exp_avg_sq"}),
      options_(options),
      decoupled_(decoupled) {}

template <Real T>
void Adam<T>::begin_step() {
  const auto t = static_cast<double>(this->step_count());
  correction1_ = static_cast<T>(1 - std::pow(options_.beta1, t));
  correction2_ = static_cast<T>(1 - std::pow(options_.beta2, t));
}

template <Real T>
void Adam<T>::update(std::span<T> x, std::span<const T> g, std::span<Tensor<T>> state) {
  const T lr = static_cast<T>(this->lr());
  const T beta1 = static_cast<T>(options_.beta1), beta2 = static_cast<T>(options_.beta2);
  const T eps = static_cast<T>(options_.eps);
  const T decay = static_cast<T>(options_.weight_decay);
  const T coupled_decay = decoupled_ ? T{0} : decay;
  const T shrink = decoupled_ ? 1 - lr * decay : T{1};  // AdamW: x ← x − lr·λ·x first
  // Locals, not members: the loop's stores through T* could alias a member, and reloading
  // it each element would keep the loop from vectorizing.
  const T correction1 = correction1_, correction2 = correction2_;
  T* m = state[0].data();
  T* v = state[1].data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const T d = g[i] + coupled_decay * x[i];
    m[i] = beta1 * m[i] + (1 - beta1) * d;
    v[i] = beta2 * v[i] + (1 - beta2) * d * d;
    const T m_hat = m[i] / correction1;
    const T v_hat = v[i] / correction2;
    x[i] = shrink * x[i] - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

template class Adam<float>;
template class Adam<double>;

}  // namespace cgrad
