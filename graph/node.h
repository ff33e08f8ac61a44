#pragma once
// One recorded operation on the tape. Nodes are owned by a Graph and reused after
// clear(): their tensors keep their allocations, so a training step that records the
// same ops again allocates nothing.
#include <array>
#include <cstdint>
#include <source_location>
#include <string_view>
#include <vector>

#include "graph/op_params.h"
#include "graph/parameter.h"
#include "graph/tensor.h"

namespace cgrad {

template <Real T>
class Graph;
template <Real T>
struct Node;

// What an op tells the graph: its name, for messages; its forward, which fills
// node.value from the inputs' values; and its backward, which passes node.output_grad() on
// to the inputs' gradients through Graph::grad_out. Plain function pointers: no virtual
// dispatch, no std::function per node.
template <Real T>
struct OpInfo {
  std::string_view name;
  void (*forward)(const Graph<T>& graph, Node<T>& node);
  void (*backward)(Graph<T>& graph, const Node<T>& node);
};

// The most inputs one node may have (concat and stack take a list); Graph::begin checks it.
inline constexpr std::size_t kMaxOpInputs = 4096;

template <Real T>
struct Node {
  const OpInfo<T>* op = nullptr;  // nullptr for a leaf
  std::vector<std::uint32_t> inputs;  // kept with its capacity when the node is reused
  Parameter<T>* parameter = nullptr;  // set for a param() leaf: its grad lives there
  const Tensor<T>* external_value = nullptr;  // a param() or shared_param() leaf's value, read in place
  bool requires_grad = false;
  bool grad_written = false;  // grad holds this backward pass's gradient
  std::uint64_t parameter_version = 0;  // the Parameter's version when param() read it
  OpParams params;                      // the op's arguments: axes, shapes, factors
  Tensor<T> value;
  Tensor<T> grad;
  // During backward(output, output_grad), the output node's seed: the caller's tensor, read
  // in place rather than copied into grad (that serial copy was 12.6% of the 2-thread
  // layer_norm [1024,128] benchmark's samples; benchmarks/RESULTS.md). Null otherwise.
  const Tensor<T>* external_grad = nullptr;
  Tensor<T> saved;                    // what an op keeps for its backward (softmax probabilities)
  std::vector<std::int64_t> indices;  // integer data (SoftmaxXent's labels, embedding indices, argmaxes)
  std::source_location location;     // the user's call that recorded this node

  std::string_view name() const {
    if (op != nullptr) return op->name;
    if (parameter != nullptr) return "Parameter";
    return external_value != nullptr ? "SharedParameter" : "Input";
  }
  const Tensor<T>& output() const { return external_value != nullptr ? *external_value : value; }
  // What an op's backward reads: the gradient of the loss with respect to output().
  const Tensor<T>& output_grad() const { return external_grad != nullptr ? *external_grad : grad; }
};

}  // namespace cgrad
