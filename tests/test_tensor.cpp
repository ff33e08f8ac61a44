#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cgrad.h"

namespace cgrad {
namespace {

bool aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kTensorAlignment == 0; }

TEST(Tensor, DefaultIsEmpty) {
  Tensor<float> t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_EQ(t.cols(), 0u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.capacity(), 0u);
  EXPECT_EQ(t.shape(), (Shape{0, 0}));
}

TEST(Tensor, ConstructionZeroFills) {
  Tensor<double> t(3, 4);
  EXPECT_EQ(t.shape(), (Shape{3, 4}));
  EXPECT_EQ(t.size(), 12u);
  for (double v : t.span()) EXPECT_EQ(v, 0.0);
  Tensor<float> s(Shape{2, 5});
  EXPECT_EQ(s.shape(), (Shape{2, 5}));
  for (float v : s.span()) EXPECT_EQ(v, 0.0f);
}

TEST(Tensor, FullFillsWithTheValue) {
  Tensor<float> t = Tensor<float>::full(2, 3, 1.5f);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  for (float v : t.span()) EXPECT_EQ(v, 1.5f);
}

TEST(Tensor, InitializerListIsRowMajor) {
  Tensor<float> t(2, 3, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t(0, 0), 1);
  EXPECT_EQ(t(0, 2), 3);
  EXPECT_EQ(t(1, 0), 4);
  EXPECT_EQ(t(1, 2), 6);
  EXPECT_EQ(t[4], 5);
}

TEST(Tensor, InitializerListCountMismatchThrowsShapeError) {
  EXPECT_THROW((Tensor<float>(2, 2, {1, 2, 3})), ShapeError);
  EXPECT_THROW((Tensor<double>(1, 2, {1, 2, 3})), ShapeError);
  EXPECT_THROW((Tensor<double>(0, 0, {1})), ShapeError);
  EXPECT_NO_THROW((Tensor<double>(0, 3, {})));
}

TEST(Tensor, ResizeKeepsCapacity) {
  Tensor<float> t(10, 10);
  const float* buffer = t.data();
  EXPECT_EQ(t.capacity(), 100u);
  t.resize(2, 3);  // shrinking keeps the allocation
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.data(), buffer);
  EXPECT_EQ(t.capacity(), 100u);
  t.resize(Shape{5, 20});  // regrowing within capacity: no reallocation
  EXPECT_EQ(t.shape(), (Shape{5, 20}));
  EXPECT_EQ(t.data(), buffer);
  EXPECT_EQ(t.capacity(), 100u);
  t.resize(11, 10);  // beyond capacity: a new, larger buffer
  EXPECT_EQ(t.size(), 110u);
  EXPECT_GE(t.capacity(), 110u);
}

TEST(Tensor, StorageIs64ByteAligned) {
  for (std::size_t n : {1u, 3u, 7u, 17u, 100u, 1001u}) {
    Tensor<float> f(n, 3);
    Tensor<double> d(3, n);
    EXPECT_TRUE(aligned(f.data())) << n;
    EXPECT_TRUE(aligned(d.data())) << n;
    f.resize(n * 5, 7);
    EXPECT_TRUE(aligned(f.data())) << n;
    const Tensor<double> copy = d;
    EXPECT_TRUE(aligned(copy.data())) << n;
  }
}

TEST(Tensor, CopyIsDeep) {
  Tensor<double> a(2, 2, {1, 2, 3, 4});
  Tensor<double> b = a;
  EXPECT_NE(b.data(), a.data());
  EXPECT_EQ(b.shape(), a.shape());
  b(0, 0) = 10;
  EXPECT_EQ(a(0, 0), 1);
  EXPECT_EQ(b(1, 1), 4);

  Tensor<double> c(5, 5);
  const double* buffer = c.data();
  c = a;  // fits: the assigned-to tensor keeps its buffer
  EXPECT_EQ(c.data(), buffer);
  EXPECT_EQ(c.shape(), (Shape{2, 2}));
  EXPECT_EQ(c(1, 0), 3);

  const Tensor<double>& alias = c;
  c = alias;  // self-assignment leaves it alone
  EXPECT_EQ(c(1, 0), 3);
}

TEST(Tensor, MoveTransfersTheBuffer) {
  Tensor<float> a(3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const float* buffer = a.data();
  Tensor<float> b = std::move(a);
  EXPECT_EQ(b.data(), buffer);
  EXPECT_EQ(b.shape(), (Shape{3, 3}));
  EXPECT_EQ(b(2, 2), 9);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is valid and empty

  Tensor<float> c(1, 1);
  c = std::move(b);
  EXPECT_EQ(c.data(), buffer);
  EXPECT_EQ(c(1, 1), 5);
  b = Tensor<float>(2, 2, {1, 1, 1, 1});  // the moved-from tensor is still usable
  EXPECT_EQ(b(1, 1), 1);
}

TEST(Tensor, FormatsShapeDtypeAndValues) {
  const Tensor<float> t(2, 3, {1, 2.5f, -3, 4, 0.125f, 6});
  EXPECT_EQ(fmt::format("{}", t), "Tensor[2,3] f32\n[[1, 2.5, -3],\n [4, 0.125, 6]]");
  const Tensor<double> d(1, 1, {0.5});
  EXPECT_EQ(fmt::format("{}", d), "Tensor[1,1] f64\n[[0.5]]");
  EXPECT_EQ(fmt::format("{}", Shape{300, 2}), "[300,2]");
}

TEST(Tensor, FormatElidesLargeTensors) {
  Tensor<float> t(10, 10);
  for (std::size_t r = 0; r < 10; ++r)
    for (std::size_t c = 0; c < 10; ++c) t(r, c) = static_cast<float>(r * 10 + c);
  EXPECT_EQ(fmt::format("{}", t),
            "Tensor[10,10] f32\n"
            "[[0, 1, 2, ..., 7, 8, 9],\n"
            " [10, 11, 12, ..., 17, 18, 19],\n"
            " [20, 21, 22, ..., 27, 28, 29],\n"
            " ...,\n"
            " [70, 71, 72, ..., 77, 78, 79],\n"
            " [80, 81, 82, ..., 87, 88, 89],\n"
            " [90, 91, 92, ..., 97, 98, 99]]");
}

TEST(Tensor, FormatShowsSixWithoutElision) {
  const Tensor<double> t = Tensor<double>::full(6, 6, 1);
  const std::string text = fmt::format("{}", t);
  EXPECT_EQ(text.find("..."), std::string::npos) << text;
  EXPECT_NE(text.find(" [1, 1, 1, 1, 1, 1]]"), std::string::npos) << text;
}

}  // namespace
}  // namespace cgrad
