#include "optim/sgd.h"

#include <fmt/format.h>

#include "graph/error.h"
#include "optim/check_option.h"

namespace cgrad {
namespace {

// Validates before the base class sizes any state.
const SgdOptions& checked(const SgdOptions& o) {
  detail::check_option("SGD", "momentum", o.momentum, detail::Range::UnitInterval);
  detail::check_option("SGD", "weight_decay", o.weight_decay, detail::Range::NonNegative);
  if (o.nesterov && o.momentum == 0)
    throw ValueError("SGD: nesterov = true needs momentum in (0, 1), got momentum = 0");
  return o;
}

std::vector<std::string_view> slots(const SgdOptions& o) {
  if (o.momentum > 0) return {"momentum"};
  return {};
}

}  // namespace

template <Real T>
Sgd<T>::Sgd(std::vector<Parameter<T>*> parameters, SgdOptions options)
    : Optimizer<T>("SGD", std::move(parameters), checked(options).lr, slots(options)), options_(options) {}

template <Real T>
void Sgd<T>::update(std::span<T> x, std::span<const T> g, std::span<Tensor<T>> state) {
  const T lr = static_cast<T>(this->lr());
  const T decay = static_cast<T>(options_.weight_decay);
  const T mu = static_cast<T>(options_.momentum);
  if (state.empty()) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] -= lr * (g[i] + decay * x[i]);
    return;
  }
  T* b = state[0].data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const T d = g[i] + decay * x[i];
    b[i] = mu * b[i] + d;
    x[i] -= lr * (options_.nesterov ? d + mu * b[i] : b[i]);
  }
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace cgrad
