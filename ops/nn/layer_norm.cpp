#include "ops/nn/layer_norm.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "ops/nn/norm_support.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

// node.params: which optional inputs are there, and the length of a row.
constexpr std::size_t kHasWeight = 0, kHasBias = 1, kRowLength = 2;
// node.reals: eps.
constexpr std::size_t kEps = 0;
// node.saved is [rows, 2]: each row's mean and reciprocal standard deviation.
constexpr std::size_t kMean = 0, kRstd = 1;

template <Real T>
struct Layout {
  std::size_t row_length = 0, rows = 0;
  const T* weight = nullptr;  // null when absent
  const T* bias = nullptr;
};

template <Real T>
Layout<T> layout_of(const Graph<T>& graph, const Node<T>& node) {
  Layout<T> l;
  l.row_length = static_cast<std::size_t>(node.params.ints[kRowLength]);
  const std::size_t size = graph.value(node.inputs[0]).size();
  l.rows = l.row_length == 0 ? 0 : size / l.row_length;
  std::size_t next = 1;
  if (node.params.ints[kHasWeight] != 0) l.weight = graph.value(node.inputs[next++]).data();
  if (node.params.ints[kHasBias] != 0) l.bias = graph.value(node.inputs[next]).data();
  return l;
}

// y = (x - mean) * rstd * weight + bias over one row; one instance per combination of the
// optional inputs, so that every inner loop is branch-free and vectorizes.
template <bool kWeight, bool kBias, Real T>
void normalize_row(const T* x, T* y, std::size_t n, T mean, T rstd, const T* weight, const T* bias) {
  for (std::size_t j = 0; j < n; ++j) {
    T v = (x[j] - mean) * rstd;
    if constexpr (kWeight) v *= weight[j];
    if constexpr (kBias) v += bias[j];
    y[j] = v;
  }
}

// Rows [begin, end) as groups of kRowGroup and single rows for the rest: rows.template
// operator()<R>(first) handles rows [first, first + R). A row's reductions have the same
// order in a group as alone (norm_support.h), so the grouping never changes a result.
constexpr std::size_t kRowGroup = 4;

template <class Rows>
void in_row_groups(std::size_t begin, std::size_t end, const Rows& rows) {
  std::size_t r = begin;
  for (; r + kRowGroup <= end; r += kRowGroup) rows.template operator()<kRowGroup>(r);
  for (; r < end; ++r) rows.template operator()<1>(r);
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Layout<T> l = layout_of(graph, node);
  const T* x = graph.value(node.inputs[0]).data();
  T* y = node.value.data();
  node.saved.resize(Shape{l.rows, 2});
  T* stats = node.saved.data();
  const double eps = node.params.reals[kEps];
  const std::size_t n = l.row_length;
  auto normalize = l.weight != nullptr ? (l.bias != nullptr ? &normalize_row<true, true, T> : &normalize_row<true, false, T>)
                                       : (l.bias != nullptr ? &normalize_row<false, true, T> : &normalize_row<false, false, T>);
  const auto rows = [&]<std::size_t R>(std::size_t first) {
    const T* xr = x + first * n;
    const detail::RunSums<R> sums = detail::sum_runs<R>(xr, n, n);
    detail::RunSums<R> mean;
    for (std::size_t r = 0; r < R; ++r) mean[r] = sums[r] / static_cast<double>(n);
    const detail::RunSums<R> squares = detail::sum_squared_deviations_runs<R>(xr, n, n, mean);
    for (std::size_t r = 0; r < R; ++r) {
      const double var = squares[r] / static_cast<double>(n);
      const T mean_t = static_cast<T>(mean[r]), rstd_t = static_cast<T>(1.0 / std::sqrt(var + eps));
      stats[2 * (first + r) + kMean] = mean_t;
      stats[2 * (first + r) + kRstd] = rstd_t;
      normalize(xr + r * n, y + (first + r) * n, n, mean_t, rstd_t, l.weight, l.bias);
    }
  };
  detail::parallel_blocks(l.rows, n, [&](std::size_t begin, std::size_t end) { in_row_groups(begin, end, rows); });
}

// With g = dy * weight and xhat = (x - mean) * rstd, per row of n:
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)).
template <Real T>
void backward_input(GradOut<T> out, const Layout<T>& l, const T* x, const T* dy, const T* stats) {
  const std::size_t n = l.row_length;
  T* dx = out.tensor->data();
  const auto rows = [&]<std::size_t R>(std::size_t first) {
    detail::RunSums<R> means;
    for (std::size_t r = 0; r < R; ++r) means[r] = static_cast<double>(stats[2 * (first + r) + kMean]);
    const std::array<detail::GradSums, R> sums =
        detail::grad_sums_runs<R>(dy + first * n, l.weight, x + first * n, n, n, means);
    for (std::size_t r = 0; r < R; ++r) {
      const T* xr = x + (first + r) * n;
      const T* dyr = dy + (first + r) * n;
      T* dxr = dx + (first + r) * n;
      const T mean = stats[2 * (first + r) + kMean], rstd = stats[2 * (first + r) + kRstd];
      const T* w = l.weight;
      const T g_mean = static_cast<T>(sums[r].g / static_cast<double>(n));
      // mean(g * xhat) * rstd, folded once per row.
      const T slope = static_cast<T>(sums[r].g_centered * static_cast<double>(rstd) * static_cast<double>(rstd) *
                                     static_cast<double>(rstd) / static_cast<double>(n));
      auto write = [&](auto g_at) {
        if (out.accumulate) {
          for (std::size_t j = 0; j < n; ++j) dxr[j] += rstd * (g_at(j) - g_mean) - (xr[j] - mean) * slope;
        } else {
          for (std::size_t j = 0; j < n; ++j) dxr[j] = rstd * (g_at(j) - g_mean) - (xr[j] - mean) * slope;
        }
      };
      if (w != nullptr) {
        write([&](std::size_t j) { return dyr[j] * w[j]; });
      } else {
        write([&](std::size_t j) { return dyr[j]; });
      }
    }
  };
  detail::parallel_blocks(l.rows, n, [&](std::size_t begin, std::size_t end) { in_row_groups(begin, end, rows); });
}

// dweight[j] = sum over rows of dy * xhat, dbias[j] = sum over rows of dy: column sums,
// split by blocks of columns so that each is summed by one task, rows in order, in double.
template <Real T>
void backward_affine(Graph<T>& graph, const Node<T>& node, const Layout<T>& l, const T* x, const T* dy,
                     const T* stats) {
  constexpr std::size_t kColumns = 64;  // one block's accumulators live on the stack
  const std::size_t n = l.row_length;
  const std::size_t blocks = (n + kColumns - 1) / kColumns;
  const bool want_weight = l.weight != nullptr, want_bias = l.bias != nullptr;
  // Both are asked for before either is written: were weight and bias one Var, each block
  // still writes its columns' weight gradient before adding the bias gradient to them.
  GradOut<T> dweight = want_weight ? graph.grad_out(node.inputs[1]) : GradOut<T>{};
  GradOut<T> dbias = want_bias ? graph.grad_out(node.inputs[want_weight ? 2 : 1]) : GradOut<T>{};
  if (!dweight && !dbias) return;
  detail::parallel_blocks(blocks, l.rows * kColumns, [&](std::size_t begin, std::size_t end) {
    for (std::size_t block = begin; block < end; ++block) {
      const std::size_t first = block * kColumns, width = std::min(kColumns, n - first);
      std::array<double, kColumns> sum_w{}, sum_b{};
      for (std::size_t r = 0; r < l.rows; ++r) {
        const T* xr = x + r * n + first;
        const T* dyr = dy + r * n + first;
        const T mean = stats[2 * r + kMean], rstd = stats[2 * r + kRstd];
        for (std::size_t j = 0; j < width; ++j) {
          sum_w[j] += static_cast<double>(dyr[j] * ((xr[j] - mean) * rstd));
          sum_b[j] += static_cast<double>(dyr[j]);
        }
      }
      auto store = [&](GradOut<T> out, const std::array<double, kColumns>& sums) {
        if (!out) return;
        T* d = out.tensor->data() + first;
        for (std::size_t j = 0; j < width; ++j) d[j] = (out.accumulate ? d[j] : T{0}) + static_cast<T>(sums[j]);
      };
      store(dweight, sum_w);
      store(dbias, sum_b);
    }
  });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Layout<T> l = layout_of(graph, node);
  const T* x = graph.value(node.inputs[0]).data();
  const T* dy = node.output_grad().data();
  const T* stats = node.saved.data();
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) backward_input(dx, l, x, dy, stats);
  backward_affine(graph, node, l, x, dy, stats);
}

}  // namespace

template <Real T>
const OpInfo<T>& layer_norm_op() {
  static constexpr OpInfo<T> info{"LayerNorm", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> layer_norm(Var<T> x, const Shape& normalized_shape, Var<T> weight, Var<T> bias, double eps,
                  std::source_location where) {
  Graph<T>& graph = detail::graph_of("LayerNorm", x);
  const Shape shape = graph.value(x.index()).shape();
  const std::size_t axes = normalized_shape.rank();
  if (axes == 0)
    throw ShapeError(fmt::format("LayerNorm: normalized_shape is []; it must name at least one trailing axis of x {}",
                                 shape));
  bool matches = shape.rank() >= axes;
  for (std::size_t i = 0; matches && i < axes; ++i) matches = shape[shape.rank() - axes + i] == normalized_shape[i];
  if (!matches)
    throw ShapeError(fmt::format("LayerNorm: x is {} but normalized_shape is {}; x must end with those axes", shape,
                                 normalized_shape));
  std::array<Var<T>, 3> inputs{x};
  std::size_t count = 1;
  auto add_affine = [&](Var<T> v, const char* what) {
    if (v.graph() == nullptr) return false;
    graph.check(v, "LayerNorm");
    const Shape& s = graph.value(v.index()).shape();
    if (s != normalized_shape)
      throw ShapeError(fmt::format("LayerNorm: {} is {}, expected normalized_shape {} (x is {})", what, s,
                                   normalized_shape, shape));
    inputs[count++] = v;
    return true;
  };
  const bool has_weight = add_affine(weight, "weight");
  const bool has_bias = add_affine(bias, "bias");
  if (!(eps >= 0 && std::isfinite(eps)))
    throw ValueError(fmt::format("LayerNorm: eps must be finite and >= 0, got {}", eps));
  Node<T>& node = graph.begin(layer_norm_op<T>(), std::span<const Var<T>>(inputs.data(), count), shape, where);
  node.params.ints[kHasWeight] = has_weight ? 1 : 0;
  node.params.ints[kHasBias] = has_bias ? 1 : 0;
  node.params.ints[kRowLength] = static_cast<std::int64_t>(normalized_shape.size());
  node.params.reals[kEps] = eps;
  return graph.finish(node);
}

template Var<float> layer_norm(Var<float>, const Shape&, Var<float>, Var<float>, double, std::source_location);
template Var<double> layer_norm(Var<double>, const Shape&, Var<double>, Var<double>, double, std::source_location);
template const OpInfo<float>& layer_norm_op();
template const OpInfo<double>& layer_norm_op();

}  // namespace cgrad
