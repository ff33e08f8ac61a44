// Graph behaviour: fan-out accumulation, parameters, reuse after clear(), gradient
// accumulation across passes, evaluation mode, pruning, thread-count independence.
// Expected gradients are derived by hand and computed with plain loops here.
#include <cstring>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include "cgrad.h"
#include "expect_error.h"
#include "test_util.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;
using test::uniform_tensor;

// C = A.B with a naive loop.
Tensor<double> naive_matmul(const Tensor<double>& a, const Tensor<double>& b) {
  Tensor<double> c(a.rows(), b.cols());
  for (std::size_t i = 0; i < a.rows(); ++i)
    for (std::size_t j = 0; j < b.cols(); ++j)
      for (std::size_t k = 0; k < a.cols(); ++k) c(i, j) += a(i, k) * b(k, j);
  return c;
}

Tensor<double> naive_transpose(const Tensor<double>& a) {
  Tensor<double> t(a.cols(), a.rows());
  for (std::size_t i = 0; i < a.rows(); ++i)
    for (std::size_t j = 0; j < a.cols(); ++j) t(j, i) = a(i, j);
  return t;
}

void expect_near_all(const Tensor<double>& actual, const Tensor<double>& expected, double tolerance = 1e-12) {
  ASSERT_EQ(actual.shape(), expected.shape());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance * (1 + std::abs(expected[i]))) << "at " << i;
}

bool bit_equal(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Graph, LeafUsedTwiceAccumulates) {
  Parameter<double> x("x", uniform_tensor<double>(2, 3, 1));
  Graph<double> graph;
  Var<double> v = graph.param(x);
  // loss = 0.5 * sum((x + x)^2) = 2 sum(x^2)  =>  d/dx = 4x
  graph.backward(l2_reg(add(v, v), 1.0));
  for (std::size_t i = 0; i < x.value().size(); ++i) EXPECT_DOUBLE_EQ(x.grad()[i], 4 * x.value()[i]);
}

TEST(Graph, IntermediateUsedTwiceAccumulates) {
  Parameter<double> x("x", uniform_tensor<double>(2, 3, 2));
  Graph<double> graph;
  Var<double> h = scale(graph.param(x), 3.0);
  // loss = 0.5 * sum((h + h)^2) + 0.5 * 2 * sum(h^2) = 3 sum(h^2) = 27 sum(x^2)  =>  54x
  Var<double> loss = add(l2_reg(add(h, h), 1.0), l2_reg(h, 2.0));
  EXPECT_NEAR(loss.item(), 27 * [&] {
    double s = 0;
    for (double v : x.value().span()) s += v * v;
    return s;
  }(), 1e-12);
  graph.backward(loss);
  for (std::size_t i = 0; i < x.value().size(); ++i) EXPECT_NEAR(x.grad()[i], 54 * x.value()[i], 1e-12);
}

TEST(Graph, ParameterUsedInTwoPlaces) {
  const Tensor<double> xs = uniform_tensor<double>(5, 3, 3);
  Parameter<double> w("W", uniform_tensor<double>(3, 4, 4));
  const double lambda = 0.25;
  Graph<double> graph;
  // loss = 0.5 sum((X.W)^2) + 0.5 lambda sum(W^2)  =>  dW = X^T (X.W) + lambda W
  graph.backward(add(l2_reg(matmul(graph.input(xs), graph.param(w)), 1.0), l2_reg(graph.param(w), lambda)));
  Tensor<double> expected = naive_matmul(naive_transpose(xs), naive_matmul(xs, w.value()));
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += lambda * w.value()[i];
  expect_near_all(w.grad(), expected);
}

// One training-like step of a small network; returns the loss.
double step(Graph<double>& graph, const Tensor<double>& x, const std::vector<std::int32_t>& labels,
            Parameter<double>& w1, Parameter<double>& b1, Parameter<double>& w2, const double** hidden_buffer) {
  graph.clear();
  Var<double> hidden = relu(add_bias(matmul(graph.input(x), graph.param(w1)), graph.param(b1)));
  if (hidden_buffer != nullptr) *hidden_buffer = hidden.value().data();
  Var<double> loss = add(softmax_xent(matmul(hidden, graph.param(w2)), labels), l2_reg(graph.param(w2), 1e-3));
  w1.zero_grad();
  b1.zero_grad();
  w2.zero_grad();
  graph.backward(loss);
  return loss.item();
}

TEST(Graph, ClearedGraphIsReusedWithTheSameResults) {
  const test::Spiral data = test::spiral(10, 3, 5);
  Parameter<double> w1("W1", uniform_tensor<double>(2, 8, 6));
  Parameter<double> b1("b1", uniform_tensor<double>(1, 8, 7));
  Parameter<double> w2("W2", uniform_tensor<double>(8, 3, 8));
  Graph<double> graph;
  EXPECT_EQ(graph.size(), 0u);
  const double* first_buffer = nullptr;
  const double first_loss = step(graph, data.x, data.labels, w1, b1, w2, &first_buffer);
  const std::size_t nodes = graph.size();
  EXPECT_EQ(nodes, 12u);  // 5 leaves + matmul, add_bias, relu, matmul, softmax_xent, l2_reg, add
  const Tensor<double> g1 = w1.grad(), gb = b1.grad(), g2 = w2.grad();

  graph.clear();
  EXPECT_EQ(graph.size(), 0u);
  const double* second_buffer = nullptr;
  const double second_loss = step(graph, data.x, data.labels, w1, b1, w2, &second_buffer);
  EXPECT_EQ(graph.size(), nodes);
  EXPECT_EQ(second_loss, first_loss);
  EXPECT_EQ(second_buffer, first_buffer) << "a recurring shape should reuse its node's buffer";
  for (std::size_t i = 0; i < g1.size(); ++i) EXPECT_EQ(w1.grad()[i], g1[i]);
  for (std::size_t i = 0; i < gb.size(); ++i) EXPECT_EQ(b1.grad()[i], gb[i]);
  for (std::size_t i = 0; i < g2.size(); ++i) EXPECT_EQ(w2.grad()[i], g2[i]);
}

TEST(Graph, ParameterGradsAccumulateUntilZeroGrad) {
  const Tensor<double> xs = uniform_tensor<double>(4, 3, 9);
  Parameter<double> w("W", uniform_tensor<double>(3, 2, 10));
  Graph<double> graph;
  auto record = [&] { return l2_reg(matmul(graph.input(xs), graph.param(w)), 1.0); };
  const Tensor<double> once = naive_matmul(naive_transpose(xs), naive_matmul(xs, w.value()));

  graph.backward(record());
  expect_near_all(w.grad(), once);

  graph.clear();  // a second step without zero_grad adds to the first
  graph.backward(record());
  Tensor<double> twice = once;
  for (double& v : twice.span()) v *= 2;
  expect_near_all(w.grad(), twice);

  Var<double> loss = record();  // backward twice on one graph also accumulates
  graph.backward(loss);
  graph.backward(loss);
  Tensor<double> four_times = once;
  for (double& v : four_times.span()) v *= 4;
  expect_near_all(w.grad(), four_times);

  w.zero_grad();
  for (double v : w.grad().span()) EXPECT_EQ(v, 0.0);
  graph.clear();
  graph.backward(record());
  expect_near_all(w.grad(), once);
}

void expect_no_tape_but_values(Graph<double>& graph, Parameter<double>& w, const Tensor<double>& xs) {
  Var<double> y = matmul(graph.input(xs), graph.param(w));
  expect_near_all(y.value(), naive_matmul(xs, w.value()));
  Var<double> loss = l2_reg(y, 1.0);
  EXPECT_GT(loss.item(), 0.0);
  EXPECT_THROW(graph.backward(loss), GraphError);
  for (double v : w.grad().span()) EXPECT_EQ(v, 0.0);
}

TEST(Graph, NoGradGuardRecordsNoTapeButComputesValues) {
  const Tensor<double> xs = uniform_tensor<double>(4, 3, 11);
  Parameter<double> w("W", uniform_tensor<double>(3, 2, 12));
  Graph<double> graph;
  {
    NoGradGuard<double> no_grad(graph);
    EXPECT_FALSE(graph.grad_enabled());
    expect_no_tape_but_values(graph, w, xs);
  }
  EXPECT_TRUE(graph.grad_enabled());  // restored at the end of the scope
  graph.clear();
  graph.backward(l2_reg(matmul(graph.input(xs), graph.param(w)), 1.0));
  expect_near_all(w.grad(), naive_matmul(naive_transpose(xs), naive_matmul(xs, w.value())));
}

TEST(Graph, SetGradEnabledFalseRecordsNoTape) {
  const Tensor<double> xs = uniform_tensor<double>(4, 3, 13);
  Parameter<double> w("W", uniform_tensor<double>(3, 2, 14));
  Graph<double> graph;
  graph.set_grad_enabled(false);
  expect_no_tape_but_values(graph, w, xs);
  graph.set_grad_enabled(true);
  EXPECT_TRUE(graph.grad_enabled());
}

TEST(Graph, BackwardSkipsBranchesThatNeedNoGradient) {
  const Tensor<double> xs = uniform_tensor<double>(4, 3, 15);
  const Tensor<double> ys = uniform_tensor<double>(3, 2, 16);
  Parameter<double> w("W", uniform_tensor<double>(4, 2, 17));
  Parameter<double> unused("U", uniform_tensor<double>(4, 2, 18));
  Graph<double> graph;
  Var<double> constant = relu(matmul(graph.input(xs), graph.input(ys)));  // inputs only
  Var<double> dangling = l2_reg(graph.param(unused), 1.0);                 // not on the loss's path
  Var<double> loss = l2_reg(add(constant, graph.param(w)), 1.0);
  graph.backward(loss);

  EXPECT_FALSE(graph.node(constant.index()).requires_grad);
  EXPECT_FALSE(graph.node(constant.index()).grad_written);
  EXPECT_TRUE(graph.node(dangling.index()).requires_grad);
  EXPECT_FALSE(graph.node(dangling.index()).grad_written);
  for (double v : unused.grad().span()) EXPECT_EQ(v, 0.0);
  // d/dW 0.5 sum((C + W)^2) = C + W
  Tensor<double> expected = constant.value();
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += w.value()[i];
  expect_near_all(w.grad(), expected);
}

TEST(Graph, BackwardFromAParameterLeaf) {
  Parameter<double> s("s", Tensor<double>(1, 1, {3.0}));
  Graph<double> graph;
  graph.backward(graph.param(s));
  EXPECT_EQ(s.grad()[0], 1.0);
}

// backward(y, dy) reads dy where it is: the gradients are the same as from a copy, and
// grad(y) says that it kept none.
TEST(Graph, SeededBackwardReadsTheSeedInPlace) {
  Parameter<double> x("x", Tensor<double>(2, 2, {1.0, 2.0, 3.0, 4.0}));
  Parameter<double> w("w", Tensor<double>(2, 2, {1.0, -1.0, 2.0, 0.5}));
  const Tensor<double> dy(2, 2, {5.0, 6.0, -7.0, 8.0});
  Graph<double> graph;
  Var<double> in = graph.shared_param(x);
  Var<double> y = matmul(in, graph.param(w));
  graph.backward(y, dy);
  expect_near_all(graph.grad(in), naive_matmul(dy, naive_transpose(w.value())));
  expect_near_all(w.grad(), naive_matmul(naive_transpose(x.value()), dy));
  EXPECT_THAT(message_of<GraphError>([&] { graph.grad(y); }),
              AllOf(HasSubstr("MatMul"), HasSubstr("backward(output, output_grad) seeded")));
}

// A seed that is a gradient the pass writes (a node's or a Parameter's) is copied first:
// read in place, MatMul's backward would overwrite the seed while reading it (the square
// matrices are wider than one register tile, so a row is written before all of it is read).
TEST(Graph, SeedThatIsAGradientOfTheGraphIsCopiedFirst) {
  Parameter<double> x("x", uniform_tensor<double>(40, 40, 31));
  Parameter<double> w("w", uniform_tensor<double>(40, 40, 32));
  const Tensor<double> dy = uniform_tensor<double>(40, 40, 33);
  Graph<double> graph;
  Var<double> in = graph.shared_param(x);
  Var<double> y = matmul(in, graph.param(w));
  graph.backward(y, dy);
  const Tensor<double> first_dx = graph.grad(in);
  graph.backward(y, graph.grad(in));  // d/dx of <first_dx, x.w>
  expect_near_all(graph.grad(in), naive_matmul(first_dx, naive_transpose(w.value())));

  const Tensor<double> seed = w.grad();
  graph.backward(y, w.grad());  // adds x^T seed into the very tensor it reads
  Tensor<double> expected = naive_matmul(naive_transpose(x.value()), seed);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += seed[i];
  expect_near_all(w.grad(), expected);
}

struct MatMulRun {
  Tensor<float> value, grad_a, grad_b;
};

MatMulRun run_big_matmul(int threads) {
  const oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                          static_cast<std::size_t>(threads));
  Parameter<float> a("A", uniform_tensor<float>(300, 257, 19));
  Parameter<float> b("B", uniform_tensor<float>(257, 130, 20));
  const Tensor<float> r = uniform_tensor<float>(300, 130, 21);
  Graph<float> graph;
  Var<float> y = matmul(graph.param(a), graph.param(b));
  graph.backward(y, r);
  return {y.value(), a.grad(), b.grad()};
}

TEST(Graph, MatMulIsBitIdenticalForOneAndTwoThreads) {
  const MatMulRun one = run_big_matmul(1);
  const MatMulRun two = run_big_matmul(2);
  EXPECT_TRUE(bit_equal(one.value, two.value));
  EXPECT_TRUE(bit_equal(one.grad_a, two.grad_a));
  EXPECT_TRUE(bit_equal(one.grad_b, two.grad_b));
}

}  // namespace
}  // namespace cgrad

namespace cgrad {
namespace {

// A node takes at most kMaxOpInputs inputs: one more is refused before anything is written.
TEST(GraphLimits, BeginRefusesMoreInputsThanTheLimit) {
  static constexpr OpInfo<double> kNothing{"Nothing", [](const Graph<double>&, Node<double>&) {},
                                           [](Graph<double>&, const Node<double>&) {}};
  Graph<double> g;
  const Var<double> x = g.input(Tensor<double>(Shape{1}, {1.0}));
  std::vector<Var<double>> inputs(kMaxOpInputs + 1, x);
  EXPECT_THROW(g.begin(kNothing, std::span<const Var<double>>(inputs), Shape{1}, std::source_location::current()),
               ValueError);
  const std::size_t nodes = g.size();
  inputs.pop_back();
  EXPECT_NO_THROW(g.begin(kNothing, std::span<const Var<double>>(inputs), Shape{1}, std::source_location::current()));
  EXPECT_EQ(g.size(), nodes + 1);
}

// A Parameter changed between the forward pass and backward (an optimizer step, a load, a
// write) would get the gradient of another point: backward refuses, naming it.
TEST(StaleParameters, BackwardRefusesAParameterChangedAfterTheForwardPass) {
  Parameter<double> w("layer.weight", Tensor<double>(1, 2, {1, 2}));
  Graph<double> g;
  const Var<double> loss = l2_reg(g.param(w), 1.0);
  w.mutable_value()[0] = 5;
  try {
    g.backward(loss);
    ADD_FAILURE() << "no GraphError";
  } catch (const GraphError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'layer.weight' was changed after the forward pass"));
  }
}

TEST(StaleParameters, AnOptimizerStepBetweenForwardAndBackwardIsRefused) {
  Parameter<double> w("w", Tensor<double>(1, 2, {1, 2}));
  Sgd<double> sgd({&w}, {.lr = 0.1});
  Graph<double> g;
  const Var<double> loss = l2_reg(g.param(w), 1.0);
  sgd.step();
  EXPECT_THROW(g.backward(loss), GraphError);
}

TEST(StaleParameters, ReadingIsNoChangeAndARecordedPassAfterTheChangeWorks) {
  Parameter<double> w("w", Tensor<double>(1, 2, {1, 2}));
  Graph<double> g;
  Var<double> loss = l2_reg(g.param(w), 1.0);
  double sum = 0;
  for (double v : w.value().span()) sum += v;  // reading: no change
  EXPECT_EQ(sum, 3);
  EXPECT_NO_THROW(g.backward(loss));
  w.mutable_value()[0] = 5;
  g.clear();
  loss = l2_reg(g.param(w), 1.0);
  w.zero_grad();
  g.backward(loss);
  EXPECT_EQ(w.grad()[0], 5);
}

}  // namespace
}  // namespace cgrad
