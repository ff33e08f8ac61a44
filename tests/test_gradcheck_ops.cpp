// The table-driven gradient check: every op of the library, every differentiable input,
// several shapes (1x1, non-square, the spiral's), against central differences in float64.
// An op in all_ops() without a case here fails GradCheck.EveryOpHasACase, and an op file
// in ops/ that is not registered fails GradCheck.EveryOpFileIsRegistered.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <source_location>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "ops/op_support.h"
#include "test_util.h"

namespace cgrad {
namespace {

using test::away_from_zero_tensor;
using test::random_labels;
using test::uniform_tensor;

constexpr double kTolerance = 1e-6;

GradCheckOptions options() {
  GradCheckOptions o;
  o.tolerance = kTolerance;
  return o;
}

// One row of the table: an op, the shapes it is checked at, and the check itself.
struct OpCase {
  std::string op;  // OpInfo::name
  std::string shapes;
  std::function<GradCheckResult()> run;
};

OpCase matmul_case(std::size_t m, std::size_t k, std::size_t n, std::uint64_t seed) {
  return {"MatMul", fmt::format("[{},{}]x[{},{}]", m, k, k, n), [=] {
            Parameter<double> a("A", uniform_tensor<double>(m, k, seed));
            Parameter<double> b("B", uniform_tensor<double>(k, n, seed + 1));
            return gradcheck([&](Graph<double>& g) { return matmul(g.param(a), g.param(b)); }, {&a, &b},
                             options());
          }};
}

OpCase add_bias_case(std::size_t m, std::size_t n, std::uint64_t seed) {
  return {"AddBias", fmt::format("[{},{}]+[1,{}]", m, n, n), [=] {
            Parameter<double> x("X", uniform_tensor<double>(m, n, seed));
            Parameter<double> b("b", uniform_tensor<double>(1, n, seed + 1));
            return gradcheck([&](Graph<double>& g) { return add_bias(g.param(x), g.param(b)); }, {&x, &b},
                             options());
          }};
}

OpCase relu_case(std::size_t m, std::size_t n, std::uint64_t seed) {
  return {"ReLU", fmt::format("[{},{}]", m, n), [=] {
            Parameter<double> x("X", away_from_zero_tensor<double>(m, n, seed));
            return gradcheck([&](Graph<double>& g) { return relu(g.param(x)); }, {&x}, options());
          }};
}

// scale_logits > 1 makes the softmax confident, exercising the max-shift.
OpCase softmax_xent_case(std::size_t m, std::size_t classes, std::uint64_t seed, double scale_logits = 1.0) {
  return {"SoftmaxXent", fmt::format("[{},{}] logits x{}", m, classes, scale_logits), [=] {
            Parameter<double> s("scores", uniform_tensor<double>(m, classes, seed, -scale_logits, scale_logits));
            const std::vector<std::int32_t> labels =
                random_labels(m, static_cast<std::int32_t>(classes), seed + 1);
            return gradcheck([&](Graph<double>& g) { return softmax_xent(g.param(s), labels); }, {&s},
                             options());
          }};
}

OpCase l2_reg_case(std::size_t m, std::size_t n, double lambda, std::uint64_t seed) {
  return {"L2Reg", fmt::format("[{},{}] lambda {}", m, n, lambda), [=] {
            Parameter<double> w("W", uniform_tensor<double>(m, n, seed));
            return gradcheck([&](Graph<double>& g) { return l2_reg(g.param(w), lambda); }, {&w}, options());
          }};
}

OpCase add_case(std::size_t m, std::size_t n, std::uint64_t seed) {
  return {"Add", fmt::format("[{},{}]+[{},{}]", m, n, m, n), [=] {
            Parameter<double> a("a", uniform_tensor<double>(m, n, seed));
            Parameter<double> b("b", uniform_tensor<double>(m, n, seed + 1));
            return gradcheck([&](Graph<double>& g) { return add(g.param(a), g.param(b)); }, {&a, &b},
                             options());
          }};
}

OpCase scale_case(std::size_t m, std::size_t n, double factor, std::uint64_t seed) {
  return {"Scale", fmt::format("[{},{}] x{}", m, n, factor), [=] {
            Parameter<double> x("X", uniform_tensor<double>(m, n, seed));
            return gradcheck([&](Graph<double>& g) { return scale(g.param(x), factor); }, {&x}, options());
          }};
}

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = {
      matmul_case(1, 1, 1, 10),
      matmul_case(3, 5, 4, 11),
      matmul_case(300, 2, 100, 12),
      matmul_case(300, 100, 3, 13),
      add_bias_case(1, 1, 20),
      add_bias_case(3, 5, 21),
      add_bias_case(300, 100, 22),
      relu_case(1, 1, 30),
      relu_case(3, 5, 31),
      relu_case(300, 100, 32),
      softmax_xent_case(1, 1, 40),
      softmax_xent_case(1, 3, 41),
      softmax_xent_case(3, 5, 42),
      softmax_xent_case(4, 3, 43, 30.0),
      softmax_xent_case(300, 3, 44),
      l2_reg_case(1, 1, 0.5, 50),
      l2_reg_case(3, 5, 2.0, 51),
      l2_reg_case(2, 100, 1e-3, 52),
      l2_reg_case(100, 3, 1e-3, 53),
      add_case(1, 1, 60),
      add_case(3, 5, 61),
      add_case(300, 3, 62),
      add_case(2, 100, 63),
      scale_case(1, 1, -2.5, 70),
      scale_case(3, 5, 0.5, 71),
      scale_case(300, 2, 3.0, 72),
      scale_case(2, 100, 0.0, 73),
  };
  return cases;
}

// Runs every case of `op`; prints the worst relative error so the lead can quote it.
void check_op(const std::string& op) {
  double worst = 0;
  std::size_t count = 0;
  for (const OpCase& c : op_cases()) {
    if (c.op != op) continue;
    ++count;
    const GradCheckResult result = c.run();
    EXPECT_TRUE(result.passed) << op << " " << c.shapes << ": " << result.summary();
    EXPECT_GT(result.entries_checked, 0u) << op << " " << c.shapes;
    worst = std::max(worst, result.max_relative_error);
    fmt::print("  {} {}: {}\n", op, c.shapes, result.summary());
  }
  ASSERT_GT(count, 0u) << "no gradient-check case for " << op;
  fmt::print("GradCheck.{} worst {:.2g} over {} cases\n", op, worst, count);
}

TEST(GradCheck, MatMul) { check_op("MatMul"); }
TEST(GradCheck, AddBias) { check_op("AddBias"); }
TEST(GradCheck, ReLU) { check_op("ReLU"); }
TEST(GradCheck, SoftmaxXent) { check_op("SoftmaxXent"); }
TEST(GradCheck, L2Reg) { check_op("L2Reg"); }
TEST(GradCheck, Add) { check_op("Add"); }
TEST(GradCheck, Scale) { check_op("Scale"); }

// The TESTs above are written by hand; this one makes sure none is missing.
constexpr const char* kOpsWithATest[] = {"MatMul", "AddBias", "ReLU", "SoftmaxXent", "L2Reg", "Add", "Scale"};

TEST(GradCheck, EveryOpHasACase) {
  std::set<std::string> in_table;
  for (const OpCase& c : op_cases()) in_table.insert(c.op);
  const std::set<std::string> with_test(std::begin(kOpsWithATest), std::end(kOpsWithATest));
  std::set<std::string> registered;
  for (const OpInfo<double>* op : all_ops<double>()) {
    const std::string name(op->name);
    registered.insert(name);
    EXPECT_TRUE(in_table.contains(name)) << "op " << name << " has no case in the gradient-check table";
    EXPECT_TRUE(with_test.contains(name)) << "op " << name << " has no TEST(GradCheck, " << name << ")";
  }
  for (const std::string& name : in_table)
    EXPECT_TRUE(registered.contains(name)) << "the table checks " << name << ", which all_ops() does not list";
  EXPECT_EQ(registered.size(), all_ops<double>().size()) << "two ops share a name";
}

TEST(GradCheck, EveryOpFileIsRegistered) {
  const std::filesystem::path ops_dir = std::filesystem::path(CGRAD_SOURCE_DIR) / "ops";
  ASSERT_TRUE(std::filesystem::is_directory(ops_dir)) << ops_dir;
  std::vector<std::string> op_files;
  // Not recursive: kernels/ holds no ops.
  for (const auto& entry : std::filesystem::directory_iterator(ops_dir))
    if (entry.is_regular_file() && entry.path().extension() == ".cpp") op_files.push_back(entry.path().filename().string());
  std::sort(op_files.begin(), op_files.end());
  EXPECT_EQ(op_files.size(), all_ops<double>().size())
      << "op files in ops/: " << fmt::format("{}", fmt::join(op_files, ", "))
      << "; every op file must be listed in ops/registry.h";
}

// ---- gradcheck must catch a wrong gradient ----

void square_forward(const Graph<double>& graph, Node<double>& node) {
  const Tensor<double>& x = graph.value(node.inputs[0]);
  for (std::size_t i = 0; i < x.size(); ++i) node.value[i] = x[i] * x[i];
}

void square_backward(Graph<double>& graph, const Node<double>& node) {
  const Tensor<double>& x = graph.value(node.inputs[0]);
  if (GradOut<double> dx = graph.grad_out(node.inputs[0]))
    detail::write_grad(dx, [&](std::size_t i) { return 2 * x[i] * node.grad[i]; });
}

// The bug under test: d(x^2)/dx taken as x instead of 2x.
void wrong_square_backward(Graph<double>& graph, const Node<double>& node) {
  const Tensor<double>& x = graph.value(node.inputs[0]);
  if (GradOut<double> dx = graph.grad_out(node.inputs[0]))
    detail::write_grad(dx, [&](std::size_t i) { return x[i] * node.grad[i]; });
}

constexpr OpInfo<double> kSquare{"Square", &square_forward, &square_backward};
constexpr OpInfo<double> kWrongSquare{"WrongSquare", &square_forward, &wrong_square_backward};

Var<double> record(const OpInfo<double>& op, Var<double> x) {
  Graph<double>& graph = detail::graph_of(op.name, x);
  return graph.finish(graph.begin(op, {x}, x.shape(), std::source_location::current()));
}

TEST(GradCheck, PassesACorrectHandWrittenOp) {
  Parameter<double> x("X", uniform_tensor<double>(3, 4, 80));
  const GradCheckResult result =
      gradcheck([&](Graph<double>& g) { return record(kSquare, g.param(x)); }, {&x}, options());
  EXPECT_TRUE(result.passed) << result.summary();
}

TEST(GradCheck, CatchesAWrongGradient) {
  Parameter<double> x("X", uniform_tensor<double>(3, 4, 80));
  const GradCheckResult result =
      gradcheck([&](Graph<double>& g) { return record(kWrongSquare, g.param(x)); }, {&x}, options());
  EXPECT_FALSE(result.passed) << result.summary();
  // analytic x vs numeric 2x: a relative error of 1/2 wherever x is not tiny.
  EXPECT_NEAR(result.max_relative_error, 0.5, 1e-6) << result.summary();
  EXPECT_EQ(result.parameter, "X");
  EXPECT_EQ(result.entries_checked, 12u);
}

TEST(GradCheck, CatchesAWrongGradientInAScalarLoss) {
  Parameter<double> x("X", uniform_tensor<double>(2, 3, 81));
  const GradCheckResult result = gradcheck(
      [&](Graph<double>& g) { return l2_reg(record(kWrongSquare, g.param(x)), 1.0); }, {&x}, options());
  EXPECT_FALSE(result.passed) << result.summary();
}

TEST(GradCheck, LeavesParametersAsTheyWere) {
  Parameter<double> w("W", uniform_tensor<double>(3, 2, 90));
  w.grad() = uniform_tensor<double>(3, 2, 91);
  const Tensor<double> value = w.value();
  const Tensor<double> grad = w.grad();
  Parameter<double> x("X", uniform_tensor<double>(4, 3, 92));
  const GradCheckResult result =
      gradcheck([&](Graph<double>& g) { return matmul(g.param(x), g.param(w)); }, {&x, &w}, options());
  EXPECT_TRUE(result.passed) << result.summary();
  for (std::size_t i = 0; i < value.size(); ++i) {
    EXPECT_EQ(w.value()[i], value[i]);
    EXPECT_EQ(w.grad()[i], grad[i]);
  }
}

}  // namespace
}  // namespace cgrad
