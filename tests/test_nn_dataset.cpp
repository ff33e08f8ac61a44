// Mini-batches: sizes (a partial last batch), every row once per epoch, rows and labels
// kept together, determinism per seed, reshuffling per epoch, and the refusals.
#include <algorithm>
#include <gtest/gtest.h>
#include <numeric>

#include "cgrad.h"
#include "tests/support/allocation_counter.h"

namespace cgrad {
namespace {

// Row i is (i, -i) with label i: a batch row says which dataset row it came from.
Dataset<float> numbered(std::size_t n) {
  Tensor<float> x(n, 2);
  std::vector<std::int32_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    x(i, 0) = static_cast<float>(i);
    x(i, 1) = -static_cast<float>(i);
    labels[i] = static_cast<std::int32_t>(i);
  }
  return Dataset<float>(std::move(x), std::move(labels));
}

// The dataset rows of one epoch, in the order handed out, checking batch sizes.
std::vector<std::int32_t> one_epoch(MiniBatches<float>& batches, std::size_t n) {
  std::vector<std::int32_t> rows;
  for (std::size_t b = 0; b < batches.batches_per_epoch(); ++b) {
    const Batch<float>& batch = batches.next();
    const std::size_t expected = std::min(batches.batch_size(), n - b * batches.batch_size());
    EXPECT_EQ(batch.size(), expected);
    EXPECT_EQ(batch.features.shape(), (Shape{expected, 2}));
    for (std::size_t r = 0; r < batch.size(); ++r) {
      EXPECT_EQ(batch.features(r, 0), static_cast<float>(batch.labels[r]));
      EXPECT_EQ(batch.features(r, 1), -static_cast<float>(batch.labels[r]));
      rows.push_back(batch.labels[r]);
    }
  }
  return rows;
}

TEST(NnDataset, EpochsVisitEveryRowOnceWithAPartialLastBatch) {
  const Dataset<float> data = numbered(300);
  MiniBatches<float> batches(data, 64, 1);
  EXPECT_EQ(batches.batches_per_epoch(), 5u);  // 4 x 64 + 44
  std::vector<std::int32_t> all(300);
  std::iota(all.begin(), all.end(), 0);
  std::vector<std::int32_t> previous;
  for (int epoch = 0; epoch < 3; ++epoch) {
    EXPECT_EQ(batches.epoch(), static_cast<std::size_t>(epoch));
    std::vector<std::int32_t> rows = one_epoch(batches, 300);
    EXPECT_NE(rows, all) << "epoch " << epoch << " is not shuffled";
    EXPECT_NE(rows, previous) << "epoch " << epoch << " was not reshuffled";
    previous = rows;
    std::sort(rows.begin(), rows.end());
    EXPECT_EQ(rows, all) << "epoch " << epoch;
  }
}

TEST(NnDataset, SameSeedSameBatchesOtherSeedOthers) {
  const Dataset<float> data = numbered(100);
  MiniBatches<float> a(data, 32, 5), b(data, 32, 5), c(data, 32, 6);
  const auto first = one_epoch(a, 100);
  EXPECT_EQ(first, one_epoch(b, 100));
  EXPECT_NE(first, one_epoch(c, 100));
  EXPECT_EQ(one_epoch(a, 100), one_epoch(b, 100));  // the reshuffles agree too
}

// A fixed permutation for seed 0, so a change of the shuffle (or of a standard library
// under it) shows up: mt19937_64 is fully specified and the rest is our code.
TEST(NnDataset, ShuffleIsPortable) {
  const Dataset<float> data = numbered(8);
  MiniBatches<float> batches(data, 8, 0);
  const Batch<float>& batch = batches.next();
  EXPECT_EQ(batch.labels, (std::vector<std::int32_t>{4, 5, 2, 0, 7, 1, 3, 6}));
}

TEST(NnDataset, BatchLargerThanDataYieldsAllRows) {
  const Dataset<float> data = numbered(5);
  MiniBatches<float> batches(data, 64, 0);
  EXPECT_EQ(batches.next().size(), 5u);
  EXPECT_EQ(batches.next().size(), 5u);
  EXPECT_EQ(batches.epoch(), 2u);
}

// One Batch is reused: after the first batch, partial ones and new epochs included,
// next() allocates nothing.
TEST(NnDataset, NextAllocatesNothingInSteadyState) {
  const Dataset<float> data = numbered(300);
  MiniBatches<float> batches(data, 64, 3);
  batches.next();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 20; ++i) batches.next();  // four epochs, four partial batches
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

TEST(NnDataset, RefusesEmptyDataZeroBatchAndMismatchedLabels) {
  EXPECT_THROW(Dataset<float>(Tensor<float>(0, 2), {}), ValueError);
  EXPECT_THROW(Dataset<float>(Tensor<float>(2, 2), {0}), ShapeError);
  EXPECT_THROW(Dataset<float>(Tensor<float>(2, 2), {0, -1}), ValueError);
  const Dataset<float> data = numbered(3);
  EXPECT_THROW(MiniBatches<float>(data, 0, 0), ValueError);
}

}  // namespace
}  // namespace cgrad
