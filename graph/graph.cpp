#include "graph/graph.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "graph/anomaly.h"

namespace cgrad {
namespace {

// The index of the first NaN or Inf in t, or t.size() when every element is finite.
// The common all-finite case is one pass that ORs an exponent test over the bits (an
// integer reduction, so it vectorizes); only a tensor that fails it is searched element
// by element.
template <Real T>
std::size_t first_non_finite(const Tensor<T>& t) {
  using Bits = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;
  constexpr Bits exponent_mask = static_cast<Bits>(std::is_same_v<T, float> ? 0x7f800000ull : 0x7ff0000000000000ull);
  const T* data = t.data();
  Bits any_all_ones = 0;  // NaN and Inf are exactly the values whose exponent bits are all ones
  for (std::size_t i = 0; i < t.size(); ++i)
    any_all_ones |= static_cast<Bits>((std::bit_cast<Bits>(data[i]) & exponent_mask) == exponent_mask);
  if (any_all_ones == 0) return t.size();
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(data[i])) return i;
  return t.size();
}

// "nan at [1,0] of [2,3]"
template <Real T>
std::string describe_element(const Tensor<T>& t, std::size_t i) {
  return fmt::format("{} at {} of {}", t[i], index_of(t.shape(), i), t.shape());
}

[[noreturn, gnu::cold, gnu::noinline]] void throw_tape_full() {
  throw GraphError(fmt::format("Graph: the tape is full at {} nodes; clear() it between steps",
                               Graph<float>::kMaxNodes));
}

template <Real T>
std::string recorded_at(const Node<T>& node, std::size_t index) {
  return fmt::format("{} is node {} of the tape, recorded at {}:{}", node.name(), index,
                     node.location.file_name(), node.location.line());
}

template <Real T>
[[noreturn, gnu::cold, gnu::noinline]] void throw_stale_parameter(const Node<T>& node, std::size_t index) {
  throw GraphError(fmt::format(
      "backward: Parameter '{}' was changed after the forward pass read it (version {} then, {} now), so its "
      "gradient would belong to another value; record the forward pass again after an optimizer step or a "
      "load. Its leaf is node {} of the tape, recorded at {}:{}",
      node.parameter->name(), node.parameter_version, node.parameter->version(), index, node.location.file_name(),
      node.location.line()));
}

// Nodes, and the buffers in them, stay with the op that sized them. When the length of a
// tape varies from step to step (a recurrent net unrolled over each batch's longest
// sequence), the ops after the varying part land at other positions than in the last step,
// where nodes sized for other ops would have to grow, and would then be lost to their own
// ops. So unless the node at position `next` last ran `op` (nullptr: a leaf) with room for
// `elements`, it swaps places with the unused node of `op` that fits best (the unused end
// of the tape is the pool); failing that, with the largest one of `op`, which grows; and
// when no node ever ran `op`, a fresh node takes the position and the other moves to the
// end. A fixed tape never gets past the first test. Only which buffers hold the values
// changes, never the values.
template <Real T>
void take_node_for(std::vector<std::unique_ptr<Node<T>>>& nodes, std::size_t next, const OpInfo<T>* op,
                   std::size_t elements) {
  if (next >= nodes.size()) return;  // append() makes a fresh node
  std::unique_ptr<Node<T>>& here = nodes[next];
  if (here->op == op && here->value.capacity() >= elements) return;
  std::size_t best = nodes.size(), largest = nodes.size();
  for (std::size_t j = next + 1; j < nodes.size(); ++j) {
    const Node<T>& node = *nodes[j];
    if (node.op != op) continue;
    const std::size_t capacity = node.value.capacity();
    if (capacity >= elements && (best == nodes.size() || capacity < nodes[best]->value.capacity())) best = j;
    if (largest == nodes.size() || capacity > nodes[largest]->value.capacity()) largest = j;
  }
  if (best != nodes.size()) {
    std::swap(here, nodes[best]);
  } else if (here->op != op && largest != nodes.size()) {
    std::swap(here, nodes[largest]);
  } else if (here->op != op) {
    std::unique_ptr<Node<T>> other = std::exchange(here, std::make_unique<Node<T>>());
    nodes.push_back(std::move(other));  // after the last use of `here`, which it may invalidate
  }
}

}  // namespace

template <Real T>
void Graph<T>::check(Var<T> v, std::string_view who) const {
  if (v.graph_ == nullptr)
    throw GraphError(fmt::format("{}: a Var refers to no graph (default-constructed)", who));
  if (v.graph_ != this)
    throw GraphError(fmt::format("{}: a Var of another graph was given; Vars of two different graphs cannot be mixed",
                                 who));
  if (v.generation_ != generation_ || v.index_ >= size_)
    throw GraphError(fmt::format(
        "{}: a Var was used after its graph was cleared (it belongs to step {}, the graph is at step {})",
        who, v.generation_, generation_));
}

template <Real T>
Node<T>& Graph<T>::append(std::source_location where) {
  // Vars hold 32-bit indices.
  if (size_ == kMaxNodes) [[unlikely]]
    throw_tape_full();
  if (size_ == nodes_.size()) nodes_.push_back(std::make_unique<Node<T>>());
  Node<T>& node = *nodes_[size_++];
  node.op = nullptr;
  node.inputs.clear();
  node.parameter = nullptr;
  node.external_value = nullptr;
  node.requires_grad = false;
  node.grad_written = false;
  node.params = OpParams{};
  node.indices.clear();
  node.location = where;
  return node;
}

template <Real T>
Var<T> Graph<T>::input(const Tensor<T>& value, std::source_location where) {
  take_node_for<T>(nodes_, size_, nullptr, value.size());
  Node<T>& node = append(where);
  node.value = value;  // copy-assignment reuses the node's buffer
  return {this, static_cast<std::uint32_t>(size_ - 1), generation_};
}

template <Real T>
Var<T> Graph<T>::constant(T value, std::source_location where) {
  take_node_for<T>(nodes_, size_, nullptr, 1);
  Node<T>& node = append(where);
  node.value.resize(Shape{});
  node.value[0] = value;
  return {this, static_cast<std::uint32_t>(size_ - 1), generation_};
}

template <Real T>
Var<T> Graph<T>::param(Parameter<T>& parameter, std::source_location where) {
  // A parameter whose value was replaced gets a fresh zero grad of the new shape.
  if (parameter.grad().shape() != parameter.shape()) parameter.zero_grad();
  take_node_for<T>(nodes_, size_, nullptr, 0);
  Node<T>& node = append(where);
  node.parameter = &parameter;
  node.external_value = &parameter.value();
  node.parameter_version = parameter.version();
  node.requires_grad = grad_enabled_;
  return {this, static_cast<std::uint32_t>(size_ - 1), generation_};
}

template <Real T>
Var<T> Graph<T>::shared_param(const Parameter<T>& parameter, std::source_location where) {
  take_node_for<T>(nodes_, size_, nullptr, 0);
  Node<T>& node = append(where);
  node.external_value = &parameter.value();
  node.requires_grad = grad_enabled_;
  return {this, static_cast<std::uint32_t>(size_ - 1), generation_};
}

template <Real T>
const Tensor<T>& Graph<T>::grad(Var<T> v) {
  check(v, "grad");
  Node<T>& node = *nodes_[v.index_];
  if (v.index_ == seeded_in_place_)
    throw GraphError(fmt::format(
        "grad: node {} ({}) is the output that backward(output, output_grad) seeded; its gradient is that "
        "output_grad, which backward read in place and did not copy",
        v.index_, node.name()));
  if (node.parameter != nullptr)
    throw GraphError(fmt::format(
        "grad: node {} is a param() leaf, whose gradient is added into Parameter '{}'; read its grad(), "
        "or enter it with shared_param() to keep the gradient in the graph",
        v.index_, node.parameter->name()));
  if (!node.requires_grad)
    throw GraphError(fmt::format(
        "grad: node {} ({}) has no gradient: it depends on no parameter or was recorded with gradients disabled",
        v.index_, node.name()));
  if (!node.grad_written) {  // not on the last backward pass's path
    node.grad.resize(node.output().shape());
    node.grad.fill(T{0});
  }
  return node.grad;
}

template <Real T>
Node<T>& Graph<T>::begin(const OpInfo<T>& op, std::span<const Var<T>> inputs, const Shape& shape,
                         std::source_location where) {
  if (inputs.size() > kMaxOpInputs)
    throw ValueError(fmt::format("{}: {} inputs given; a node takes at most {}", op.name, inputs.size(),
                                 kMaxOpInputs));
  take_node_for(nodes_, size_, &op, shape.size());
  Node<T>& node = append(where);
  node.op = &op;
  for (const Var<T>& in : inputs) {
    node.inputs.push_back(in.index_);
    node.requires_grad = node.requires_grad || nodes_[in.index_]->requires_grad;
  }
  node.requires_grad = node.requires_grad && grad_enabled_;
  node.value.resize(shape);
  return node;
}

template <Real T>
Var<T> Graph<T>::finish(Node<T>& node) {
  node.op->forward(*this, node);
  const auto index = static_cast<std::uint32_t>(size_ - 1);
  if (anomaly_detection_enabled()) [[unlikely]]
    check_finite_output(node, index);
  return {this, index, generation_};
}

template <Real T>
GradOut<T> Graph<T>::grad_out(std::uint32_t index) {
  Node<T>& node = *nodes_[index];
  if (!node.requires_grad) return {};
  if (node.parameter != nullptr) return {&node.parameter->grad(), true};
  if (node.grad_written) return {&node.grad, true};
  node.grad.resize(node.output().shape());
  node.grad_written = true;
  return {&node.grad, false};
}

template <Real T>
void Graph<T>::clear() {
  size_ = 0;
  seeded_in_place_ = kNotSeeded;
  ++generation_;
}

template <Real T>
void Graph<T>::backward(Var<T> loss) {
  check(loss, "backward");
  const Shape& shape = value(loss.index_).shape();
  if (shape.size() != 1)
    throw ShapeError(fmt::format(
        "backward: the loss must have one element, got {}; reduce it to a scalar first (sum, mean)", shape));
  Tensor<T>& seed = nodes_[loss.index_]->grad;
  seed.resize(shape);
  seed[0] = T{1};
  seeded_in_place_ = kNotSeeded;
  backward_from(loss.index_);
}

template <Real T>
void Graph<T>::backward(Var<T> output, const Tensor<T>& output_grad) {
  check(output, "backward");
  const Shape& shape = value(output.index_).shape();
  if (output_grad.shape() != shape)
    throw ShapeError(fmt::format("backward: the output is {} but its gradient is {}", shape,
                                 output_grad.shape()));
  Node<T>& node = *nodes_[output.index_];
  // Copied instead when the output is a leaf (its gradient is the seed itself, kept for
  // grad()) or when the seed is a gradient of this graph, which the pass may overwrite.
  const bool in_place = node.op != nullptr && !is_gradient_of_this_graph(output_grad);
  if (in_place) {
    node.external_grad = &output_grad;
  } else {
    node.grad = output_grad;
  }
  seeded_in_place_ = in_place ? output.index_ : kNotSeeded;
  // Cleared however the pass ends (an anomaly throws): the caller's tensor may not outlive it.
  struct Unseed {
    Node<T>& node;
    ~Unseed() { node.external_grad = nullptr; }
  } unseed{node};
  backward_from(output.index_);
}

template <Real T>
bool Graph<T>::is_gradient_of_this_graph(const Tensor<T>& tensor) const {
  for (std::size_t i = 0; i < size_; ++i) {
    const Node<T>& node = *nodes_[i];
    if (&tensor == &node.grad || (node.parameter != nullptr && &tensor == &node.parameter->grad())) return true;
  }
  return false;
}

template <Real T>
void Graph<T>::backward_from(std::uint32_t output_index) {
  Node<T>& output = *nodes_[output_index];
  if (!output.requires_grad)
    throw GraphError(fmt::format(
        "backward: {} does not depend on any parameter (or was recorded with gradients disabled)",
        output.name()));
  if (output.parameter != nullptr) {  // d p / d p: the seed goes straight to the parameter
    Tensor<T>& grad = output.parameter->grad();
    const Tensor<T>& seed = output.output_grad();
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += seed[i];
    if (grad_ready_hook_) grad_ready_hook_(*output.parameter);
    return;
  }
  // Every node, not only those before the output: grad() must not show an older pass.
  for (std::size_t i = 0; i < size_; ++i) {
    Node<T>& node = *nodes_[i];
    node.grad_written = false;
    if (node.parameter != nullptr && node.parameter->version() != node.parameter_version) [[unlikely]]
      throw_stale_parameter(node, i);
  }
  output.grad_written = true;
  const bool check_anomalies = anomaly_detection_enabled();  // read once per pass, not per node
  const bool hooked = static_cast<bool>(grad_ready_hook_);
  if (hooked) [[unlikely]]
    plan_grad_ready(output_index);
  for (std::size_t i = output_index + 1; i-- > 0;) {
    const Node<T>& node = *nodes_[i];
    if (node.op != nullptr && node.requires_grad && node.grad_written) {
      node.op->backward(*this, node);
      check_input_grads(node);
      if (check_anomalies) [[unlikely]]
        check_finite_input_grads(node, i);
    }
    if (hooked) [[unlikely]]
      fire_grad_ready(i);
  }
}

// A parameter's gradient is complete once every node that reads one of its leaves has run
// its backward; the reverse loop reaches the earliest such node last. Nodes after the
// output never run backward, so only reads up to the output count.
template <Real T>
void Graph<T>::plan_grad_ready(std::uint32_t output_index) {
  constexpr std::uint32_t kUnused = UINT32_MAX;
  first_use_.assign(output_index + 1, kUnused);
  for (std::uint32_t j = 0; j <= output_index; ++j)
    for (std::uint32_t input : nodes_[j]->inputs)
      if (first_use_[input] == kUnused) first_use_[input] = j;
  grad_ready_.clear();
  for (std::uint32_t leaf = 0; leaf <= output_index; ++leaf) {
    const Node<T>& node = *nodes_[leaf];
    if (node.parameter == nullptr || !node.requires_grad) continue;
    // Read by nothing on the way to the output: its gradient is final before the loop.
    const std::size_t position = first_use_[leaf] == kUnused ? output_index + 1 : first_use_[leaf];
    grad_ready_.push_back({position, leaf, node.parameter});
  }
  // One entry per Parameter (it may have entered the graph more than once): the earliest
  // read and the first leaf.
  std::sort(grad_ready_.begin(), grad_ready_.end(), [](const GradReady& a, const GradReady& b) {
    return a.parameter != b.parameter ? std::less<>()(a.parameter, b.parameter) : a.first_leaf < b.first_leaf;
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < grad_ready_.size(); ++i) {
    if (kept > 0 && grad_ready_[kept - 1].parameter == grad_ready_[i].parameter) {
      grad_ready_[kept - 1].position = std::min(grad_ready_[kept - 1].position, grad_ready_[i].position);
      continue;
    }
    grad_ready_[kept++] = grad_ready_[i];
  }
  grad_ready_.resize(kept);
  std::sort(grad_ready_.begin(), grad_ready_.end(), [](const GradReady& a, const GradReady& b) {
    return a.position != b.position ? a.position > b.position : a.first_leaf > b.first_leaf;
  });
  next_grad_ready_ = 0;
  fire_grad_ready(output_index + 1);
}

template <Real T>
void Graph<T>::fire_grad_ready(std::size_t position) {
  while (next_grad_ready_ < grad_ready_.size() && grad_ready_[next_grad_ready_].position >= position)
    grad_ready_hook_(*grad_ready_[next_grad_ready_++].parameter);
}

template <Real T>
void Graph<T>::check_finite_output(const Node<T>& node, std::size_t index) const {
  const std::size_t bad = first_non_finite(node.value);
  if (bad == node.value.size()) return;
  throw NumericError(fmt::format("anomaly: {} forward produced {}; {}", node.name(),
                                 describe_element(node.value, bad), recorded_at(node, index)));
}

// Parameter grads accumulate across passes: a NaN found there may be older than this op,
// which the message says by naming the parameter.
template <Real T>
void Graph<T>::check_finite_input_grads(const Node<T>& node, std::size_t index) const {
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    const Node<T>& input = *nodes_[node.inputs[i]];
    if (!input.requires_grad) continue;
    const Tensor<T>& grad = input.parameter ? input.parameter->grad() : input.grad;
    const std::size_t bad = first_non_finite(grad);
    if (bad == grad.size()) continue;
    const std::string operand =
        input.parameter ? fmt::format("Parameter '{}'", input.parameter->name()) : std::string(input.name());
    throw NumericError(fmt::format("anomaly: {} backward wrote {} into the gradient of its operand {} ({}, node {}); {}",
                                   node.name(), describe_element(grad, bad), i + 1, operand, node.inputs[i],
                                   recorded_at(node, index)));
  }
}

// The one place that checks every op's backward against its shape rule.
template <Real T>
void Graph<T>::check_input_grads(const Node<T>& node) const {
  for (std::size_t i = 0; i < node.inputs.size(); ++i) {
    const Node<T>& input = *nodes_[node.inputs[i]];
    if (!input.requires_grad) continue;
    const Tensor<T>& grad = input.parameter ? input.parameter->grad() : input.grad;
    if (grad.shape() != input.output().shape())
      throw GraphError(fmt::format("{} backward: the gradient of operand {} is {}, its value is {}",
                                   node.name(), i + 1, grad.shape(), input.output().shape()));
  }
}

template class Graph<float>;
template class Graph<double>;

}  // namespace cgrad
