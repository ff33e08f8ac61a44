// Training through the graph against the NumPy original (spiral_numpy.py), in process.
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model.h"
#include "spiral_data.h"
#include "spiral_test_data.h"
#include "train.h"

namespace cgrad::spiral {
namespace {

struct LogLine {
  std::size_t iteration;
  double loss;
};

LogLine parse_log_line(const std::string& line) {
  LogLine parsed{};
  EXPECT_EQ(std::sscanf(line.c_str(), "iteration %zu: loss %lf", &parsed.iteration, &parsed.loss), 2)
      << line;
  return parsed;
}

// The reference's log lines: the linear run's 20, then the two-layer run's 10.
std::vector<LogLine> reference_log() {
  std::vector<LogLine> lines;
  for (const std::string& line : test::read_lines("spiral_seed0_numpy_trajectory.txt"))
    if (line.rfind("iteration", 0) == 0) lines.push_back(parse_log_line(line));
  EXPECT_EQ(lines.size(), 30u);
  return lines;
}

// Data, linear, two-layer from one stream, as the seed runs them; returns the log lines.
std::vector<LogLine> run_seed(std::size_t two_layer_iterations, TrainResult& linear) {
  RandomSource rng(RngKind::Numpy, 0);
  const auto data = make_spiral<double>(100, 3, rng);
  std::vector<LogLine> log;
  const LogSink sink = [&](std::string_view line) { log.push_back(parse_log_line(std::string(line))); };

  const std::array<std::size_t, 2> linear_sizes{2, 3};
  Network<double> linear_net(linear_sizes, rng);
  Sgd<double> linear_sgd(linear_net.parameters(), {.lr = 1.0});
  linear = train(linear_net, linear_sgd, data, TrainOptions{.iterations = 200, .reg = 1e-3, .log_every = 10}, sink);

  const std::array<std::size_t, 3> two_layer_sizes{2, 100, 3};
  Network<double> two_layer(two_layer_sizes, rng);
  Sgd<double> two_layer_sgd(two_layer.parameters(), {.lr = 1.0});
  train(two_layer, two_layer_sgd, data, TrainOptions{.iterations = two_layer_iterations, .reg = 1e-3, .log_every = 1000}, sink);
  return log;
}

// The linear log to 1e-6 (all 20 lines), and the two-layer log through iteration 3000.
// Later two-layer lines are not compared: from about iteration 4000 on they move in the
// 5th-6th decimal with any change of rounding (NumPy itself, on this machine's OpenBLAS,
// prints 0.244972 at iteration 9000 against the reference's 0.245066).
TEST(SpiralTrain, LogMatchesNumpyTrajectory) {
  const auto expected = reference_log();
  TrainResult linear;
  const auto log = run_seed(3001, linear);
  ASSERT_EQ(log.size(), 24u);
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].iteration, expected[i].iteration);
    EXPECT_NEAR(log[i].loss, expected[i].loss, 1e-6) << "log line " << i;
  }
  EXPECT_NEAR(linear.accuracy, 0.49, 0.005);
  // The final loss is that of the parameters after the 200th update, one step past the
  // last log line (NumPy: 0.786281).
  EXPECT_NEAR(linear.loss, 0.786281, 1e-6);
}

template <class T>
class SpiralTwoLayer : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(SpiralTwoLayer, Dtypes);

TYPED_TEST(SpiralTwoLayer, ShortRunReachesNinetyPercent) {
  RandomSource rng(RngKind::Numpy, 0);
  const auto data = make_spiral<TypeParam>(100, 3, rng);
  const std::array<std::size_t, 3> sizes{2, 100, 3};
  Network<TypeParam> network(sizes, rng);
  Sgd<TypeParam> sgd(network.parameters(), {.lr = 1.0});
  const TrainResult result = train(network, sgd, data, TrainOptions{.iterations = 2000, .reg = 1e-3, .log_every = 1000}, [](std::string_view) {});
  EXPECT_GE(result.accuracy, 0.90);
  EXPECT_LT(result.loss, 0.35);
}

TEST(SpiralTrain, ZeroIterationsGivesTheInitialLoss) {
  RandomSource rng(RngKind::Numpy, 0);
  const auto data = make_spiral<double>(100, 3, rng);
  const std::array<std::size_t, 2> sizes{2, 3};
  Network<double> network(sizes, rng);
  Sgd<double> sgd(network.parameters(), {.lr = 1.0});
  const TrainResult result = train(network, sgd, data, TrainOptions{.iterations = 0, .reg = 1e-3, .log_every = 10}, [](std::string_view) {});
  EXPECT_NEAR(result.loss, 1.096919, 1e-6);
}

TEST(SpiralTrain, RejectsBadOptions) {
  RandomSource rng(RngKind::Numpy, 0);
  const auto data = make_spiral<double>(10, 3, rng);
  const std::array<std::size_t, 2> sizes{2, 3};
  Network<double> network(sizes, rng);
  const LogSink quiet = [](std::string_view) {};
  Sgd<double> sgd(network.parameters(), {.lr = 1.0});
  EXPECT_THROW(train(network, sgd, data, TrainOptions{.iterations = 1, .reg = std::nan(""), .log_every = 10}, quiet), ValueError);
  EXPECT_THROW(train(network, sgd, data, TrainOptions{.iterations = 1, .reg = 1e-3, .log_every = 0}, quiet), ValueError);
  EXPECT_THROW(train(network, sgd, data, TrainOptions{.iterations = 1, .batch = std::size_t{0}}, quiet), ValueError);
  const std::array<std::size_t, 3> zero_hidden{2, 0, 3};
  EXPECT_THROW(Network<double>(zero_hidden, rng), ValueError);
}

}  // namespace
}  // namespace cgrad::spiral
