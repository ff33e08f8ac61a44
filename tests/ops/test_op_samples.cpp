// The op suite: every sample of every op (tests/ops/*_samples.cpp) through each check.
//   Float64GradCheck: backward against central differences, relative error <= 1e-6; at a
//     kink, a subgradient between the one-sided differences.
//   Float32MatchesFloat64: the float32 forward values and gradients against float64's.
//   SameBitsOnOneAndTwoThreads: results do not depend on the thread count.
// NumPy's forward values are compared by tests/ops/check_numpy.py (ctest: Ops.NumPyForward).
// And coverage: every registered op has samples, every op file in ops/ is registered.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

constexpr double kFloat64Tolerance = 1e-6;

template <Real T>
Tensor<T> cast(const Tensor<double>& t) {
  Tensor<T> out(t.shape());
  for (std::size_t i = 0; i < t.size(); ++i) out[i] = static_cast<T>(t[i]);
  return out;
}

// The output and the input gradients of a sample in precision T, for a projection r of
// the output drawn from a fixed seed.
template <Real T>
struct SampleRun {
  Tensor<T> output;
  std::vector<Tensor<T>> grads;
};

template <Real T>
SampleRun<T> run(const OpSample& s) {
  std::vector<Parameter<T>> params;
  params.reserve(s.inputs.size());
  for (std::size_t i = 0; i < s.inputs.size(); ++i) params.emplace_back(fmt::format("x{}", i), cast<T>(s.inputs[i]));
  Graph<T> graph;
  std::vector<Var<T>> vars;
  for (Parameter<T>& p : params) vars.push_back(graph.param(p));
  Var<T> y;
  if constexpr (std::is_same_v<T, double>) {
    y = s.f64(graph, vars);
  } else {
    y = s.f32(graph, vars);
  }
  SampleRun<T> result{y.value(), {}};
  graph.backward(y, cast<T>(uniform(y.shape(), 12345)));
  for (Parameter<T>& p : params) result.grads.push_back(p.grad());
  return result;
}

std::string name_of(const OpSample& s, std::size_t index) {
  std::string name = fmt::format("{}_{}", index, s.op);
  for (char c : s.label) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

class OpSamples : public ::testing::TestWithParam<std::size_t> {
 protected:
  const OpSample& sample() const { return all_samples()[GetParam()]; }
};

// `through_an_op`: each input enters through a Scale by 1 (exact), so the op's backward is
// the first writer of its inputs' gradients and must overwrite them (a Parameter's grad is
// added to instead). Both paths are checked for every sample.
void float64_gradcheck(const OpSample& s, bool through_an_op) {
  std::vector<Parameter<double>> params;
  params.reserve(s.inputs.size());
  for (std::size_t i = 0; i < s.inputs.size(); ++i) params.emplace_back(fmt::format("x{}", i), s.inputs[i]);
  std::vector<Parameter<double>*> pointers;
  for (Parameter<double>& p : params) pointers.push_back(&p);
  GradCheckOptions options;
  options.tolerance = kFloat64Tolerance;
  options.accept_subgradient = s.at_kink;
  const GradCheckResult result = gradcheck(
      [&](Graph<double>& g) {
        std::vector<Var<double>> vars;
        for (Parameter<double>& p : params) vars.push_back(through_an_op ? scale(g.param(p), 1.0) : g.param(p));
        return s.f64(g, vars);
      },
      pointers, options);
  // One line per sample, "gradcheck <op> <error>", for the per-op table of the closing note.
  fmt::print("gradcheck {} {:.3g} ({})\n", s.op, result.max_relative_error, s.label);
  EXPECT_TRUE(result.passed) << s.op << " " << s.label << (through_an_op ? " (through an op)" : "") << ": "
                             << result.summary();
}

TEST_P(OpSamples, Float64GradCheck) {
  if (!sample().gradcheck) GTEST_SKIP() << "too large for central differences; kept for the other checks";
  float64_gradcheck(sample(), false);
}

TEST_P(OpSamples, Float64GradCheckOverwritingTheInputGradients) {
  if (!sample().gradcheck) GTEST_SKIP() << "too large for central differences; kept for the other checks";
  float64_gradcheck(sample(), true);
}

// |a - b| relative to the larger magnitude in b (a norm-wise error: elements near zero are
// judged against the tensor's scale, not their own).
double worst_error(const Tensor<float>& a, const Tensor<double>& b) {
  double scale = 1e-3;
  for (double v : b.span()) scale = std::max(scale, std::abs(v));
  double worst = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]) / scale);
  return worst;
}

TEST_P(OpSamples, Float32MatchesFloat64) {
  const OpSample& s = sample();
  const SampleRun<double> f64 = run<double>(s);
  const SampleRun<float> f32 = run<float>(s);
  ASSERT_EQ(f32.output.shape(), f64.output.shape());
  EXPECT_LE(worst_error(f32.output, f64.output), 1e-4) << s.op << " " << s.label << ": forward";
  for (std::size_t i = 0; i < f64.grads.size(); ++i)
    EXPECT_LE(worst_error(f32.grads[i], f64.grads[i]), 1e-3) << s.op << " " << s.label << ": gradient of x" << i;
}

bool same_bits(const Tensor<float>& a, const Tensor<float>& b) {
  // memcmp must not see the null data() of an empty tensor, even for 0 bytes (UBSan).
  return a.shape() == b.shape() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

TEST_P(OpSamples, SameBitsOnOneAndTwoThreads) {
  const OpSample& s = sample();
  auto on = [&](int threads) {
    tbb::task_arena arena(threads);
    return arena.execute([&] { return run<float>(s); });
  };
  const SampleRun<float> one = on(1), two = on(2);
  EXPECT_TRUE(same_bits(one.output, two.output)) << s.op << " " << s.label;
  for (std::size_t i = 0; i < one.grads.size(); ++i)
    EXPECT_TRUE(same_bits(one.grads[i], two.grads[i])) << s.op << " " << s.label << ": gradient of x" << i;
}

INSTANTIATE_TEST_SUITE_P(All, OpSamples, ::testing::Range<std::size_t>(0, all_samples().size()),
                         [](const auto& info) { return name_of(all_samples()[info.param], info.param); });

// "SoftmaxXent" and softmax_xent.cpp name the same op: compare lower case without '_'.
std::string key(std::string name) {
  std::string k;
  for (char c : name)
    if (c != '_') k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

TEST(OpCoverage, EveryOpHasASampleAndEverySampleARegisteredOp) {
  std::set<std::string> sampled, registered;
  for (const OpSample& s : all_samples()) sampled.insert(s.op);
  for (const OpInfo<double>* op : all_ops<double>()) {
    const std::string name(op->name);
    EXPECT_TRUE(registered.insert(name).second) << "two registered ops are called " << name;
    EXPECT_TRUE(sampled.contains(name)) << "op " << name << " has no sample in tests/ops/";
  }
  for (const std::string& name : sampled)
    EXPECT_TRUE(registered.contains(name)) << "samples name " << name << ", which all_ops() does not list";
}

// Every .cpp in a family folder of ops/ (but the family's own list) holds one op whose
// name is the file's; every registered op has such a file.
TEST(OpCoverage, EveryOpFileIsRegisteredByName) {
  const std::filesystem::path ops_dir = std::filesystem::path(CGRAD_SOURCE_DIR) / "ops";
  std::set<std::string> files, registered;
  for (const auto& family : std::filesystem::directory_iterator(ops_dir)) {
    if (!family.is_directory() || family.path().filename() == "kernels") continue;
    for (const auto& entry : std::filesystem::directory_iterator(family.path())) {
      const auto& path = entry.path();
      if (path.extension() == ".cpp" && path.stem() != family.path().filename()) files.insert(key(path.stem()));
    }
  }
  for (const OpInfo<double>* op : all_ops<double>()) registered.insert(key(std::string(op->name)));
  for (const std::string& file : files)
    EXPECT_TRUE(registered.contains(file)) << "ops/ has a file for '" << file << "' but no registered op of that name";
  for (const std::string& op : registered)
    EXPECT_TRUE(files.contains(op)) << "op '" << op << "' is registered but has no file of its name in ops/<family>/";
}

}  // namespace
}  // namespace cgrad::test
