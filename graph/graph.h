#pragma once
// Graph<T>: a define-by-run tape. Every op called on Vars of a graph appends a Node; the
// order of the tape is a topological order, so backward() is a plain reverse loop with no
// recursion. clear() forgets the nodes but keeps their buffers for the next step.
//
// Rules an op follows (see ops/): check shapes, then begin() a node, set its arguments,
// and finish() it, which runs the op's forward. In backward, ask grad_out() for an input's
// gradient right before writing it, and finish that write before asking for the next:
// the first writer of a gradient overwrites it, later ones add to it.
//
// Threads: a Graph (and its Vars) is used by one thread at a time; graphs on different
// threads are independent. A Parameter may be read by any number of graphs on any threads
// at once through shared_param(), as long as no thread writes it meanwhile (its value,
// shape or grad: an optimizer step belongs between the parallel phases). param() is not
// for sharing: backward adds into the Parameter's grad. Sum the threads' grad()s in a
// fixed order to get results that do not depend on scheduling. Ops may run on oneTBB's
// workers from any thread; their results do not depend on the number of threads.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <source_location>
#include <string_view>
#include <vector>

#include "graph/error.h"
#include "graph/node.h"
#include "graph/parameter.h"
#include "graph/tensor.h"

namespace cgrad {

template <Real T>
class Graph;

// A handle to a value recorded in a graph: (graph, index, generation). Cheap to copy.
// It stays valid until the graph is cleared; using it afterwards throws GraphError.
template <Real T>
class Var {
 public:
  Var() = default;

  Graph<T>* graph() const { return graph_; }
  std::uint32_t index() const { return index_; }
  std::uint32_t generation() const { return generation_; }

  const Tensor<T>& value() const;
  const Shape& shape() const { return value().shape(); }
  std::size_t rank() const { return value().rank(); }
  // The value of a one-element Var of any rank, such as a loss.
  T item() const;

 private:
  friend class Graph<T>;
  Var(Graph<T>* graph, std::uint32_t index, std::uint32_t generation)
      : graph_(graph), index_(index), generation_(generation) {}

  Graph<T>* graph_ = nullptr;
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
};

// Where backward writes an input's gradient: overwrite it (the first contribution of
// this pass) or add to it (fan-out, or a parameter whose grad accumulates across passes).
// Empty when the input needs no gradient.
template <Real T>
struct GradOut {
  Tensor<T>* tensor = nullptr;
  bool accumulate = false;
  explicit operator bool() const { return tensor != nullptr; }
};

template <Real T>
class Graph {
 public:
  Graph() = default;
  // Vars point at their graph, so a graph stays where it was made.
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // A constant leaf: the value is copied into the graph and gets no gradient.
  Var<T> input(const Tensor<T>& value, std::source_location where = std::source_location::current());
  // A constant rank-0 leaf holding `value` (what `x + 2` records for the 2).
  Var<T> constant(T value, std::source_location where = std::source_location::current());
  // A parameter leaf: reads the parameter's value in place; backward adds into its grad.
  Var<T> param(Parameter<T>& parameter, std::source_location where = std::source_location::current());
  // A parameter leaf that only reads: the value is read in place, the gradient stays in
  // this graph (read it with grad() after backward) and the Parameter is never written.
  // This is how several graphs on several threads share one Parameter (see "Threads").
  Var<T> shared_param(const Parameter<T>& parameter,
                      std::source_location where = std::source_location::current());

  // Reverse-mode autodiff from a one-element loss (a scalar, or [1,1]): adds d loss / d p
  // into every parameter p the loss depends on. Throws GraphError naming a param() leaf
  // whose Parameter was changed (Parameter::version) since the forward pass read it.
  void backward(Var<T> loss);
  // The same from any output, given d (something) / d output; gradcheck uses it. The pass
  // reads output_grad in place, as LibTorch's y.backward(dy) does: no copy is kept, so
  // grad(output) afterwards throws (its gradient is output_grad itself), unless the output
  // is a leaf.
  void backward(Var<T> output, const Tensor<T>& output_grad);
  // d output / d v from the last backward pass (zeros where v was not on its path), for
  // any Var that needs a gradient except a param() leaf, whose gradient went into its
  // Parameter, and the output that backward(output, output_grad) seeded. Valid until the
  // next backward or clear().
  const Tensor<T>& grad(Var<T> v);

  // Grad-ready hook (for data-parallel training, dist/): during backward, called once per
  // Parameter entered with param() as soon as that Parameter's gradient for this pass is
  // final, that is once the reverse loop has passed the earliest node that reads any of its
  // leaves; a leaf that no node up to the output reads is announced before the loop.
  // Parameters come in the order backward finishes them; ties (one node reading several
  // parameters) in reverse tape order of their first leaves, so the order depends only on
  // the tape. The hook may read the gradient but must not write the graph. Without a hook,
  // backward pays one branch per node. An empty function removes it.
  using GradReadyHook = std::function<void(Parameter<T>&)>;
  void set_grad_ready_hook(GradReadyHook hook) { grad_ready_hook_ = std::move(hook); }

  // Forgets every node (their Vars become invalid) and keeps the buffers.
  void clear();
  std::size_t size() const { return size_; }
  // Vars hold 32-bit indices, so a tape holds at most this many nodes between clear()s.
  static constexpr std::size_t kMaxNodes = UINT32_MAX;

  // With gradients disabled (evaluation), ops compute values and record no tape.
  bool grad_enabled() const { return grad_enabled_; }
  void set_grad_enabled(bool enabled) { grad_enabled_ = enabled; }

  // ---- for ops ----
  // Throws GraphError unless v is a live Var of this graph; `who` names the caller.
  void check(Var<T> v, std::string_view who) const;
  // Appends a node for `op` with an output of `shape`; inputs must have been checked.
  // Throws ValueError past kMaxOpInputs inputs.
  Node<T>& begin(const OpInfo<T>& op, std::span<const Var<T>> inputs, const Shape& shape,
                 std::source_location where);
  Node<T>& begin(const OpInfo<T>& op, std::initializer_list<Var<T>> inputs, const Shape& shape,
                 std::source_location where) {
    return begin(op, std::span<const Var<T>>(inputs.begin(), inputs.size()), shape, where);
  }
  // Runs the op's forward on a node from begin() and returns its Var.
  Var<T> finish(Node<T>& node);
  const Node<T>& node(std::uint32_t index) const { return *nodes_[index]; }
  const Tensor<T>& value(std::uint32_t index) const { return nodes_[index]->output(); }
  GradOut<T> grad_out(std::uint32_t index);

 private:
  Node<T>& append(std::source_location where);
  void backward_from(std::uint32_t output_index);
  // Whether `tensor` is a node's or a Parameter's gradient, which a pass may write.
  bool is_gradient_of_this_graph(const Tensor<T>& tensor) const;
  void check_input_grads(const Node<T>& node) const;
  // Grad-ready hook: orders the parameters by when their gradients become final.
  void plan_grad_ready(std::uint32_t output_index);
  void fire_grad_ready(std::size_t position);
  // Anomaly mode (graph/anomaly.h): throw NumericError at the first NaN or Inf.
  void check_finite_output(const Node<T>& node, std::size_t index) const;
  void check_finite_input_grads(const Node<T>& node, std::size_t index) const;

  std::vector<std::unique_ptr<Node<T>>> nodes_;  // stable addresses; reused after clear()
  std::size_t size_ = 0;
  std::uint32_t generation_ = 0;
  bool grad_enabled_ = true;
  // The node the last backward(output, output_grad) seeded in place, or kNotSeeded.
  static constexpr std::size_t kNotSeeded = SIZE_MAX;
  std::size_t seeded_in_place_ = kNotSeeded;

  // A Parameter whose gradient is final once the reverse loop has run node `position`.
  struct GradReady {
    std::size_t position;
    std::uint32_t first_leaf;  // tie-break that does not depend on addresses
    Parameter<T>* parameter;
  };
  GradReadyHook grad_ready_hook_;
  std::vector<std::uint32_t> first_use_;  // per node: the earliest node reading it (scratch)
  std::vector<GradReady> grad_ready_;     // in firing order (scratch, keeps its capacity)
  std::size_t next_grad_ready_ = 0;
};

// Disables gradient recording on a graph for a scope, like torch::NoGradGuard.
template <Real T>
class NoGradGuard {
 public:
  explicit NoGradGuard(Graph<T>& graph) : graph_(graph), previous_(graph.grad_enabled()) {
    graph_.set_grad_enabled(false);
  }
  ~NoGradGuard() { graph_.set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  Graph<T>& graph_;
  bool previous_;
};

template <Real T>
const Tensor<T>& Var<T>::value() const {
  if (graph_ == nullptr) throw GraphError("Var: this Var refers to no graph (default-constructed)");
  graph_->check(*this, "Var::value");
  return graph_->value(index_);
}

template <Real T>
T Var<T>::item() const {
  const Tensor<T>& v = value();
  if (v.size() != 1)
    throw ShapeError(fmt::format("Var::item: the value is {} with {} elements; item() needs exactly one",
                                 v.shape(), v.size()));
  return v[0];
}

extern template class Graph<float>;
extern template class Graph<double>;

}  // namespace cgrad
