// Anomaly mode: the first NaN or Inf, forward or backward, is reported with the op, the
// pass, the node's index on the tape and the line of this file that recorded it.
#include <cmath>
#include <limits>
#include <source_location>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// "test_anomaly.cpp:42" for the line `where` was taken on.
std::string file_line(std::source_location where) {
  const std::string path = where.file_name();
  return fmt::format("{}:{}", path.substr(path.find_last_of('/') + 1), where.line());
}

template <class Action>
std::string numeric_error_of(Action action) {
  try {
    action();
  } catch (const NumericError& e) {
    fmt::print("NumericError: {}\n", e.what());  // the text a user sees, for the log
    return e.what();
  }
  ADD_FAILURE() << "no NumericError";
  return {};
}

TEST(Anomaly, NaNInAParameterIsReportedAtTheFirstOpThatReadsIt) {
  Parameter<double> w("w", Tensor<double>(2, 2, {1, 2, std::numeric_limits<double>::quiet_NaN(), 4}));
  Graph<double> graph;
  DetectAnomaly guard;
  Var<double> x = graph.input(Tensor<double>::full(3, 2, 1.0));  // node 0
  Var<double> p = graph.param(w);                                // node 1
  std::source_location where;
  const std::string message = numeric_error_of([&] {
    where = std::source_location::current(); matmul(x, p);  // node 2
  });
  EXPECT_THAT(message, AllOf(HasSubstr("MatMul"), HasSubstr("forward"), HasSubstr("nan"), HasSubstr("node 2"),
                             HasSubstr(file_line(where))));
  EXPECT_EQ(graph.size(), 3u);
}

// Forward finite, backward not: two Scales by 1e308 on a subnormal x give 1e306, whose
// softmax gradient (about 1) times 1e308 times 1e308 overflows in the inner Scale.
TEST(Anomaly, InfWrittenInBackwardNamesTheOpAndTheOperand) {
  Parameter<double> x("x", Tensor<double>(1, 2, {1e-310, 0.0}));
  Graph<double> graph;
  DetectAnomaly guard;
  const std::source_location inner = std::source_location::current(); Var<double> h = scale(graph.param(x), 1e308);
  Var<double> loss = softmax_xent(scale(h, 1e308), std::vector<std::int32_t>{1});
  ASSERT_TRUE(std::isfinite(loss.item()));
  const std::string message = numeric_error_of([&] { graph.backward(loss); });
  EXPECT_THAT(message, AllOf(HasSubstr("Scale backward"), HasSubstr("inf"), HasSubstr("operand 1"),
                             HasSubstr("Parameter 'x'"), HasSubstr("node 1 of the tape"),
                             HasSubstr(file_line(inner))));
}

TEST(Anomaly, OffByDefaultAndNaNsPassSilently) {
  EXPECT_FALSE(anomaly_detection_enabled());
  Parameter<float> w("w", Tensor<float>(1, 2, {std::numeric_limits<float>::quiet_NaN(), 1.0f}));
  Graph<float> graph;
  Var<float> loss = l2_reg(graph.param(w), 1.0f);
  EXPECT_NO_THROW(graph.backward(loss));
  EXPECT_TRUE(std::isnan(loss.item()));
}

TEST(Anomaly, ChecksEvaluationWithoutATapeToo) {
  Graph<float> graph;
  NoGradGuard<float> no_grad(graph);
  DetectAnomaly guard;
  const Tensor<float> huge = Tensor<float>::full(1, 1, 3e38f);
  EXPECT_THAT(numeric_error_of([&] { add(graph.input(huge), graph.input(huge)); }),
              AllOf(HasSubstr("Add forward"), HasSubstr("inf")));
}

TEST(Anomaly, GuardsNestAndAreThreadLocal) {
  {
    DetectAnomaly on;
    EXPECT_TRUE(anomaly_detection_enabled());
    bool other_thread_sees_it = true;
    std::thread([&] { other_thread_sees_it = anomaly_detection_enabled(); }).join();
    EXPECT_FALSE(other_thread_sees_it);
    {
      DetectAnomaly off(false);
      EXPECT_FALSE(anomaly_detection_enabled());
    }
    EXPECT_TRUE(anomaly_detection_enabled());
  }
  EXPECT_FALSE(anomaly_detection_enabled());
}

}  // namespace
}  // namespace cgrad

namespace cgrad {
namespace {

// The recorded location is the user's line for operators too (they capture it through
// their Operand's defaulted argument), not ops/operators.h.
template <Real T>
std::string recorded(Var<T> v) {
  return file_line(v.graph()->node(v.index()).location);
}

TEST(AnomalyLocation, OperatorsRecordTheUsersLine) {
  Graph<double> g;
  const Var<double> a = g.input(Tensor<double>(Shape{2}, {1, 2}));
  // The operators and the expected location on one line.
  const Var<double> sum = a + a, product = a * 2.0, quotient = 1.0 / a, negated = -a; const auto line = std::source_location::current();
  for (const Var<double>& v : {sum, product, quotient, negated}) EXPECT_EQ(recorded(v), file_line(line));
}

TEST(AnomalyLocation, FunctionsRecordTheUsersLine) {
  Graph<double> g;
  const Var<double> a = g.input(Tensor<double>(Shape{2}, {1, 2}));
  const Var<double> y = relu(a); const auto line = std::source_location::current();
  EXPECT_EQ(recorded(y), file_line(line));
}

TEST(AnomalyLocation, ModulesRecordTheLineThatCalledThem) {
  Graph<double> g;
  Rng rng(1);
  Mlp<double> mlp({2, 3, 1}, he<double>(rng));
  const Var<double> x = g.input(Tensor<double>(1, 2, {1, 2}));
  const Var<double> y = mlp.forward(g, x); const auto line = std::source_location::current();
  for (std::size_t i = 0; i < g.size(); ++i) {
    const Node<double>& node = g.node(static_cast<std::uint32_t>(i));
    if (node.op != nullptr || node.parameter != nullptr) {
      EXPECT_EQ(file_line(node.location), file_line(line)) << node.name();
    }
  }
  EXPECT_EQ(recorded(y), file_line(line));
}

TEST(AnomalyLocation, TheMessageNamesTheOperatorsLine) {
  const DetectAnomaly anomaly;
  Graph<double> g;
  const Var<double> zero = g.input(Tensor<double>(Shape{1}, {0.0}));
  std::source_location line;
  const std::string message = numeric_error_of([&] { line = std::source_location::current(); (void)(zero / zero); });
  EXPECT_THAT(message, HasSubstr(file_line(line)));
}

}  // namespace
}  // namespace cgrad
