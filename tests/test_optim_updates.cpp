// Each optimizer's first three updates of a two-value parameter, with gradients set by
// hand, against the update rule of its paper computed here in double.
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <vector>

#include "cgrad.h"
#include "tests/support/allocation_counter.h"

namespace cgrad {
namespace {

constexpr double kStart[2] = {1.0, -2.0};
// The gradient each of the three steps sees.
constexpr double kGrads[3][2] = {{0.5, -0.3}, {0.2, 0.1}, {-0.4, 0.6}};

// What one step of a rule does to one coordinate: (x, g, state, t) -> new x.
using Rule = std::function<double(double x, double g, std::vector<double>& state, int t)>;

template <Real T>
void expect_three_steps_match(Optimizer<T>& optimizer, Parameter<T>& p, const Rule& rule) {
  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  double expected[2] = {kStart[0], kStart[1]};
  std::vector<double> state[2] = {std::vector<double>(2, 0.0), std::vector<double>(2, 0.0)};
  for (int t = 1; t <= 3; ++t) {
    for (int i = 0; i < 2; ++i) {
      p.grad()[static_cast<std::size_t>(i)] = static_cast<T>(kGrads[t - 1][i]);
      expected[i] = rule(expected[i], kGrads[t - 1][i], state[i], t);
    }
    optimizer.step();
    for (std::size_t i = 0; i < 2; ++i)
      EXPECT_NEAR(p.value()[i], expected[i], tolerance * std::max(1.0, std::abs(expected[i])))
          << optimizer.name() << " step " << t << " value " << i;
  }
  EXPECT_EQ(optimizer.step_count(), 3u);
}

template <class T>
class OptimUpdates : public ::testing::Test {
 protected:
  Parameter<T> p{"p", Tensor<T>(1, 2, {static_cast<T>(kStart[0]), static_cast<T>(kStart[1])})};
};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(OptimUpdates, Precisions);

TYPED_TEST(OptimUpdates, SgdPlain) {
  Sgd<TypeParam> sgd({&this->p}, {.lr = 0.1});
  expect_three_steps_match<TypeParam>(sgd, this->p, [](double x, double g, std::vector<double>&, int) { return x - 0.1 * g; });
}

TYPED_TEST(OptimUpdates, SgdWeightDecay) {
  Sgd<TypeParam> sgd({&this->p}, {.lr = 0.1, .weight_decay = 0.01});
  expect_three_steps_match<TypeParam>(sgd, this->p,
                                      [](double x, double g, std::vector<double>&, int) { return x - 0.1 * (g + 0.01 * x); });
}

// cs231n: v = mu*v - lr*dx; x += v
TYPED_TEST(OptimUpdates, SgdMomentum) {
  Sgd<TypeParam> sgd({&this->p}, {.lr = 0.1, .momentum = 0.9});
  expect_three_steps_match<TypeParam>(sgd, this->p, [](double x, double g, std::vector<double>& s, int) {
    s[0] = 0.9 * s[0] - 0.1 * g;
    return x + s[0];
  });
}

// cs231n: v_prev = v; v = mu*v - lr*dx; x += -mu*v_prev + (1+mu)*v
TYPED_TEST(OptimUpdates, SgdNesterov) {
  Sgd<TypeParam> sgd({&this->p}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  expect_three_steps_match<TypeParam>(sgd, this->p, [](double x, double g, std::vector<double>& s, int) {
    const double v_prev = s[0];
    s[0] = 0.9 * s[0] - 0.1 * g;
    return x - 0.9 * v_prev + 1.9 * s[0];
  });
}

// Duchi et al.: cache += dx^2; x -= lr*dx / (sqrt(cache) + eps)
TYPED_TEST(OptimUpdates, Adagrad) {
  Adagrad<TypeParam> adagrad({&this->p}, {.lr = 0.1, .eps = 1e-10});
  expect_three_steps_match<TypeParam>(adagrad, this->p, [](double x, double g, std::vector<double>& s, int) {
    s[0] += g * g;
    return x - 0.1 * g / (std::sqrt(s[0]) + 1e-10);
  });
}

// Tieleman & Hinton: cache = rho*cache + (1-rho)*dx^2; x -= lr*dx / (sqrt(cache) + eps)
TYPED_TEST(OptimUpdates, RmsProp) {
  RmsProp<TypeParam> rmsprop({&this->p}, {.lr = 0.01, .alpha = 0.9, .eps = 1e-8});
  expect_three_steps_match<TypeParam>(rmsprop, this->p, [](double x, double g, std::vector<double>& s, int) {
    s[0] = 0.9 * s[0] + 0.1 * g * g;
    return x - 0.01 * g / (std::sqrt(s[0]) + 1e-8);
  });
}

// Kingma & Ba, Algorithm 1, with the L2 term added to the gradient.
double adam_rule(double x, double g, std::vector<double>& s, int t, double decay, bool decoupled) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const double d = decoupled ? g : g + decay * x;
  s[0] = b1 * s[0] + (1 - b1) * d;
  s[1] = b2 * s[1] + (1 - b2) * d * d;
  const double m_hat = s[0] / (1 - std::pow(b1, t));
  const double v_hat = s[1] / (1 - std::pow(b2, t));
  const double shrunk = decoupled ? x - lr * decay * x : x;  // Loshchilov & Hutter
  return shrunk - lr * m_hat / (std::sqrt(v_hat) + eps);
}

TYPED_TEST(OptimUpdates, Adam) {
  Adam<TypeParam> adam({&this->p}, {.lr = 0.01});
  expect_three_steps_match<TypeParam>(adam, this->p, [](double x, double g, std::vector<double>& s, int t) {
    return adam_rule(x, g, s, t, 0.0, false);
  });
}

TYPED_TEST(OptimUpdates, AdamL2WeightDecay) {
  Adam<TypeParam> adam({&this->p}, {.lr = 0.01, .weight_decay = 0.1});
  expect_three_steps_match<TypeParam>(adam, this->p, [](double x, double g, std::vector<double>& s, int t) {
    return adam_rule(x, g, s, t, 0.1, false);
  });
}

TYPED_TEST(OptimUpdates, AdamW) {
  AdamW<TypeParam> adamw({&this->p}, {.lr = 0.01, .weight_decay = 0.1});
  expect_three_steps_match<TypeParam>(adamw, this->p, [](double x, double g, std::vector<double>& s, int t) {
    return adam_rule(x, g, s, t, 0.1, true);
  });
}

TEST(OptimUpdates, ZeroGradClearsEveryParameter) {
  Parameter<float> a("a", Tensor<float>(1, 2, {1, 2})), b("b", Tensor<float>(2, 1, {3, 4}));
  a.grad().fill(5);
  b.grad().fill(6);
  Adam<float> adam({&a, &b});
  adam.zero_grad();
  for (float g : a.grad().span()) EXPECT_EQ(g, 0);
  for (float g : b.grad().span()) EXPECT_EQ(g, 0);
}

// A schedule sets the rate each step uses; the update follows it.
TEST(OptimUpdates, ScheduleDrivesTheLearningRate) {
  Parameter<double> p("p", Tensor<double>(1, 1, {0.0}));
  Sgd<double> sgd({&p}, {.lr = 1.0});
  StepDecay schedule(1.0, 1, 0.5);  // 1, 0.5, 0.25
  double expected = 0;
  for (int t = 0; t < 3; ++t) {
    schedule.apply(sgd);
    p.grad()[0] = 1.0;
    sgd.step();
    expected -= std::pow(0.5, t);
    EXPECT_DOUBLE_EQ(p.value()[0], expected);
  }
}

// State is sized when the optimizer is made: a step allocates nothing.
TEST(OptimUpdates, StepAllocatesNothing) {
  Parameter<float> w("w", Tensor<float>(20, 30)), b("b", Tensor<float>(1, 30));
  for (std::string_view name : kOptimizerNames) {
    auto optimizer = make_optimizer<float>(name, {&w, &b});
    w.grad().fill(0.5f);
    const std::size_t before = testing::allocation_count();
    for (int i = 0; i < 3; ++i) optimizer->step();
    EXPECT_EQ(testing::allocation_count() - before, 0u) << name;
  }
}

}  // namespace
}  // namespace cgrad
