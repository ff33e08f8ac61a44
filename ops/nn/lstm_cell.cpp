#include "ops/nn/lstm_cell.h"

#include <array>

#include "ops/kernels/gemm.h"
#include "ops/nn/recurrent_support.h"
#include "ops/op_support.h"
#include "ops/shape/slice.h"

namespace cgrad {
namespace {

enum Input : std::size_t { kX, kH, kC, kWih, kWhh, kBih, kBhh };

// One row's gate pass: the pre-activations i, f, g, o (written by the GEMMs) are activated
// in place, tanh(c') is saved beside them, and h', c' are written. The pointers are
// __restrict (the five gate blocks are disjoint columns of one row) so that the compiler
// vectorizes the loop: with plain pointers it could not rule out aliasing and the loop ran
// one element at a time (perf: a quarter of LstmCell's time at N 64, H 256).
template <Real T>
void activate_row(std::size_t hidden, T* __restrict gi, T* __restrict gf, T* __restrict gg, T* __restrict go,
                  T* __restrict tanh_c_out, const T* __restrict b_ih, const T* __restrict b_hh,
                  const T* __restrict c, T* __restrict h_out, T* __restrict c_out) {
  for (std::size_t j = 0; j < hidden; ++j) {
    const T i = detail::cell_sigmoid(gi[j] + b_ih[j] + b_hh[j]);
    const T f = detail::cell_sigmoid(gf[j] + b_ih[hidden + j] + b_hh[hidden + j]);
    const T g = detail::cell_tanh(gg[j] + b_ih[2 * hidden + j] + b_hh[2 * hidden + j]);
    const T o = detail::cell_sigmoid(go[j] + b_ih[3 * hidden + j] + b_hh[3 * hidden + j]);
    const T c_next = f * c[j] + i * g;
    const T tanh_c = detail::cell_tanh(c_next);
    gi[j] = i;
    gf[j] = f;
    gg[j] = g;
    go[j] = o;
    tanh_c_out[j] = tanh_c;
    h_out[j] = o * tanh_c;
    c_out[j] = c_next;
  }
}

// node.saved is [N,5H]: the activated gates i, f, g, o, then tanh(c'), all the backward needs
// besides the inputs. The forward first lets the two GEMMs write the gates' pre-activations
// into its first 4H columns, then activates them in place.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[kX]);
  const Tensor<T>& h = graph.value(node.inputs[kH]);
  const T* c = graph.value(node.inputs[kC]).data();
  const T* b_ih = graph.value(node.inputs[kBih]).data();
  const T* b_hh = graph.value(node.inputs[kBhh]).data();
  const std::size_t n = x.dim(0), in = x.dim(1), hidden = h.dim(1), width = 4 * hidden, ld = 5 * hidden;
  node.saved.resize(Shape{n, ld});
  T* saved = node.saved.data();
  gemm<T>({n, width, in}, {.a = x.data(), .lda = in, .b = graph.value(node.inputs[kWih]).data(), .ldb = width,
                           .c = saved, .ldc = ld});
  gemm<T>({n, width, hidden}, {.a = h.data(), .lda = hidden, .b = graph.value(node.inputs[kWhh]).data(),
                               .ldb = width, .c = saved, .ldc = ld, .accumulate = true});
  T* out = node.value.data();
  for (std::size_t r = 0; r < n; ++r) {
    T* gate = saved + r * ld;
    T* h_out = out + r * 2 * hidden;
    activate_row(hidden, gate, gate + hidden, gate + 2 * hidden, gate + 3 * hidden, gate + 4 * hidden, b_ih, b_hh,
                 c + r * hidden, h_out, h_out + hidden);
  }
}

// One row of the backward's gate pass (the formulas below), its pointers __restrict for
// the same reason as activate_row's: with plain ones the loop ran one element at a time.
template <Real T, class WriteDc>
void gate_grads_row(std::size_t hidden, const T* __restrict gate, const T* __restrict c_row,
                    const T* __restrict dh_next, const T* __restrict dc_next, T* __restrict d,
                    T* __restrict dc_row, WriteDc write_dc) {
  for (std::size_t j = 0; j < hidden; ++j) {
    const T i = gate[j], f = gate[hidden + j], g = gate[2 * hidden + j], o = gate[3 * hidden + j];
    const T tanh_c = gate[4 * hidden + j];
    const T dc = dc_next[j] + dh_next[j] * o * (T{1} - tanh_c * tanh_c);
    d[j] = dc * g * i * (T{1} - i);
    d[hidden + j] = dc * c_row[j] * f * (T{1} - f);
    d[2 * hidden + j] = dc * i * (T{1} - g * g);
    d[3 * hidden + j] = dh_next[j] * tanh_c * o * (T{1} - o);
    write_dc(dc_row, j, dc * f);
  }
}

// With dh', dc' the two halves of the node's gradient:
//   dc = dc' + dh'·o·(1 - tanh(c')²)          (the cell state's total gradient)
//   d pre_i = dc·g·i(1-i)   d pre_f = dc·c·f(1-f)   d pre_g = dc·i·(1-g²)   d pre_o = dh'·tanh(c')·o(1-o)
//   d c_prev = dc·f
// then, with D the [N,4H] pre-activation gradient: dx = D·w_ihᵀ, dh = D·w_hhᵀ,
// dw_ih = xᵀ·D, dw_hh = hᵀ·D, db_ih = db_hh = the column sums of D.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[kX]);
  const Tensor<T>& h = graph.value(node.inputs[kH]);
  const T* c = graph.value(node.inputs[kC]).data();
  const std::size_t n = x.dim(0), in = x.dim(1), hidden = h.dim(1), width = 4 * hidden, ld = 5 * hidden;
  const T* saved = node.saved.data();
  const T* dy = node.output_grad().data();
  T* d_gates = detail::cell_scratch<T>(n * width);
  GradOut<T> dc_prev = graph.grad_out(node.inputs[kC]);
  for (std::size_t r = 0; r < n; ++r) {
    const T* gate = saved + r * ld;
    const T* dh_next = dy + r * 2 * hidden;
    T* d = d_gates + r * width;
    // write_dc(dc_row, j, dc·f) is a no-op when c needs no gradient, so each instance of
    // the row's loop is branch-free.
    if (!dc_prev) {
      gate_grads_row<T>(hidden, gate, c + r * hidden, dh_next, dh_next + hidden, d, nullptr,
                     [](T*, std::size_t, T) {});
    } else if (dc_prev.accumulate) {
      gate_grads_row(hidden, gate, c + r * hidden, dh_next, dh_next + hidden, d,
                     dc_prev.tensor->data() + r * hidden, [](T* dc_row, std::size_t j, T v) { dc_row[j] += v; });
    } else {
      gate_grads_row(hidden, gate, c + r * hidden, dh_next, dh_next + hidden, d,
                     dc_prev.tensor->data() + r * hidden, [](T* dc_row, std::size_t j, T v) { dc_row[j] = v; });
    }
  }
  const T* w_ih = graph.value(node.inputs[kWih]).data();
  const T* w_hh = graph.value(node.inputs[kWhh]).data();
  if (GradOut<T> dx = graph.grad_out(node.inputs[kX])) {
    gemm<T>({n, in, width}, {.a = d_gates, .lda = width, .b = w_ih, .ldb = width, .transpose_b = true,
                             .c = dx.tensor->data(), .ldc = in, .accumulate = dx.accumulate});
  }
  if (GradOut<T> dh = graph.grad_out(node.inputs[kH])) {
    gemm<T>({n, hidden, width}, {.a = d_gates, .lda = width, .b = w_hh, .ldb = width, .transpose_b = true,
                                 .c = dh.tensor->data(), .ldc = hidden, .accumulate = dh.accumulate});
  }
  if (GradOut<T> dw = graph.grad_out(node.inputs[kWih])) {
    gemm<T>({in, width, n}, {.a = x.data(), .lda = in, .transpose_a = true, .b = d_gates, .ldb = width,
                             .c = dw.tensor->data(), .ldc = width, .accumulate = dw.accumulate});
  }
  if (GradOut<T> dw = graph.grad_out(node.inputs[kWhh])) {
    gemm<T>({hidden, width, n}, {.a = h.data(), .lda = hidden, .transpose_a = true, .b = d_gates, .ldb = width,
                                 .c = dw.tensor->data(), .ldc = width, .accumulate = dw.accumulate});
  }
  if (GradOut<T> db = graph.grad_out(node.inputs[kBih])) detail::write_column_sums(db, d_gates, n, width, width);
  if (GradOut<T> db = graph.grad_out(node.inputs[kBhh])) detail::write_column_sums(db, d_gates, n, width, width);
}

}  // namespace

template <Real T>
const OpInfo<T>& lstm_cell_op() {
  static constexpr OpInfo<T> info{"LstmCell", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> lstm_cell_packed(Var<T> x, Var<T> h, Var<T> c, Var<T> w_ih, Var<T> w_hh, Var<T> b_ih, Var<T> b_hh,
                        std::source_location where) {
  Graph<T>& graph = detail::graph_of("LstmCell", x);
  const std::array<Var<T>, 7> inputs{x, h, c, w_ih, w_hh, b_ih, b_hh};
  for (const Var<T>& v : inputs) graph.check(v, "LstmCell");
  static constexpr std::array<std::string_view, 7> names{"x", "h", "c", "w_ih", "w_hh", "b_ih", "b_hh"};
  std::array<Shape, 7> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) shapes[i] = graph.value(inputs[i].index()).shape();
  const detail::CellSizes sizes = detail::check_cell_shapes("LstmCell", names, shapes, 4);
  return graph.finish(graph.begin(lstm_cell_op<T>(), std::span<const Var<T>>(inputs), Shape{sizes.batch, 2 * sizes.hidden}, where));
}

template <Real T>
LstmState<T> lstm_cell(Var<T> x, Var<T> h, Var<T> c, Var<T> w_ih, Var<T> w_hh, Var<T> b_ih, Var<T> b_hh,
                       std::source_location where) {
  const Var<T> both = lstm_cell_packed(x, h, c, w_ih, w_hh, b_ih, b_hh, where);
  const auto hidden = static_cast<std::int64_t>(both.shape()[1] / 2);
  return {slice(both, 1, 0, hidden, 1, where), slice(both, 1, hidden, 2 * hidden, 1, where)};
}

#define CGRAD_INSTANTIATE(T)                                                                                  \
  template LstmState<T> lstm_cell(Var<T>, Var<T>, Var<T>, Var<T>, Var<T>, Var<T>, Var<T>, std::source_location); \
  template Var<T> lstm_cell_packed(Var<T>, Var<T>, Var<T>, Var<T>, Var<T>, Var<T>, Var<T>, std::source_location); \
  template const OpInfo<T>& lstm_cell_op();
CGRAD_INSTANTIATE(float)
CGRAD_INSTANTIATE(double)
#undef CGRAD_INSTANTIATE

}  // namespace cgrad
