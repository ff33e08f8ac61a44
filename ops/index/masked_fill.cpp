#include "ops/index/masked_fill.h"

#include "ops/index/index_support.h"

namespace cgrad {
namespace {

// The mask is in node.indices, its shape in params.shape, the value in params.reals[0].
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T value = static_cast<T>(node.params.reals[0]);
  const Shape& out = node.value.shape();
  const auto loop = detail::make_loop<2>(out, {&out, &node.params.shape});
  detail::for_each_run(loop, [&](const auto& offset, const auto& step, std::size_t n) {
    T* y = node.value.data() + offset[0];
    const T* px = x.data() + offset[0];
    const std::int64_t* m = node.indices.data() + offset[1];
    if (step[1] == 1) {
      for (std::size_t i = 0; i < n; ++i) y[i] = m[i] != 0 ? value : px[i];
    } else if (*m != 0) {  // the run's mask is one element
      for (std::size_t i = 0; i < n; ++i) y[i] = value;
    } else {
      for (std::size_t i = 0; i < n; ++i) y[i] = px[i];
    }
  });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  if (GradOut<T> dx = graph.grad_out(node.inputs[0]))
    detail::write_masked_grad(dx, node.value.shape(), node.params.shape, node.indices.data(), node.value.shape(),
                              node.output_grad().data(), 0);
}

}  // namespace

template <Real T>
const OpInfo<T>& masked_fill_op() {
  static constexpr OpInfo<T> info{"MaskedFill", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> masked_fill(Var<T> x, std::span<const std::uint8_t> mask, const Shape& mask_shape, std::type_identity_t<T> value,
                   std::source_location where) {
  Graph<T>& graph = detail::graph_of("MaskedFill", x);
  const Shape& shape = graph.value(x.index()).shape();
  if (mask.size() != mask_shape.size())
    throw ShapeError(fmt::format("MaskedFill: {} mask values cannot fill the mask shape {} ({} elements)", mask.size(),
                                 mask_shape, mask_shape.size()));
  if (!detail::broadcasts_to(mask_shape, shape))
    throw ShapeError(fmt::format("MaskedFill: the mask {} does not broadcast to the input {}", mask_shape, shape));
  Node<T>& node = graph.begin(masked_fill_op<T>(), {x}, shape, where);
  node.params.shape = mask_shape;
  node.params.reals[0] = static_cast<double>(value);
  detail::store_mask(node.indices, mask);
  return graph.finish(node);
}

template Var<float> masked_fill(Var<float>, std::span<const std::uint8_t>, const Shape&, float, std::source_location);
template Var<double> masked_fill(Var<double>, std::span<const std::uint8_t>, const Shape&, double,
                                 std::source_location);
template const OpInfo<float>& masked_fill_op();
template const OpInfo<double>& masked_fill_op();

}  // namespace cgrad
