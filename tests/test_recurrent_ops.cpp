// LstmCell and GruCell against a second, independent path: the same step written with the
// basic ops (matmul, add, slice, sigmoid, tanh, mul), on the same data, over a few steps so
// that the state's gradient flows through the cell more than once. Forward values and every
// input's gradient must agree. Also: the refusals that name the op and the shapes, and a
// steady step that allocates nothing. (The op suite checks both cells against central
// differences and NumPy.)
#include <cstddef>
#include <cstdint>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "expect_error.h"
#include "test_util.h"
#include "tests/support/allocation_counter.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;
using test::uniform_tensor;

// Columns [k·H, (k+1)·H) of a [N,G·H] value.
Var<double> gate(Var<double> all, std::int64_t k, std::int64_t hidden) {
  return slice(all, 1, k * hidden, (k + 1) * hidden);
}

// PyTorch's LSTM step from the basic ops.
LstmState<double> lstm_composed(Var<double> x, Var<double> h, Var<double> c, Var<double> w_ih, Var<double> w_hh,
                                Var<double> b_ih, Var<double> b_hh) {
  const auto hidden = static_cast<std::int64_t>(h.shape()[1]);
  const Var<double> gates = matmul(x, w_ih) + b_ih + matmul(h, w_hh) + b_hh;
  const Var<double> i = sigmoid(gate(gates, 0, hidden));
  const Var<double> f = sigmoid(gate(gates, 1, hidden));
  const Var<double> g = tanh(gate(gates, 2, hidden));
  const Var<double> o = sigmoid(gate(gates, 3, hidden));
  const Var<double> c_next = f * c + i * g;
  return {o * tanh(c_next), c_next};
}

// PyTorch's GRU step from the basic ops.
Var<double> gru_composed(Var<double> x, Var<double> h, Var<double> w_ih, Var<double> w_hh, Var<double> b_ih,
                         Var<double> b_hh) {
  const auto hidden = static_cast<std::int64_t>(h.shape()[1]);
  const Var<double> a = matmul(x, w_ih) + b_ih;
  const Var<double> b = matmul(h, w_hh) + b_hh;
  const Var<double> r = sigmoid(gate(a, 0, hidden) + gate(b, 0, hidden));
  const Var<double> z = sigmoid(gate(a, 1, hidden) + gate(b, 1, hidden));
  const Var<double> n = tanh(gate(a, 2, hidden) + r * gate(b, 2, hidden));
  return (1.0 - z) * n + z * h;
}

// The cell's operands as Parameters, so that both paths' gradients land in them.
struct Operands {
  std::vector<Parameter<double>> inputs;  // per step x, then h0, (c0,) w_ih, w_hh, b_ih, b_hh
  void zero_grad() {
    for (auto& p : inputs) p.zero_grad();
  }
};

Operands make_operands(std::size_t steps, std::size_t n, std::size_t in, std::size_t hidden, std::size_t gates,
                       bool with_cell_state, std::uint64_t seed) {
  Operands o;
  for (std::size_t t = 0; t < steps; ++t) o.inputs.emplace_back("x", uniform_tensor<double>({n, in}, seed++));
  o.inputs.emplace_back("h0", uniform_tensor<double>({n, hidden}, seed++));
  if (with_cell_state) o.inputs.emplace_back("c0", uniform_tensor<double>({n, hidden}, seed++));
  o.inputs.emplace_back("w_ih", uniform_tensor<double>({in, gates * hidden}, seed++, -0.5, 0.5));
  o.inputs.emplace_back("w_hh", uniform_tensor<double>({hidden, gates * hidden}, seed++, -0.5, 0.5));
  o.inputs.emplace_back("b_ih", uniform_tensor<double>(Shape{gates * hidden}, seed++));
  o.inputs.emplace_back("b_hh", uniform_tensor<double>(Shape{gates * hidden}, seed++));
  o.zero_grad();
  return o;
}

void expect_near(const Tensor<double>& a, const Tensor<double>& b, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << what << " at " << i;
}

// Runs `steps` steps of the LSTM by one path, a loss of the final states projected on fixed
// random weights, and backward; returns the final h and c values and leaves the gradients
// in the Parameters.
template <class Step>
std::pair<Tensor<double>, Tensor<double>> run_lstm(Operands& o, std::size_t steps, Step step) {
  Graph<double> g;
  std::vector<Var<double>> x;
  for (std::size_t t = 0; t < steps; ++t) x.push_back(g.param(o.inputs[t]));
  Var<double> h = g.param(o.inputs[steps]), c = g.param(o.inputs[steps + 1]);
  const Var<double> w_ih = g.param(o.inputs[steps + 2]), w_hh = g.param(o.inputs[steps + 3]);
  const Var<double> b_ih = g.param(o.inputs[steps + 4]), b_hh = g.param(o.inputs[steps + 5]);
  for (std::size_t t = 0; t < steps; ++t) {
    const LstmState<double> next = step(x[t], h, c, w_ih, w_hh, b_ih, b_hh);
    h = next.h;
    c = next.c;
  }
  const Var<double> loss = sum(h * g.input(uniform_tensor<double>(h.shape(), 91))) +
                           sum(c * g.input(uniform_tensor<double>(c.shape(), 92)));
  g.backward(loss);
  return {h.value(), c.value()};
}

template <class Step>
Tensor<double> run_gru(Operands& o, std::size_t steps, Step step) {
  Graph<double> g;
  std::vector<Var<double>> x;
  for (std::size_t t = 0; t < steps; ++t) x.push_back(g.param(o.inputs[t]));
  Var<double> h = g.param(o.inputs[steps]);
  const Var<double> w_ih = g.param(o.inputs[steps + 1]), w_hh = g.param(o.inputs[steps + 2]);
  const Var<double> b_ih = g.param(o.inputs[steps + 3]), b_hh = g.param(o.inputs[steps + 4]);
  for (std::size_t t = 0; t < steps; ++t) h = step(x[t], h, w_ih, w_hh, b_ih, b_hh);
  g.backward(sum(h * g.input(uniform_tensor<double>(h.shape(), 93))));
  return h.value();
}

struct CellCase {
  std::size_t steps, n, in, hidden;
};
const CellCase kCases[] = {{1, 1, 3, 2}, {3, 4, 5, 3}, {3, 2, 2, 1}, {2, 3, 7, 6}};

TEST(RecurrentOps, LstmCellMatchesTheComposedStepForwardAndGradients) {
  for (const CellCase& k : kCases) {
    SCOPED_TRACE(::testing::Message() << "steps " << k.steps << " N " << k.n << " I " << k.in << " H " << k.hidden);
    Operands fused = make_operands(k.steps, k.n, k.in, k.hidden, 4, true, 500);
    Operands composed = make_operands(k.steps, k.n, k.in, k.hidden, 4, true, 500);
    const auto [h1, c1] = run_lstm(fused, k.steps, [](auto... v) { return lstm_cell(v...); });
    const auto [h2, c2] = run_lstm(composed, k.steps, [](auto... v) { return lstm_composed(v...); });
    expect_near(h1, h2, "h");
    expect_near(c1, c2, "c");
    for (std::size_t i = 0; i < fused.inputs.size(); ++i)
      expect_near(fused.inputs[i].grad(), composed.inputs[i].grad(), fused.inputs[i].name().c_str());
  }
}

TEST(RecurrentOps, GruCellMatchesTheComposedStepForwardAndGradients) {
  for (const CellCase& k : kCases) {
    SCOPED_TRACE(::testing::Message() << "steps " << k.steps << " N " << k.n << " I " << k.in << " H " << k.hidden);
    Operands fused = make_operands(k.steps, k.n, k.in, k.hidden, 3, false, 700);
    Operands composed = make_operands(k.steps, k.n, k.in, k.hidden, 3, false, 700);
    const Tensor<double> h1 = run_gru(fused, k.steps, [](auto... v) { return gru_cell(v...); });
    const Tensor<double> h2 = run_gru(composed, k.steps, [](auto... v) { return gru_composed(v...); });
    expect_near(h1, h2, "h");
    for (std::size_t i = 0; i < fused.inputs.size(); ++i)
      expect_near(fused.inputs[i].grad(), composed.inputs[i].grad(), fused.inputs[i].name().c_str());
  }
}

// The packed form is the two halves side by side.
TEST(RecurrentOps, LstmCellPackedHoldsHThenC) {
  Graph<double> g;
  const auto in = [&](const Shape& s, std::uint64_t seed) { return g.input(uniform_tensor<double>(s, seed)); };
  const Var<double> x = in({2, 3}, 1), h = in({2, 4}, 2), c = in({2, 4}, 3), w_ih = in({3, 16}, 4),
                    w_hh = in({4, 16}, 5), b_ih = in(Shape{16}, 6), b_hh = in(Shape{16}, 7);
  const Var<double> packed = lstm_cell_packed(x, h, c, w_ih, w_hh, b_ih, b_hh);
  const LstmState<double> state = lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh);
  ASSERT_EQ(packed.shape(), (Shape{2, 8}));
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t j = 0; j < 4; ++j) {
      EXPECT_EQ(packed.value()(r, j), state.h.value()(r, j));
      EXPECT_EQ(packed.value()(r, 4 + j), state.c.value()(r, j));
    }
}

TEST(RecurrentOps, WrongShapesNameTheOpTheOperandAndEveryShape) {
  Graph<double> g;
  const auto in = [&](const Shape& s) { return g.input(Tensor<double>(s)); };
  const Var<double> x = in({3, 4}), h = in({3, 5}), c = in({3, 5});
  const Var<double> w_ih = in({4, 20}), w_hh = in({5, 20}), b = in(Shape{20});
  EXPECT_THAT(message_of<ShapeError>([&] { lstm_cell(x, h, c, w_ih, in({5, 16}), b, b); }),
              AllOf(HasSubstr("LstmCell"), HasSubstr("w_hh [H,4H] = [5,20]"), HasSubstr("got [5,16]"),
                    HasSubstr("x [3,4]"), HasSubstr("b_hh [20]")));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm_cell(in({3, 4, 1}), h, c, w_ih, w_hh, b, b); }),
              AllOf(HasSubstr("LstmCell: expected x [N,I], got [3,4,1]")));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm_cell(x, in({2, 5}), c, w_ih, w_hh, b, b); }),
              AllOf(HasSubstr("LstmCell"), HasSubstr("h [N,H]"), HasSubstr("[2,5]")));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm_cell(x, h, in({3, 4}), w_ih, w_hh, b, b); }),
              AllOf(HasSubstr("LstmCell"), HasSubstr("c [N,H] = [3,5]"), HasSubstr("got [3,4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm_cell(x, h, c, w_ih, w_hh, b, in({1, 20})); }),
              AllOf(HasSubstr("LstmCell"), HasSubstr("b_hh [4H] = [20]"), HasSubstr("got [1,20]")));
  const Var<double> gw_ih = in({4, 15}), gw_hh = in({5, 15}), gb = in(Shape{15});
  EXPECT_THAT(message_of<ShapeError>([&] { gru_cell(x, h, in({4, 20}), gw_hh, gb, gb); }),
              AllOf(HasSubstr("GruCell"), HasSubstr("w_ih [I,3H] = [4,15]"), HasSubstr("got [4,20]")));
  EXPECT_THAT(message_of<ShapeError>([&] { gru_cell(x, h, gw_ih, gw_hh, in(Shape{16}), gb); }),
              AllOf(HasSubstr("GruCell"), HasSubstr("b_ih [3H] = [15]"), HasSubstr("got [16]")));
  EXPECT_NO_THROW(gru_cell(x, h, gw_ih, gw_hh, gb, gb));
}

// A training step over a few cell steps, recorded again after clear(), allocates nothing.
TEST(RecurrentOps, SteadyStepAllocatesNothing) {
  const std::size_t n = 8, in = 6, hidden = 5;
  Parameter<float> w_ih("w_ih", uniform_tensor<float>({in, 4 * hidden}, 1)),
      w_hh("w_hh", uniform_tensor<float>({hidden, 4 * hidden}, 2)),
      b_ih("b_ih", uniform_tensor<float>(Shape{4 * hidden}, 3)), b_hh("b_hh", uniform_tensor<float>(Shape{4 * hidden}, 4));
  Parameter<float> g_ih("g_ih", uniform_tensor<float>({in, 3 * hidden}, 5)),
      g_hh("g_hh", uniform_tensor<float>({hidden, 3 * hidden}, 6)),
      gb_ih("gb_ih", uniform_tensor<float>(Shape{3 * hidden}, 7)), gb_hh("gb_hh", uniform_tensor<float>(Shape{3 * hidden}, 8));
  for (auto* p : {&w_ih, &w_hh, &b_ih, &b_hh, &g_ih, &g_hh, &gb_ih, &gb_hh}) p->zero_grad();
  const Tensor<float> x_value = uniform_tensor<float>({n, in}, 9), zeros(Shape{n, hidden});
  Graph<float> g;
  auto step = [&] {
    g.clear();
    const Var<float> x = g.input(x_value);
    LstmState<float> s{g.input(zeros), g.input(zeros)};
    Var<float> gh = g.input(zeros);
    for (int t = 0; t < 3; ++t) {
      s = lstm_cell(x, s.h, s.c, g.param(w_ih), g.param(w_hh), g.param(b_ih), g.param(b_hh));
      gh = gru_cell(x, gh, g.param(g_ih), g.param(g_hh), g.param(gb_ih), g.param(gb_hh));
    }
    g.backward(sum(s.h + gh));
  };
  step();
  step();
  const std::size_t before = testing::allocation_count();
  step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
