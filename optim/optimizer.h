#pragma once
// Optimizer<T>: updates a fixed list of parameters from the gradients that backward left
// in them. The base class owns everything optimizers share: the parameter list, the
// learning rate (which schedules set), the step count, per-parameter state tensors and
// the loop over parameters. A subclass supplies only the update rule of one parameter.
//
// State tensors are sized once, when the optimizer is made, so step() allocates nothing.
// They can be listed by name ("<parameter index>.<slot>") so checkpoints can save and
// restore them.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/parameter.h"
#include "graph/tensor.h"

namespace cgrad {

template <Real T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Holds pointers into itself (state per parameter): not copied, not moved.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter from its current gradient. Throws ShapeError, before
  // touching anything, if a parameter's value or gradient no longer has the shape it had
  // when the optimizer was made.
  void step();
  // Sets every parameter's gradient to zero (call before each backward).
  void zero_grad();

  // "SGD", "Adam", ...: used in messages and checkpoints.
  std::string_view name() const { return name_; }
  const std::vector<Parameter<T>*>& parameters() const { return parameters_; }

  double lr() const { return lr_; }
  // Throws ValueError unless lr is finite and >= 0.
  void set_lr(double lr);

  // Steps taken so far; the next step() is step number step_count() + 1.
  std::uint64_t step_count() const { return step_count_; }
  void set_step_count(std::uint64_t count) { step_count_ = count; }

  // The names of the state tensors kept per parameter ("momentum", "exp_avg", ...).
  const std::vector<std::string_view>& state_slots() const { return slots_; }
  // Every state tensor, named "<parameter index>.<slot>", in a fixed order.
  std::vector<std::pair<std::string, const Tensor<T>*>> state() const;
  std::vector<std::pair<std::string, Tensor<T>*>> state();

 protected:
  // Throws ValueError for an empty list, a null or repeated parameter, or a bad lr.
  Optimizer(std::string_view name, std::vector<Parameter<T>*> parameters, double lr,
            std::vector<std::string_view> slots);

  // Called once per step, after step_count() has advanced, before any update: the place
  // for constants that depend only on the step (Adam's bias corrections).
  virtual void begin_step() {}
  // Updates one parameter's values in place. `state` holds this parameter's state
  // tensors, one per slot, in the order of state_slots(), shaped like the parameter.
  virtual void update(std::span<T> value, std::span<const T> grad, std::span<Tensor<T>> state) = 0;

 private:
  std::string_view name_;
  std::vector<Parameter<T>*> parameters_;
  std::vector<Shape> shapes_;  // each parameter's shape when the optimizer was made
  std::vector<std::string_view> slots_;
  std::vector<Tensor<T>> state_;  // [parameter index * slots + slot]
  double lr_ = 0;
  std::uint64_t step_count_ = 0;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace cgrad
