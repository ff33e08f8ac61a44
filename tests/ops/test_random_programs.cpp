// Random programs over the whole op set, each gradient-checked in float64 like a single
// op: a program starts from parameter leaves of random shapes and applies random ops
// (elementwise, broadcasting with new leaves of compatible shapes, reductions, shape ops,
// matmul, indexing, losses) to values it has made, so that values fan out and ops meet
// each other's outputs. The seed and the program's text are printed on failure.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ops/loop.h"
#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

using V = Var<double>;

// One program: its leaves (made once) and a recipe that records it on a graph.
struct Program {
  std::vector<Parameter<double>> params;
  std::vector<std::function<V(Graph<double>&, std::vector<V>&)>> steps;  // each appends one value
  std::string text;
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : engine_(seed) {}

  Program make(int length) {
    Program p;
    p.params.reserve(64);  // the recipes point into it
    shapes_.clear();
    program_ = &p;
    leaf(random_shape());
    for (int i = 0; i < length; ++i) add_op();
    return p;
  }

 private:
  std::size_t uniform(std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(engine_);
  }
  bool coin(double p) { return std::bernoulli_distribution(p)(engine_); }

  Shape random_shape() {
    Shape s;
    const std::size_t rank = uniform(1, 3);
    for (std::size_t i = 0; i < rank; ++i) s.push_back(uniform(1, 4));
    return s;
  }

  // A new parameter leaf; returns its value index.
  std::size_t leaf(const Shape& shape, double low = -1, double high = 1) {
    const std::size_t param = program_->params.size();
    program_->params.emplace_back(fmt::format("p{}", param), uniform_values(shape, engine_(), low, high));
    Parameter<double>* pointer = &program_->params.back();
    return push(shape, fmt::format("p{}{}", param, shape), [pointer](Graph<double>& g, std::vector<V>&) {
      return g.param(*pointer);
    });
  }
  static Tensor<double> uniform_values(const Shape& shape, std::uint64_t seed, double low, double high) {
    return test::uniform(shape, seed, low, high);
  }

  std::size_t push(const Shape& shape, std::string text, std::function<V(Graph<double>&, std::vector<V>&)> step) {
    program_->text += fmt::format("v{} = {}\n", shapes_.size(), text);
    program_->steps.push_back(std::move(step));
    shapes_.push_back(shape);
    return shapes_.size() - 1;
  }

  // Mostly the latest value, so programs grow deep; sometimes an earlier one (fan-out).
  std::size_t pick() { return coin(0.7) ? shapes_.size() - 1 : uniform(0, shapes_.size() - 1); }

  // A shape that broadcasts with s: some leading axes dropped, some axes set to 1.
  Shape broadcastable(const Shape& s) {
    Shape b;
    const std::size_t drop = uniform(0, s.rank());
    for (std::size_t axis = drop; axis < s.rank(); ++axis) b.push_back(coin(0.3) ? 1 : s[axis]);
    return b;
  }

  void add_op() {
    const std::size_t x = pick();
    const Shape s = shapes_[x];
    const std::int64_t rank = static_cast<std::int64_t>(s.rank());
    if (rank == 0) {  // a full reduction's scalar: give it an axis again
      push(Shape{1}, fmt::format("unsqueeze(v{}, 0)", x), [x](Graph<double>&, std::vector<V>& v) { return unsqueeze(v[x], 0); });
      return;
    }
    auto unary = [&](const char* name, std::function<V(V)> f) {
      Shape out = s;
      push(out, fmt::format("{}(v{})", name, x), [x, f](Graph<double>&, std::vector<V>& v) { return f(v[x]); });
    };
    auto binary = [&](const char* name, std::function<V(V, V)> f, bool positive_b = false) {
      const std::size_t b = leaf(broadcastable(s), positive_b ? 0.5 : -1, positive_b ? 2 : 1);
      const Shape out = detail::broadcast_shapes(name, s, shapes_[b]);
      const bool swap = coin(0.3) && !positive_b;  // the broadcast operand on the left sometimes
      push(out, fmt::format("{}(v{}, v{})", name, swap ? b : x, swap ? x : b),
           [x, b, f, swap](Graph<double>&, std::vector<V>& v) { return swap ? f(v[b], v[x]) : f(v[x], v[b]); });
    };
    switch (uniform(0, 17)) {
      case 0: unary("tanh", [](V a) { return tanh(a); }); break;
      case 1: unary("sigmoid", [](V a) { return sigmoid(a); }); break;
      case 2: unary("gelu", [](V a) { return gelu(a); }); break;
      case 3: unary("softplus", [](V a) { return softplus(a); }); break;
      case 4: unary("exp(tanh)", [](V a) { return exp(tanh(a)); }); break;
      case 5: binary("add", [](V a, V b) { return a + b; }); break;
      case 6: binary("mul", [](V a, V b) { return a * b; }); break;
      case 7: binary("div", [](V a, V b) { return a / b; }, /*positive_b=*/true); break;
      case 8: binary("sub", [](V a, V b) { return a - b; }); break;
      case 9: {  // a reduction over random axes
        std::vector<std::int64_t> axes;
        for (std::int64_t axis = 0; axis < rank; ++axis)
          if (coin(0.5)) axes.push_back(coin(0.5) ? axis : axis - rank);
        if (axes.empty()) axes.push_back(-1);
        const bool keepdim = coin(0.5);
        std::array<bool, kMaxRank> mask = Axes(std::span<const std::int64_t>(axes)).mask("test", s.rank());
        const Shape out = detail::reduced_shape(s, mask, keepdim);
        const std::size_t which = uniform(0, 2);
        const char* names[] = {"sum", "mean", "logsumexp"};
        push(out, fmt::format("{}(v{}, {}, keepdim={})", names[which], x, fmt::join(axes, ","), keepdim),
             [x, axes, keepdim, which](Graph<double>&, std::vector<V>& v) {
               const Axes a{std::span<const std::int64_t>(axes)};
               if (which == 0) return sum(v[x], a, keepdim);
               if (which == 1) return mean(v[x], a, keepdim);
               return logsumexp(v[x], a, keepdim);
             });
        break;
      }
      case 10: {
        const std::int64_t axis = static_cast<std::int64_t>(uniform(0, s.rank() - 1)) - (coin(0.5) ? rank : 0);
        const bool log = coin(0.5);
        push(s, fmt::format("{}(v{}, {})", log ? "log_softmax" : "softmax", x, axis),
             [x, axis, log](Graph<double>&, std::vector<V>& v) { return log ? log_softmax(v[x], axis) : softmax(v[x], axis); });
        break;
      }
      case 11: {  // reshape to [size] or flatten the leading axes
        const Shape out{s.size()};
        push(out, fmt::format("reshape(v{}, [-1])", x),
             [x](Graph<double>&, std::vector<V>& v) { return reshape(v[x], {std::int64_t{-1}}); });
        break;
      }
      case 12: {  // a permutation
        std::vector<std::int64_t> dims(s.rank());
        for (std::size_t i = 0; i < dims.size(); ++i) dims[i] = static_cast<std::int64_t>(i);
        std::shuffle(dims.begin(), dims.end(), engine_);
        Shape out;
        for (std::int64_t d : dims) out.push_back(s[static_cast<std::size_t>(d)]);
        push(out, fmt::format("permute(v{}, {})", x, fmt::join(dims, ",")), [x, dims](Graph<double>&, std::vector<V>& v) {
          return permute(v[x], Axes(std::span<const std::int64_t>(dims)));
        });
        break;
      }
      case 13: {  // a slice of the first axis
        const std::size_t n = s[0];
        const std::size_t begin = uniform(0, n - 1), end = uniform(begin + 1, n);
        Shape out = s;
        out[0] = end - begin;
        push(out, fmt::format("slice(v{}, 0, {}, {})", x, begin, end),
             [x, begin, end](Graph<double>&, std::vector<V>& v) {
               return slice(v[x], 0, static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end));
             });
        break;
      }
      case 14: {  // concat with a new leaf along the last axis
        Shape other = s;
        other[s.rank() - 1] = uniform(1, 3);
        const std::size_t b = leaf(other);
        Shape out = s;
        out[s.rank() - 1] += other[s.rank() - 1];
        push(out, fmt::format("concat(v{}, v{}, -1)", x, b),
             [x, b](Graph<double>&, std::vector<V>& v) { return concat({v[x], v[b]}, -1); });
        break;
      }
      case 15: {  // matmul with a new leaf [k, n]
        if (s.rank() < 2) {
          unary("neg", [](V a) { return -a; });
          break;
        }
        const std::size_t b = leaf(Shape{s[s.rank() - 1], uniform(1, 4)});
        Shape out = s;
        out[s.rank() - 1] = shapes_[b][1];
        push(out, fmt::format("matmul(v{}, v{})", x, b),
             [x, b](Graph<double>&, std::vector<V>& v) { return matmul(v[x], v[b]); });
        break;
      }
      case 16: {  // expand a new leading axis
        Shape out{2};
        for (std::size_t d : s.dims()) out.push_back(d);
        if (out.rank() > 4) {
          unary("sigmoid", [](V a) { return sigmoid(a); });
          break;
        }
        push(out, fmt::format("expand(v{}, {})", x, out), [x, out](Graph<double>&, std::vector<V>& v) { return expand(v[x], out); });
        break;
      }
      default: {  // index_select along the first axis, with a repeat
        const std::vector<std::int64_t> indices = {static_cast<std::int64_t>(uniform(0, s[0] - 1)), 0,
                                                   static_cast<std::int64_t>(s[0] - 1)};
        Shape out = s;
        out[0] = indices.size();
        push(out, fmt::format("index_select(v{}, 0, {})", x, fmt::join(indices, ",")),
             [x, indices](Graph<double>&, std::vector<V>& v) { return index_select(v[x], 0, indices); });
        break;
      }
    }
  }

  std::mt19937_64 engine_;
  Program* program_ = nullptr;
  std::vector<Shape> shapes_;
};

TEST(RandomPrograms, EveryProgramPassesTheFloat64GradCheck) {
  constexpr int kPrograms = 60;
  double worst = 0;
  for (int seed = 0; seed < kPrograms; ++seed) {
    Generator generator(static_cast<std::uint64_t>(seed));
    Program program = generator.make(6 + seed % 5);
    std::vector<Parameter<double>*> params;
    for (Parameter<double>& p : program.params) params.push_back(&p);
    GradCheckOptions options;
    options.tolerance = 1e-6;
    GradCheckResult result;
    try {
      result = gradcheck(
        [&](Graph<double>& g) {
          std::vector<V> values;
          for (const auto& step : program.steps) values.push_back(step(g, values));
          return values.back();
        },
        params, options);
    } catch (const Error& e) {
      ADD_FAILURE() << "seed " << seed << " threw: " << e.what() << "\n" << program.text;
      continue;
    }
    worst = std::max(worst, result.max_relative_error);
    EXPECT_TRUE(result.passed) << "seed " << seed << ": " << result.summary() << "\n" << program.text;
  }
  fmt::print("random programs: {} programs, worst relative error {:.3g}\n", kPrograms, worst);
}

}  // namespace
}  // namespace cgrad::test
