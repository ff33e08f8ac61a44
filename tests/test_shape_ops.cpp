// The shape family beyond the op suite's samples: every refusal names the op and the
// shapes, detach stops gradients, concat takes many values, and a steady step of shape
// ops allocates nothing.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "expect_error.h"
#include "tests/support/allocation_counter.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;

Tensor<double> iota(const Shape& shape) {
  Tensor<double> t(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(i) + 1;
  return t;
}

TEST(ShapeOps, ReshapeRefusals) {
  Graph<double> g;
  Var<double> x = g.input(iota({2, 3}));
  EXPECT_EQ(message_of<ShapeError>([&] { reshape(x, {4, -1}); }),
            "Reshape: cannot reshape [2,3] (6 elements) into [4,-1]");
  EXPECT_THAT(message_of<ShapeError>([&] { reshape(x, {5}); }), AllOf(HasSubstr("Reshape"), HasSubstr("[2,3]"),
                                                                          HasSubstr("[5]")));
  EXPECT_THAT(message_of<ShapeError>([&] { reshape(x, Shape{4, 2}); }),
              AllOf(HasSubstr("Reshape"), HasSubstr("[2,3]"), HasSubstr("[4,2]")));
  EXPECT_THAT(message_of<ShapeError>([&] { reshape(x, {-1, -1}); }),
              AllOf(HasSubstr("Reshape"), HasSubstr("[-1,-1]")));
  EXPECT_THAT(message_of<ShapeError>([&] { reshape(x, {-2, -3}); }), AllOf(HasSubstr("Reshape"), HasSubstr("-2")));
  // -1 next to a zero is ambiguous, as in torch.
  EXPECT_THAT(message_of<ShapeError>([&] { reshape(g.input(iota({0, 3})), {0, -1}); }),
              AllOf(HasSubstr("Reshape"), HasSubstr("[0,3]"), HasSubstr("[0,-1]")));
  EXPECT_THAT(message_of<ShapeError>([&] { flatten(x, 1, 0); }), AllOf(HasSubstr("Flatten"), HasSubstr("[2,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { flatten(x, 2); }), AllOf(HasSubstr("Flatten"), HasSubstr("[2,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { squeeze(x, -3); }), AllOf(HasSubstr("Squeeze"), HasSubstr("[2,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { unsqueeze(x, 3); }),
              AllOf(HasSubstr("Unsqueeze"), HasSubstr("[2,3]"), HasSubstr("-3 to 2")));
  Var<double> rank8 = g.input(Tensor<double>(Shape{1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_THAT(message_of<ShapeError>([&] { unsqueeze(rank8, 0); }),
              AllOf(HasSubstr("Unsqueeze"), HasSubstr("[1,1,1,1,1,1,1,1]")));
}

TEST(ShapeOps, ReshapeFamilyShapes) {
  Graph<double> g;
  Var<double> x = g.input(iota({2, 1, 3, 1}));
  EXPECT_EQ(squeeze(x).shape(), (Shape{2, 3}));
  EXPECT_EQ(squeeze(x, 1).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(squeeze(x, 0).shape(), (Shape{2, 1, 3, 1}));
  EXPECT_EQ(unsqueeze(x, -1).shape(), (Shape{2, 1, 3, 1, 1}));
  EXPECT_EQ(unsqueeze(x, -5).shape(), (Shape{1, 2, 1, 3, 1}));
  EXPECT_EQ(flatten(x, 1, 2).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(flatten(x).shape(), (Shape{6}));
  EXPECT_EQ(reshape(x, {3, -1}).shape(), (Shape{3, 2}));
  Var<double> s = g.input(Tensor<double>::scalar(4.0));
  EXPECT_EQ(squeeze(s, 0).shape(), Shape{});
  EXPECT_EQ(flatten(s).shape(), (Shape{1}));
}

TEST(ShapeOps, PermuteAndTransposeRefusals) {
  Graph<double> g;
  Var<double> x = g.input(iota({2, 3, 4}));
  EXPECT_THAT(message_of<ShapeError>([&] { permute(x, {0, 1}); }),
              AllOf(HasSubstr("Permute"), HasSubstr("[2,3,4]"), HasSubstr("2 axes")));
  EXPECT_THAT(message_of<ShapeError>([&] { permute(x, {0, 1, -3}); }),
              AllOf(HasSubstr("Permute"), HasSubstr("[2,3,4]"), HasSubstr("twice")));
  EXPECT_THAT(message_of<ShapeError>([&] { permute(x, {0, 1, 3}); }),
              AllOf(HasSubstr("Permute"), HasSubstr("[2,3,4]"), HasSubstr("axis 3")));
  EXPECT_THAT(message_of<ShapeError>([&] { transpose(x, 0, 5); }),
              AllOf(HasSubstr("Transpose"), HasSubstr("[2,3,4]"), HasSubstr("axis 5")));
}

TEST(ShapeOps, TransposeValues) {
  Graph<double> g;
  Var<double> y = transpose(g.input(iota({2, 3})), 0, 1);
  ASSERT_EQ(y.shape(), (Shape{3, 2}));
  const std::vector<double> expected{1, 4, 2, 5, 3, 6};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(y.value()[i], expected[i]);
}

TEST(ShapeOps, SliceRefusals) {
  Graph<double> g;
  Var<double> x = g.input(iota({3, 4}));
  EXPECT_THAT(message_of<ValueError>([&] { slice(x, 1, 0, 4, 0); }),
              AllOf(HasSubstr("Slice"), HasSubstr("step"), HasSubstr("[3,4]")));
  EXPECT_THAT(message_of<ValueError>([&] { slice(x, 1, 0, 4, -1); }), AllOf(HasSubstr("Slice"), HasSubstr("-1")));
  EXPECT_THAT(message_of<ShapeError>([&] { slice(x, 2, 0, 1); }),
              AllOf(HasSubstr("Slice"), HasSubstr("[3,4]"), HasSubstr("axis 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { slice(g.input(Tensor<double>::scalar(1)), 0, 0, 1); }),
              AllOf(HasSubstr("Slice"), HasSubstr("[]")));
}

TEST(ShapeOps, SliceExtremeBoundsClamp) {
  Graph<double> g;
  Var<double> x = g.input(iota({5}));
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(slice(x, 0, lo, hi).shape(), (Shape{5}));
  EXPECT_EQ(slice(x, 0, lo, hi, hi).shape(), (Shape{1}));
  EXPECT_EQ(slice(x, 0, hi, lo).shape(), (Shape{0}));
  EXPECT_EQ(slice(x, 0, -1, hi).value()[0], 5.0);
}

TEST(ShapeOps, ConcatAndStackRefusals) {
  Graph<double> g;
  Var<double> a = g.input(iota({2, 3}));
  Var<double> b = g.input(iota({3, 3}));
  EXPECT_EQ(message_of<ShapeError>([&] { concat({a, b}, 1); }),
            "Concat: cannot concatenate [2,3] with [3,3] along axis 1: the other dimensions differ");
  EXPECT_THAT(message_of<ShapeError>([&] { concat({a, g.input(iota({2, 3, 1}))}, 0); }),
              AllOf(HasSubstr("Concat"), HasSubstr("[2,3]"), HasSubstr("[2,3,1]"), HasSubstr("axis 0")));
  EXPECT_THAT(message_of<ShapeError>([&] { concat({a, a}, 2); }),
              AllOf(HasSubstr("Concat"), HasSubstr("[2,3]"), HasSubstr("axis 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { concat({g.input(Tensor<double>::scalar(1))}, 0); }),
              AllOf(HasSubstr("Concat"), HasSubstr("rank-0")));
  EXPECT_THAT(message_of<ValueError>([&] { concat(std::span<const Var<double>>(), 0); }), HasSubstr("Concat"));
  EXPECT_THAT(message_of<ShapeError>([&] { stack({a, b}, 0); }),
              AllOf(HasSubstr("Stack"), HasSubstr("[2,3]"), HasSubstr("[3,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { stack({a, a}, 3); }),
              AllOf(HasSubstr("Stack"), HasSubstr("[2,3]"), HasSubstr("axis 3")));
  EXPECT_THAT(message_of<ValueError>([&] { stack(std::span<const Var<double>>(), 0); }), HasSubstr("Stack"));
  Graph<double> other;
  Var<double> c = other.input(iota({2, 3}));
  EXPECT_THAT(message_of<GraphError>([&] { concat({a, c}, 0); }), HasSubstr("Concat"));
}

TEST(ShapeOps, ConcatTakesUpToTheInputLimit) {
  Graph<double> g;
  Parameter<double> p("p", iota({1, 2}));
  Var<double> x = g.param(p);
  std::vector<Var<double>> many(kMaxOpInputs, x);
  Var<double> y = concat(std::span<const Var<double>>(many), 0);
  ASSERT_EQ(y.shape(), (Shape{kMaxOpInputs, 2}));
  EXPECT_EQ(y.value()[2 * kMaxOpInputs - 1], 2.0);
  g.backward(y, Tensor<double>::full(y.shape(), 1.0));
  EXPECT_EQ(p.grad()[0], static_cast<double>(kMaxOpInputs));
  many.push_back(x);
  EXPECT_THAT(message_of<ValueError>([&] { concat(std::span<const Var<double>>(many), 0); }),
              AllOf(HasSubstr("Concat"), HasSubstr("4097")));
}

TEST(ShapeOps, ExpandRefusals) {
  Graph<double> g;
  Var<double> x = g.input(iota({2, 3}));
  EXPECT_EQ(message_of<ShapeError>([&] { expand(x, Shape{4, 3}); }), "Expand: cannot expand [2,3] to [4,3]");
  EXPECT_THAT(message_of<ShapeError>([&] { expand(x, Shape{3}); }),
              AllOf(HasSubstr("Expand"), HasSubstr("[2,3]"), HasSubstr("[3]")));
}

TEST(ShapeOps, DetachCopiesTheValueAndStopsTheGradient) {
  Graph<double> g;
  Parameter<double> p("p", iota({2, 3}));
  Var<double> x = g.param(p);
  Var<double> d = detach(x);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(d.value()[i], p.value()[i]);
  // y = x * detach(x): dy/dx is detach(x)'s value only, not 2x.
  Var<double> y = x * d;
  g.backward(y, Tensor<double>::full(y.shape(), 1.0));
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(p.grad()[i], p.value()[i]);
  // A detached value depends on no parameter: backward from it is refused, and it has no grad.
  EXPECT_THAT(message_of<GraphError>([&] { g.backward(d, Tensor<double>::full(d.shape(), 1.0)); }),
              HasSubstr("Detach"));
  EXPECT_THAT(message_of<GraphError>([&] { g.grad(d); }), HasSubstr("Detach"));
}

// Every shape op on the path of a step: after the first steps, recording and backward
// allocate nothing (the nodes' tensors, inputs and parameters keep their capacity).
TEST(ShapeOps, SteadyStepAllocatesNothing) {
  Parameter<float> p("p", Tensor<float>::full(Shape{2, 3, 4}, 0.5f));
  Graph<float> g;
  const Tensor<float> seed = Tensor<float>::full(Shape{2, 4, 8}, 1.0f);
  auto step = [&] {
    g.clear();
    Var<float> x = g.param(p);
    Var<float> t = transpose(x, 1, 2);                        // [2,4,3]
    Var<float> s = slice(t, -1, 0, 3, 2);                     // [2,4,2]
    Var<float> c = concat({s, s, detach(s)}, -1);             // [2,4,6]
    Var<float> e = expand(slice(c, 2, 0, 1), Shape{2, 4, 2});  // [2,4,2]
    Var<float> st = flatten(stack({e, squeeze(unsqueeze(e, 0))}, 2), 2);  // [2,4,4]
    Var<float> y = concat({reshape(st, {2, 4, -1}), permute(st, {0, 1, 2})}, 2);  // [2,4,8]
    g.backward(y, seed);
  };
  step();
  step();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 10; ++i) step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
