#pragma once
// Sequential<T>: a chain of UnaryModules that it owns, applied in order. The modules are
// children "0", "1", ..., so a Sequential registered as "layers" names its parameters
// "layers.0.weight", "layers.2.bias", ... An empty Sequential is the identity.
//
//   Sequential<float> net(std::make_unique<Linear<float>>(LinearOptions(2, 16), rng),
//                         std::make_unique<ReLU<float>>());
//   Linear<float>& head = net.emplace_back<Linear<float>>(LinearOptions(16, 3), rng);
//
// Each module lives on the heap, so adding one never moves the others. A Linear followed
// by a ReLU records one AffineReLU node (Linear::forward_relu), as Mlp's layers do.
#include <concepts>
#include <cstddef>
#include <memory>
#include <source_location>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "graph/error.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace cgrad {

template <Real T>
class Sequential : public UnaryModule<T> {
 public:
  Sequential() = default;
  template <class M, class... Ms>
  explicit Sequential(std::unique_ptr<M> first, std::unique_ptr<Ms>... rest) {
    push_back(std::move(first));
    (push_back(std::move(rest)), ...);
  }

  // Appends `module` (ValueError when null) and returns it.
  template <class M>
  M& push_back(std::unique_ptr<M> module) {
    static_assert(std::derived_from<M, UnaryModule<T>>, "Sequential: a module must derive from UnaryModule<T>");
    if (module == nullptr) throw ValueError(fmt::format("Sequential: module {} is a null pointer", modules_.size()));
    M& added = *module;
    modules_.reserve(modules_.size() + 1);  // so that the push_back below cannot throw after registering
    this->register_module(std::to_string(modules_.size()), added);
    modules_.push_back(std::move(module));
    return added;
  }
  // Builds an M from `args` at the end and returns it.
  template <class M, class... Args>
  M& emplace_back(Args&&... args) {
    return push_back(std::make_unique<M>(std::forward<Args>(args)...));
  }

  std::size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  UnaryModule<T>& operator[](std::size_t i) { return *modules_[i]; }
  const UnaryModule<T>& operator[](std::size_t i) const { return *modules_[i]; }
  // Module i as an M: ValueError when i is out of range or the module is not an M.
  template <class M>
  M& at(std::size_t i) {
    if (i >= modules_.size())
      throw ValueError(fmt::format("Sequential: index {} is out of range for {} modules", i, modules_.size()));
    auto* typed = dynamic_cast<M*>(modules_[i].get());
    if (typed == nullptr) throw ValueError(fmt::format("Sequential: module {} is not of the type asked for", i));
    return *typed;
  }

  // A Linear followed by a ReLU (exactly those classes, not subclasses that may forward
  // differently) runs as Linear::forward_relu: one node, the same bits.
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override {
    for (std::size_t i = 0; i < modules_.size(); ++i) {
      if (i + 1 < modules_.size() && typeid(*modules_[i]) == typeid(Linear<T>) &&
          typeid(*modules_[i + 1]) == typeid(ReLU<T>)) {
        x = static_cast<Linear<T>&>(*modules_[i]).forward_relu(graph, x, where);
        ++i;
      } else {
        x = modules_[i]->forward(graph, x, where);
      }
    }
    return x;
  }

 private:
  std::vector<std::unique_ptr<UnaryModule<T>>> modules_;
};

}  // namespace cgrad
