#pragma once
// Module<T>: the base of nn/'s layers, in the style of LibTorch's C++ frontend but without
// shared_ptr holders. A module's parameters, buffers and child modules are ordinary
// members (or heap objects it owns) that its constructor registers by reference under a
// short name; named_parameters() and named_buffers() then walk the tree and give each a
// stable dotted name ("encoder.layers.0.weight"), which is what checkpoints store.
//
// A module is neither copyable nor movable: optimizers and graphs hold pointers to its
// parameters, and the registry holds pointers to its members, so both must stay put. A
// module whose registered parts all live on the heap may still write its own move
// constructor (Mlp does): it takes the parts over, registers them again and calls
// unregister_all() on the source.
//
// Order: a module's own parameters (buffers) in registration order, then each child's,
// children in registration order, depth first (PyTorch's order). A parameter or buffer
// reachable twice (weight tying) is listed once, under its first name.
#include <concepts>
#include <cstddef>
#include <functional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/named_parameter.h"

namespace cgrad {

template <Real T>
using NamedBuffer = std::pair<std::string, Tensor<T>*>;

template <Real T>
class Module;

template <Real T>
using NamedModule = std::pair<std::string, Module<T>*>;

template <Real T>
class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // Recursive, with dotted names: "conv1.weight", "layers.0.bias".
  std::vector<NamedParameter<T>> named_parameters() const;
  // The same parameters without names, e.g. for an optimizer.
  std::vector<Parameter<T>*> parameters() const;
  // Recursive, with dotted names: "bn1.running_mean".
  std::vector<NamedBuffer<T>> named_buffers() const;
  // The direct children, in registration order.
  std::vector<NamedModule<T>> named_children() const;
  // This module ("") and every descendant ("encoder", "encoder.0", ...), depth first.
  std::vector<NamedModule<T>> named_modules() const;

  // Sets training mode on this module and every descendant (Dropout and BatchNorm read it).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Calls fn on every descendant and then on this module (children before parents, as
  // torch.nn.Module.apply), e.g. to re-initialise weights.
  void apply(const std::function<void(Module<T>&)>& fn);
  // zero_grad() on every parameter.
  void zero_grad();

 protected:
  // Each returns its argument. Names are non-empty, contain no '.', and are unique among
  // this module's parameters, buffers and children (ValueError otherwise). The registered
  // object must outlive the registration (a member does).
  Parameter<T>& register_parameter(std::string_view name, Parameter<T>& p);
  Tensor<T>& register_buffer(std::string_view name, Tensor<T>& b);
  template <class M>
  M& register_module(std::string_view name, M& child) {
    static_assert(std::derived_from<M, Module<T>>, "register_module: the child must derive from Module<T>");
    add_child(name, child);
    return child;
  }

  // Forgets every registration of this module (not of its children): for a move
  // constructor that has handed the registered heap objects to another module.
  void unregister_all();

 private:
  void check_new_name(std::string_view name, std::string_view what) const;
  void add_child(std::string_view name, Module<T>& child);
  void collect_parameters(const std::string& prefix, std::vector<NamedParameter<T>>& out) const;
  void collect_buffers(const std::string& prefix, std::vector<NamedBuffer<T>>& out) const;
  void collect_modules(const std::string& prefix, std::vector<NamedModule<T>>& out) const;

  std::vector<NamedParameter<T>> parameters_;
  std::vector<NamedBuffer<T>> buffers_;
  std::vector<NamedModule<T>> children_;
  bool training_ = true;
};

// One input, one output: what Sequential chains. `where` defaults to the caller's line:
// the ops a module records report it in anomaly mode. An override repeats the default.
template <Real T>
class UnaryModule : public Module<T> {
 public:
  virtual Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) = 0;
};

extern template class Module<float>;
extern template class Module<double>;

}  // namespace cgrad
