// Options that make no sense are refused when the optimizer is made, with a message that
// names the optimizer, the option and its allowed range; schedules compute what their
// formulas say.
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <string>

#include "cgrad.h"

namespace cgrad {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Runs `make`, expecting a ValueError whose message contains every one of `parts`.
template <class Make>
void expect_value_error(Make make, std::initializer_list<std::string> parts) {
  try {
    make();
    ADD_FAILURE() << "no ValueError thrown";
  } catch (const ValueError& e) {
    for (const std::string& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

class OptimOptions : public ::testing::Test {
 protected:
  Parameter<float> p{"p", Tensor<float>(1, 2, {1, 2})};
  std::vector<Parameter<float>*> params{&p};
};

TEST_F(OptimOptions, LearningRateMustBeFiniteAndNonNegative) {
  for (double lr : {-0.1, kNaN, kInf}) {
    expect_value_error([&] { Sgd<float>(params, {.lr = lr}); }, {"SGD", "lr", "[0, inf)"});
    expect_value_error([&] { Adagrad<float>(params, {.lr = lr}); }, {"Adagrad", "lr"});
    expect_value_error([&] { RmsProp<float>(params, {.lr = lr}); }, {"RMSProp", "lr"});
    expect_value_error([&] { Adam<float>(params, {.lr = lr}); }, {"Adam", "lr"});
    expect_value_error([&] { AdamW<float>(params, {.lr = lr}); }, {"AdamW", "lr"});
  }
  Adam<float> adam(params);
  expect_value_error([&] { adam.set_lr(-1); }, {"Adam", "lr", "[0, inf)"});
  adam.set_lr(0.5);
  EXPECT_EQ(adam.lr(), 0.5);
}

TEST_F(OptimOptions, MomentumAndBetasMustBeInUnitInterval) {
  for (double bad : {-0.1, 1.0, 1.5, kNaN}) {
    expect_value_error([&] { Sgd<float>(params, {.momentum = bad}); }, {"SGD", "momentum", "[0, 1)"});
    expect_value_error([&] { RmsProp<float>(params, {.alpha = bad}); }, {"RMSProp", "alpha", "[0, 1)"});
    expect_value_error([&] { Adam<float>(params, {.beta1 = bad}); }, {"Adam", "beta1", "[0, 1)"});
    expect_value_error([&] { AdamW<float>(params, {.beta2 = bad}); }, {"AdamW", "beta2", "[0, 1)"});
  }
}

TEST_F(OptimOptions, EpsMustBePositiveAndDecayNonNegative) {
  for (double eps : {0.0, -1e-8, kInf}) {
    expect_value_error([&] { Adagrad<float>(params, {.eps = eps}); }, {"Adagrad", "eps", "(0, inf)"});
    expect_value_error([&] { RmsProp<float>(params, {.eps = eps}); }, {"RMSProp", "eps", "(0, inf)"});
    expect_value_error([&] { Adam<float>(params, {.eps = eps}); }, {"Adam", "eps", "(0, inf)"});
  }
  expect_value_error([&] { Sgd<float>(params, {.weight_decay = -1}); }, {"SGD", "weight_decay", "[0, inf)"});
  expect_value_error([&] { AdamW<float>(params, {.weight_decay = kNaN}); }, {"AdamW", "weight_decay"});
}

TEST_F(OptimOptions, NesterovNeedsMomentum) {
  expect_value_error([&] { Sgd<float>(params, {.nesterov = true}); }, {"SGD", "nesterov", "momentum"});
}

TEST_F(OptimOptions, ParameterListIsChecked) {
  expect_value_error([&] { Adam<float>({}); }, {"Adam", "empty"});
  expect_value_error([&] { Adam<float>({&p, nullptr}); }, {"Adam", "null"});
  expect_value_error([&] { Adam<float>({&p, &p}); }, {"Adam", "twice"});
}

TEST_F(OptimOptions, ReshapedParameterIsRefusedBeforeAnyUpdate) {
  Parameter<float> q("q", Tensor<float>(1, 1, {3}));
  Sgd<float> sgd({&q, &p}, {.lr = 1});
  q.grad()[0] = 1;
  p.mutable_value() = Tensor<float>(2, 2);
  EXPECT_THROW(sgd.step(), ShapeError);
  EXPECT_EQ(q.value()[0], 3.0f);  // untouched
  EXPECT_EQ(sgd.step_count(), 0u);
}

TEST_F(OptimOptions, StateIsNamedByParameterIndexAndSlot) {
  Parameter<float> q("q", Tensor<float>(3, 1));
  Adam<float> adam({&p, &q});
  const auto state = adam.state();
  ASSERT_EQ(state.size(), 4u);
  EXPECT_EQ(state[0].first, "0.exp_avg");
  EXPECT_EQ(state[3].first, "1.exp_avg_sq");
  EXPECT_EQ(state[3].second->shape(), (Shape{3, 1}));
  EXPECT_TRUE(Sgd<float>(params).state().empty());  // no momentum, no state
  EXPECT_EQ(Sgd<float>(params, {.momentum = 0.5}).state().size(), 1u);
}

TEST_F(OptimOptions, MakeOptimizerByName) {
  for (std::string_view name : kOptimizerNames) {
    auto optimizer = make_optimizer<float>(name, params);
    EXPECT_EQ(optimizer->lr(), default_lr(name)) << name;
  }
  EXPECT_EQ(make_optimizer<float>("adamw", params)->name(), "AdamW");
  EXPECT_EQ(make_optimizer<float>("nesterov", params, 0.25)->lr(), 0.25);
  expect_value_error([&] { make_optimizer<float>("lbfgs", params); }, {"lbfgs", "sgd", "adamw"});
}

TEST(Schedules, StepDecay) {
  StepDecay schedule(0.1, 100, 0.5);
  EXPECT_DOUBLE_EQ(schedule.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(schedule.lr(99), 0.1);
  EXPECT_DOUBLE_EQ(schedule.lr(100), 0.05);
  EXPECT_DOUBLE_EQ(schedule.lr(250), 0.025);
}

TEST(Schedules, ExponentialDecay) {
  ExponentialDecay schedule(0.1, 0.99);
  EXPECT_DOUBLE_EQ(schedule.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(schedule.lr(10), 0.1 * std::pow(0.99, 10));
}

TEST(Schedules, CosineAnnealing) {
  CosineAnnealing schedule(0.1, 1000, 0.001);
  EXPECT_DOUBLE_EQ(schedule.lr(0), 0.1);
  EXPECT_NEAR(schedule.lr(500), 0.001 + 0.5 * 0.099, 1e-15);
  EXPECT_DOUBLE_EQ(schedule.lr(1000), 0.001);
  EXPECT_DOUBLE_EQ(schedule.lr(5000), 0.001);
}

TEST(Schedules, AppliesAtTheOptimizersStep) {
  Parameter<double> p("p", Tensor<double>(1, 1));
  Adam<double> adam({&p});
  const CosineAnnealing schedule(0.1, 10);
  adam.set_step_count(5);  // as after loading a checkpoint
  schedule.apply(adam);
  EXPECT_DOUBLE_EQ(adam.lr(), schedule.lr(5));
}

TEST(Schedules, BadArgumentsAreRefused) {
  expect_value_error([] { StepDecay(0.1, 0); }, {"StepDecay", "step_size"});
  expect_value_error([] { StepDecay(-0.1, 10); }, {"StepDecay", "base_lr"});
  expect_value_error([] { ExponentialDecay(0.1, 0); }, {"ExponentialDecay", "gamma", "(0, inf)"});
  expect_value_error([] { CosineAnnealing(0.1, 0); }, {"CosineAnnealing", "total_steps"});
  expect_value_error([] { CosineAnnealing(0.1, 10, 0.2); }, {"CosineAnnealing", "min_lr"});
}

}  // namespace
}  // namespace cgrad
