#include "ops/nn/gru_cell.h"

#include <array>

#include "ops/kernels/gemm.h"
#include "ops/nn/recurrent_support.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

enum Input : std::size_t { kX, kH, kWih, kWhh, kBih, kBhh };

// One row's gate pass over the GEMMs' outputs: r, z and the candidate n replace x·w_ih's
// three blocks, b_n = (h·w_hh + b_hh)_n replaces h·w_hh's third block, and h' is written.
// The pointers are __restrict (disjoint blocks of one row) so that the loop vectorizes, as
// LstmCell's does (with plain pointers the compiler could not rule out aliasing).
template <Real T>
void activate_row(std::size_t hidden, T* __restrict ar, T* __restrict az, T* __restrict an,
                  const T* __restrict br, const T* __restrict bz, T* __restrict bn, const T* __restrict b_ih,
                  const T* __restrict b_hh, const T* __restrict h, T* __restrict h_out) {
  for (std::size_t j = 0; j < hidden; ++j) {
    const T r = detail::cell_sigmoid(ar[j] + b_ih[j] + br[j] + b_hh[j]);
    const T z = detail::cell_sigmoid(az[j] + b_ih[hidden + j] + bz[j] + b_hh[hidden + j]);
    const T b_n = bn[j] + b_hh[2 * hidden + j];
    const T candidate = detail::cell_tanh(an[j] + b_ih[2 * hidden + j] + r * b_n);
    ar[j] = r;
    az[j] = z;
    an[j] = candidate;
    bn[j] = b_n;
    h_out[j] = (T{1} - z) * candidate + z * h[j];
  }
}

// node.saved is [N,6H]. The GEMMs write x·w_ih into columns [0,3H) and h·w_hh into
// [3H,6H); the gate pass then leaves r, z, n in [0,3H) and b_n = (h·w_hh + b_hh)_n, which
// the backward needs for r's gradient, in [5H,6H). Columns [3H,5H) are dead afterwards.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[kX]);
  const Tensor<T>& h = graph.value(node.inputs[kH]);
  const T* b_ih = graph.value(node.inputs[kBih]).data();
  const T* b_hh = graph.value(node.inputs[kBhh]).data();
  const std::size_t n = x.dim(0), in = x.dim(1), hidden = h.dim(1), width = 3 * hidden, ld = 6 * hidden;
  node.saved.resize(Shape{n, ld});
  T* saved = node.saved.data();
  gemm<T>({n, width, in}, {.a = x.data(), .lda = in, .b = graph.value(node.inputs[kWih]).data(), .ldb = width,
                           .c = saved, .ldc = ld});
  gemm<T>({n, width, hidden}, {.a = h.data(), .lda = hidden, .b = graph.value(node.inputs[kWhh]).data(),
                               .ldb = width, .c = saved + width, .ldc = ld});
  T* out = node.value.data();
  for (std::size_t row = 0; row < n; ++row) {
    T* a = saved + row * ld;  // x·w_ih, then r, z, n
    T* b = a + width;         // h·w_hh, then (in its last H columns) b_n
    activate_row(hidden, a, a + hidden, a + 2 * hidden, b, b + hidden, b + 2 * hidden, b_ih, b_hh,
                 h.data() + row * hidden, out + row * hidden);
  }
}

// One row of the backward's gate pass (the formulas below) into A's row d_a and B's row
// d_b, its pointers __restrict for the same reason as activate_row's.
template <Real T>
void gate_grads_row(std::size_t hidden, const T* __restrict gate, const T* __restrict h_row,
                    const T* __restrict dh_next, T* __restrict d_a, T* __restrict d_b) {
  const T* b_n = gate + 5 * hidden;
  for (std::size_t j = 0; j < hidden; ++j) {
    const T r = gate[j], z = gate[hidden + j], candidate = gate[2 * hidden + j];
    const T d_pre_n = dh_next[j] * (T{1} - z) * (T{1} - candidate * candidate);
    const T d_pre_r = d_pre_n * b_n[j] * r * (T{1} - r);
    const T d_pre_z = dh_next[j] * (h_row[j] - candidate) * z * (T{1} - z);
    d_a[j] = d_pre_r;
    d_a[hidden + j] = d_pre_z;
    d_a[2 * hidden + j] = d_pre_n;
    d_b[j] = d_pre_r;
    d_b[hidden + j] = d_pre_z;
    d_b[2 * hidden + j] = d_pre_n * r;
  }
}

// With dh' the node's gradient:
//   dn = dh'·(1-z)   dz = dh'·(h - n)   d pre_n = dn·(1-n²)   dr = d pre_n·b_n
//   A = [dr·r(1-r), dz·z(1-z), d pre_n]      (the gradient of x·w_ih + b_ih)   [N,3H]
//   B = [A_r, A_z, d pre_n·r]                (the gradient of h·w_hh + b_hh)   [N,3H]
// then dx = A·w_ihᵀ, dh = dh'·z + B·w_hhᵀ, dw_ih = xᵀ·A, dw_hh = hᵀ·B, db_ih and db_hh the
// column sums of A and B.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[kX]);
  const Tensor<T>& h = graph.value(node.inputs[kH]);
  const std::size_t n = x.dim(0), in = x.dim(1), hidden = h.dim(1), width = 3 * hidden, ld = 6 * hidden;
  const T* saved = node.saved.data();
  const T* dy = node.output_grad().data();
  T* d_gates = detail::cell_scratch<T>(n * 2 * width);  // per row: A then B
  for (std::size_t row = 0; row < n; ++row) {
    T* d_a = d_gates + row * 2 * width;
    gate_grads_row(hidden, saved + row * ld, h.data() + row * hidden, dy + row * hidden, d_a, d_a + width);
  }
  const T* d_a = d_gates;
  const T* d_b = d_gates + width;
  const std::size_t ld_d = 2 * width;
  if (GradOut<T> dx = graph.grad_out(node.inputs[kX])) {
    gemm<T>({n, in, width}, {.a = d_a, .lda = ld_d, .b = graph.value(node.inputs[kWih]).data(), .ldb = width,
                             .transpose_b = true, .c = dx.tensor->data(), .ldc = in, .accumulate = dx.accumulate});
  }
  if (GradOut<T> dh = graph.grad_out(node.inputs[kH])) {
    // The direct path dh'·z first (overwriting or adding as the flag says), then the GEMM adds.
    T* grad = dh.tensor->data();
    for (std::size_t row = 0; row < n; ++row) {
      const T* z = saved + row * ld + hidden;
      const T* dh_next = dy + row * hidden;
      T* g = grad + row * hidden;
      if (dh.accumulate) {
        for (std::size_t j = 0; j < hidden; ++j) g[j] += dh_next[j] * z[j];
      } else {
        for (std::size_t j = 0; j < hidden; ++j) g[j] = dh_next[j] * z[j];
      }
    }
    gemm<T>({n, hidden, width}, {.a = d_b, .lda = ld_d, .b = graph.value(node.inputs[kWhh]).data(), .ldb = width,
                                 .transpose_b = true, .c = grad, .ldc = hidden, .accumulate = true});
  }
  if (GradOut<T> dw = graph.grad_out(node.inputs[kWih])) {
    gemm<T>({in, width, n}, {.a = x.data(), .lda = in, .transpose_a = true, .b = d_a, .ldb = ld_d,
                             .c = dw.tensor->data(), .ldc = width, .accumulate = dw.accumulate});
  }
  if (GradOut<T> dw = graph.grad_out(node.inputs[kWhh])) {
    gemm<T>({hidden, width, n}, {.a = h.data(), .lda = hidden, .transpose_a = true, .b = d_b, .ldb = ld_d,
                                 .c = dw.tensor->data(), .ldc = width, .accumulate = dw.accumulate});
  }
  if (GradOut<T> db = graph.grad_out(node.inputs[kBih])) detail::write_column_sums(db, d_a, n, width, ld_d);
  if (GradOut<T> db = graph.grad_out(node.inputs[kBhh])) detail::write_column_sums(db, d_b, n, width, ld_d);
}

}  // namespace

template <Real T>
const OpInfo<T>& gru_cell_op() {
  static constexpr OpInfo<T> info{"GruCell", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> gru_cell(Var<T> x, Var<T> h, Var<T> w_ih, Var<T> w_hh, Var<T> b_ih, Var<T> b_hh, std::source_location where) {
  Graph<T>& graph = detail::graph_of("GruCell", x);
  const std::array<Var<T>, 6> inputs{x, h, w_ih, w_hh, b_ih, b_hh};
  for (const Var<T>& v : inputs) graph.check(v, "GruCell");
  static constexpr std::array<std::string_view, 6> names{"x", "h", "w_ih", "w_hh", "b_ih", "b_hh"};
  std::array<Shape, 6> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) shapes[i] = graph.value(inputs[i].index()).shape();
  const detail::CellSizes sizes = detail::check_cell_shapes("GruCell", names, shapes, 3);
  return graph.finish(
      graph.begin(gru_cell_op<T>(), std::span<const Var<T>>(inputs), Shape{sizes.batch, sizes.hidden}, where));
}

template Var<float> gru_cell(Var<float>, Var<float>, Var<float>, Var<float>, Var<float>, Var<float>,
                             std::source_location);
template Var<double> gru_cell(Var<double>, Var<double>, Var<double>, Var<double>, Var<double>, Var<double>,
                              std::source_location);
template const OpInfo<float>& gru_cell_op();
template const OpInfo<double>& gru_cell_op();

}  // namespace cgrad
