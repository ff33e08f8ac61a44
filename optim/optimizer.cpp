#include "optim/optimizer.h"

#include <algorithm>

#include <fmt/format.h>

#include "graph/error.h"
#include "optim/check_option.h"

namespace cgrad {

template <Real T>
Optimizer<T>::Optimizer(std::string_view name, std::vector<Parameter<T>*> parameters, double lr,
                        std::vector<std::string_view> slots)
    : name_(name), parameters_(std::move(parameters)), slots_(std::move(slots)) {
  if (parameters_.empty()) throw ValueError(fmt::format("{}: the parameter list is empty", name_));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i] == nullptr)
      throw ValueError(fmt::format("{}: parameter {} is a null pointer", name_, i));
    // A parameter listed twice would be updated twice per step.
    if (std::find(parameters_.begin(), parameters_.begin() + i, parameters_[i]) != parameters_.begin() + i)
      throw ValueError(fmt::format("{}: parameter {} ('{}') is listed twice", name_, i, parameters_[i]->name()));
  }
  set_lr(lr);
  shapes_.reserve(parameters_.size());
  state_.reserve(parameters_.size() * slots_.size());
  for (Parameter<T>* p : parameters_) {
    shapes_.push_back(p->shape());
    for (std::size_t s = 0; s < slots_.size(); ++s) state_.emplace_back(p->shape());  // zeros
  }
}

template <Real T>
void Optimizer<T>::set_lr(double lr) {
  detail::check_option(name_, "lr", lr, detail::Range::NonNegative);
  lr_ = lr;
}

template <Real T>
void Optimizer<T>::step() {
  // Check every parameter before updating any, so a bad one leaves all of them as they were.
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Parameter<T>& p = *parameters_[i];
    if (p.shape() != shapes_[i] || p.grad().shape() != shapes_[i])
      throw ShapeError(fmt::format("{}: parameter {} ('{}') was {} when the optimizer was made; now its value is {} "
                                   "and its gradient {}",
                                   name_, i, p.name(), shapes_[i], p.shape(), p.grad().shape()));
  }
  ++step_count_;
  begin_step();
  const std::size_t slots = slots_.size();
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Parameter<T>& p = *parameters_[i];
    update(p.mutable_value().span(), std::as_const(p.grad()).span(), std::span<Tensor<T>>(state_).subspan(i * slots, slots));
  }
}

template <Real T>
void Optimizer<T>::zero_grad() {
  for (Parameter<T>* p : parameters_) p->zero_grad();
}

template <Real T>
std::vector<std::pair<std::string, const Tensor<T>*>> Optimizer<T>::state() const {
  std::vector<std::pair<std::string, const Tensor<T>*>> named;
  named.reserve(state_.size());
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    for (std::size_t s = 0; s < slots_.size(); ++s)
      named.emplace_back(fmt::format("{}.{}", i, slots_[s]), &state_[i * slots_.size() + s]);
  return named;
}

template <Real T>
std::vector<std::pair<std::string, Tensor<T>*>> Optimizer<T>::state() {
  std::vector<std::pair<std::string, Tensor<T>*>> named;
  named.reserve(state_.size());
  for (auto& [name, tensor] : std::as_const(*this).state())
    named.emplace_back(std::move(name), const_cast<Tensor<T>*>(tensor));  // *this is not const here
  return named;
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace cgrad
