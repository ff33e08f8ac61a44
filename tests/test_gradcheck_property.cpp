// Property-based gradient checks: random programs over every op (random shapes, up to 8
// ops deep, values used several times, one Parameter entering the graph in several
// places) must pass the float64 gradcheck. A failure prints the seed and the program;
//   CGRAD_PROPERTY_SEED=<seed> ./cgrad_tests --gtest_filter='GradCheckProperty.*'
// replays that one case (CGRAD_PROPERTY_CASES=<n> runs more or fewer).
#include <array>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "test_util.h"

namespace cgrad {
namespace {

enum class Kind { Param, Input, MatMul, AddBias, ReLU, SoftmaxXent, L2Reg, Add, Scale };
constexpr std::array kOps = {Kind::MatMul, Kind::AddBias, Kind::ReLU, Kind::SoftmaxXent,
                             Kind::L2Reg,  Kind::Add,     Kind::Scale};
constexpr std::array<const char*, 9> kNames = {"param", "input", "matmul", "add_bias", "relu",
                                               "softmax_xent", "l2_reg", "add", "scale"};

// One value of a program: a leaf (a Parameter or a constant input, by index) or an op on
// earlier values a and b.
struct Value {
  Kind kind;
  Shape shape;
  std::size_t a = 0, b = 0;  // operands, or for a leaf the index of its parameter or input
  double attribute = 0;      // Scale's factor, L2Reg's lambda
  std::vector<std::int32_t> labels{};
};

struct Program {
  std::vector<Parameter<double>> params;
  std::vector<Tensor<double>> inputs;
  std::vector<Value> values;  // the last one is the output
  bool fan_out = false, shared_param = false;

  Var<double> record(Graph<double>& g) const {
    std::vector<Var<double>> vars;
    for (const Value& v : values) {
      switch (v.kind) {
        case Kind::Param: vars.push_back(g.param(const_cast<Parameter<double>&>(params[v.a]))); break;
        case Kind::Input: vars.push_back(g.input(inputs[v.a])); break;
        case Kind::MatMul: vars.push_back(matmul(vars[v.a], vars[v.b])); break;
        case Kind::AddBias: vars.push_back(add_bias(vars[v.a], vars[v.b])); break;
        case Kind::ReLU: vars.push_back(relu(vars[v.a])); break;
        case Kind::SoftmaxXent: vars.push_back(softmax_xent(vars[v.a], v.labels)); break;
        case Kind::L2Reg: vars.push_back(l2_reg(vars[v.a], v.attribute)); break;
        case Kind::Add: vars.push_back(add(vars[v.a], vars[v.b])); break;
        case Kind::Scale: vars.push_back(scale(vars[v.a], v.attribute)); break;
      }
    }
    return vars.back();
  }

  // "v0=param0[2,3] v1=param1[3,1] v2=matmul(v0,v1) v3=relu(v2)"
  std::string describe() const {
    std::string text;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const Value& v = values[i];
      const auto name = kNames[static_cast<std::size_t>(v.kind)];
      if (v.kind == Kind::Param || v.kind == Kind::Input) {
        text += fmt::format("v{}={}{}[{},{}] ", i, name, v.a, v.shape.rows(), v.shape.cols());
      } else {
        const bool binary = v.kind == Kind::MatMul || v.kind == Kind::AddBias || v.kind == Kind::Add;
        text += binary ? fmt::format("v{}={}(v{},v{}) ", i, name, v.a, v.b) : fmt::format("v{}={}(v{}) ", i, name, v.a);
      }
    }
    return text;
  }
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : engine_(seed) {}

  Program generate() {
    Program program;
    program_ = &program;
    for (int i = uniform(1, 2); i > 0; --i) leaf({dim(), dim()});
    const int ops = uniform(1, 8);
    for (int i = 0; i < ops; ++i) add_op(kOps[static_cast<std::size_t>(uniform(0, kOps.size() - 1))]);
    return program;
  }

 private:
  int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  bool coin(double p) { return std::bernoulli_distribution(p)(engine_); }
  std::size_t dim() { return static_cast<std::size_t>(uniform(1, 4)); }
  double magnitude(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(engine_) * (coin(0.5) ? -1 : 1);
  }
  std::size_t push(Value v) {
    program_->values.push_back(std::move(v));
    uses_.push_back(0);
    return program_->values.size() - 1;
  }
  void use(std::size_t value) { program_->fan_out = program_->fan_out || ++uses_[value] == 2; }

  // A new leaf: mostly a Parameter, sometimes the same Parameter again.
  std::size_t leaf(Shape shape) {
    std::vector<std::size_t> same_shape;
    for (std::size_t i = 0; i < program_->params.size(); ++i)
      if (program_->params[i].shape() == shape) same_shape.push_back(i);
    if (!same_shape.empty() && coin(0.5)) {
      program_->shared_param = true;
      return push({.kind = Kind::Param, .shape = shape,
                   .a = same_shape[static_cast<std::size_t>(uniform(0, same_shape.size() - 1))]});
    }
    const std::uint64_t seed = engine_();
    if (coin(0.8)) {
      program_->params.emplace_back(fmt::format("P{}", program_->params.size()),
                                    test::uniform_tensor<double>(shape, seed));
      return push({.kind = Kind::Param, .shape = shape, .a = program_->params.size() - 1});
    }
    program_->inputs.push_back(test::uniform_tensor<double>(shape, seed));
    return push({.kind = Kind::Input, .shape = shape, .a = program_->inputs.size() - 1});
  }

  // An operand of `shape`: an existing value (fan-out) or a new leaf.
  std::size_t operand(Shape shape) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < program_->values.size(); ++i)
      if (program_->values[i].shape == shape) candidates.push_back(i);
    if (!candidates.empty() && coin(0.5)) return candidates[static_cast<std::size_t>(uniform(0, candidates.size() - 1))];
    return leaf(shape);
  }

  // Mostly the latest value, so programs grow deep; sometimes any earlier one.
  std::size_t pick() {
    const std::size_t n = program_->values.size();
    return coin(0.6) ? n - 1 : static_cast<std::size_t>(uniform(0, static_cast<int>(n) - 1));
  }

  void add_op(Kind kind) {
    const std::size_t x = pick();
    const Shape s = program_->values[x].shape;
    // A loss is a scalar: the matrix ops take something elementwise in its place.
    if (s.rank() == 0 && (kind == Kind::MatMul || kind == Kind::AddBias || kind == Kind::SoftmaxXent)) kind = Kind::Add;
    Value v{.kind = kind, .shape = s, .a = x};
    switch (kind) {
      case Kind::MatMul: {
        const std::size_t b = operand({s.cols(), dim()});
        v.b = b;
        v.shape = {s.rows(), program_->values[b].shape.cols()};
        break;
      }
      case Kind::AddBias: v.b = operand({1, s.cols()}); break;
      case Kind::Add: v.b = operand(s); break;
      case Kind::SoftmaxXent:
        v.shape = Shape{};
        v.labels = test::random_labels(s.rows(), static_cast<std::int32_t>(s.cols()), engine_());
        break;
      case Kind::L2Reg: v.shape = Shape{}; v.attribute = std::abs(magnitude(0.1, 1.0)); break;
      case Kind::Scale: v.attribute = magnitude(0.5, 2.0); break;
      default: break;
    }
    use(x);
    if (kind == Kind::MatMul || kind == Kind::AddBias || kind == Kind::Add) use(v.b);
    push(std::move(v));
  }

  std::mt19937_64 engine_;
  Program* program_ = nullptr;
  std::vector<int> uses_;  // how many ops read each value
};

// Central differences straddle ReLU's kink when an input is within about step * (the
// sensitivity) of 0; such samples are re-drawn. Exact zeros (a ReLU of a ReLU's zero) stay
// exactly zero under perturbation, so they are fine.
bool relu_inputs_clear_of_the_kink(const Program& program) {
  constexpr double kMargin = 1e-2;
  Graph<double> g;
  program.record(g);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (g.node(static_cast<std::uint32_t>(i)).op != &relu_op<double>()) continue;
    for (double x : g.value(g.node(static_cast<std::uint32_t>(i)).inputs[0]).span())
      if (x != 0 && std::abs(x) < kMargin) return false;
  }
  return true;
}

bool depends_on_a_parameter(const Program& program) {
  Graph<double> g;
  return g.node(program.record(g).index()).requires_grad;
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr ? std::strtoull(text, nullptr, 10) : fallback;
}

TEST(GradCheckProperty, RandomProgramsPassTheFloat64Check) {
  constexpr std::uint64_t kBaseSeed = 20261127;
  const char* replay = std::getenv("CGRAD_PROPERTY_SEED");
  const std::uint64_t cases = replay != nullptr ? 1 : env_or("CGRAD_PROPERTY_CASES", 200);
  std::array<int, kNames.size()> op_count{};
  int checked = 0, fan_out = 0, shared = 0, redrawn = 0;
  for (std::uint64_t i = 0; i < cases; ++i) {
    const std::uint64_t seed = replay != nullptr ? env_or("CGRAD_PROPERTY_SEED", 0) : kBaseSeed + i;
    // Redraw (from seeds derived from this one) until the sample is clear of ReLU kinks.
    Program program;
    for (std::uint64_t attempt = 0;; ++attempt) {
      program = Generator(seed * 1000 + attempt).generate();
      if (depends_on_a_parameter(program) && relu_inputs_clear_of_the_kink(program)) break;
      ++redrawn;
    }
    const std::string description = program.describe();
    SCOPED_TRACE(fmt::format("CGRAD_PROPERTY_SEED={}: {}", seed, description));
    std::vector<Parameter<double>*> params;
    for (Parameter<double>& p : program.params) params.push_back(&p);
    const GradCheckResult result = gradcheck([&](Graph<double>& g) { return program.record(g); }, params,
                                             {.tolerance = 1e-6, .floor = 1e-4});
    EXPECT_TRUE(result.passed) << result.summary();
    for (const Value& v : program.values) ++op_count[static_cast<std::size_t>(v.kind)];
    fan_out += program.fan_out;
    shared += program.shared_param;
    ++checked;
  }
  fmt::print("GradCheckProperty: {} programs ({} redrawn near a ReLU kink), {} with fan-out, {} with a shared "
             "parameter; ops:", checked, redrawn, fan_out, shared);
  for (std::size_t k = 0; k < kNames.size(); ++k) fmt::print(" {} {}", kNames[k], op_count[k]);
  fmt::print("\n");
  if (replay == nullptr && cases >= 100) {  // the generator must reach everything it claims to test
    for (Kind op : kOps) EXPECT_GT(op_count[static_cast<std::size_t>(op)], 0) << kNames[static_cast<std::size_t>(op)];
    EXPECT_GT(fan_out, 0);
    EXPECT_GT(shared, 0);
  }
}

}  // namespace
}  // namespace cgrad
