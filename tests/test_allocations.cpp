// A steady-state training step allocates nothing: the graph reuses its nodes and their
// buffers, parameters keep their grads, and the kernels keep their scratch space.
#include <gtest/gtest.h>

#include "tests/support/allocation_counter.h"
#include "tests/support/two_layer_model.h"

namespace {

template <class T>
std::size_t allocations_in_steps(cgrad::testing::TwoLayerModel<T>& model, int steps) {
  const std::size_t before = cgrad::testing::allocation_count();
  for (int i = 0; i < steps; ++i) model.step();
  return cgrad::testing::allocation_count() - before;
}

TEST(Allocations, CounterSeesAnAllocation) {
  const std::size_t before = cgrad::testing::allocation_count();
  // A direct call: new-expressions may be elided by the compiler, this may not.
  void* p = ::operator new(16);
  const std::size_t after = cgrad::testing::allocation_count();
  ::operator delete(p);
  EXPECT_EQ(after - before, 1u);
}

TEST(Allocations, FirstStepAllocatesAndLaterStepsDoNot) {
  cgrad::testing::TwoLayerModel<float> model(300, 100, 3);
  EXPECT_GT(allocations_in_steps(model, 1), 0u);
  EXPECT_EQ(allocations_in_steps(model, 20), 0u);
}

TEST(Allocations, SteadyStateStepAllocatesNothingInDouble) {
  cgrad::testing::TwoLayerModel<double> model(300, 100, 3);
  allocations_in_steps(model, 2);
  EXPECT_EQ(allocations_in_steps(model, 20), 0u);
}

// Affine and AffineReLU (AffineReLU's backward keeps its buffer in the op's scratch).
TEST(Allocations, SteadyStateStepWithFusedLayersAllocatesNothing) {
  cgrad::testing::TwoLayerModel<double> model(300, 100, 3, 0, cgrad::testing::Layers::affine_relu);
  EXPECT_GT(allocations_in_steps(model, 1), 0u);
  EXPECT_EQ(allocations_in_steps(model, 20), 0u);
}

// The fused layers compute the seed's step bit for bit: the same losses, step after step.
TEST(FusedLayers, TrainAsTheSeparateOps) {
  using cgrad::testing::Layers;
  cgrad::testing::TwoLayerModel<double> ops(300, 100, 3), affine(300, 100, 3, 0, Layers::affine),
      affine_relu(300, 100, 3, 0, Layers::affine_relu);
  for (int i = 0; i < 5; ++i) {
    const double loss = ops.step();
    ASSERT_EQ(loss, affine.step()) << "step " << i;
    ASSERT_EQ(loss, affine_relu.step()) << "step " << i;
  }
}

}  // namespace
