// The spiral dataset against the one NumPy draws with seed 0, and its size rules.
#include <cmath>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "spiral_data.h"
#include "spiral_test_data.h"

namespace cgrad::spiral {
namespace {

TEST(SpiralData, Seed0MatchesNumpyCsvWithin1e15) {
  const auto lines = test::read_lines("spiral_seed0.csv");
  ASSERT_EQ(lines.size(), 301u);  // header + 300 points
  RandomSource rng(RngKind::Numpy, 0);
  const SpiralData<double> data = make_spiral<double>(100, 3, rng);
  ASSERT_EQ(data.features.shape(), (Shape{300, 2}));
  double worst = 0.0;
  for (std::size_t i = 0; i < 300; ++i) {
    std::istringstream row(lines[i + 1]);
    std::string x0, x1, label;
    std::getline(row, x0, ',');
    std::getline(row, x1, ',');
    std::getline(row, label);
    worst = std::max({worst, std::abs(data.features(i, 0) - std::stod(x0)),
                      std::abs(data.features(i, 1) - std::stod(x1))});
    EXPECT_EQ(data.labels[i], std::stoi(label)) << "row " << i;
  }
  // NumPy's sin/cos (SIMD) and libm's differ by at most an ulp, hence not bitwise.
  EXPECT_LE(worst, 1e-15);
}

TEST(SpiralData, FloatDataIsTheDoubleDataRounded) {
  RandomSource a(RngKind::Numpy, 3), b(RngKind::Numpy, 3);
  const auto d = make_spiral<double>(20, 4, a);
  const auto f = make_spiral<float>(20, 4, b);
  for (std::size_t i = 0; i < d.features.size(); ++i)
    EXPECT_EQ(f.features[i], static_cast<float>(d.features[i]));
}

TEST(SpiralData, AnyPointsAndClasses) {
  RandomSource rng(RngKind::Std, 1);
  const auto data = make_spiral<double>(7, 5, rng);
  EXPECT_EQ(data.features.shape(), (Shape{35, 2}));
  EXPECT_EQ(data.classes, 5u);
  for (std::size_t i = 0; i < 35; ++i) {
    EXPECT_EQ(data.labels[i], static_cast<std::int32_t>(i / 7));
    EXPECT_LE(std::hypot(data.features(i, 0), data.features(i, 1)), 1.0 + 1e-12);
  }
  // The first point of every arm sits at radius 0, the last at radius 1.
  EXPECT_EQ(data.features(7, 0), 0.0);
  EXPECT_NEAR(std::hypot(data.features(13, 0), data.features(13, 1)), 1.0, 1e-12);
}

TEST(SpiralData, OnePointPerClass) {
  RandomSource rng(RngKind::Numpy, 0);
  const auto data = make_spiral<float>(1, 1, rng);
  EXPECT_EQ(data.features.shape(), (Shape{1, 2}));
  EXPECT_EQ(data.features(0, 0), 0.0f);  // radius linspace(0, 1, 1) = {0}
}

TEST(SpiralData, RejectsZeroPointsOrClasses) {
  RandomSource rng(RngKind::Numpy, 0);
  EXPECT_THROW(make_spiral<double>(0, 3, rng), ValueError);
  EXPECT_THROW(make_spiral<double>(100, 0, rng), ValueError);
  try {
    make_spiral<double>(100, 0, rng);
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("classes"), std::string::npos) << e.what();
  }
}

TEST(SpiralData, LinspaceMatchesNumpy) {
  // np.linspace(4, 8, 7) and np.linspace(0, 1, 1)
  const std::vector<double> expected{4, 4.666666666666667, 5.333333333333333, 6,
                                     6.6666666666666661, 7.333333333333333, 8};
  EXPECT_EQ(linspace(4, 8, 7), expected);
  EXPECT_EQ(linspace(0, 1, 1), std::vector<double>{0.0});
  EXPECT_TRUE(linspace(0, 1, 0).empty());
}

}  // namespace
}  // namespace cgrad::spiral
