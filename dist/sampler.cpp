#include "dist/sampler.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::dist {

DistributedSampler::DistributedSampler(std::size_t dataset_size, std::size_t batch_size, std::uint64_t seed,
                                       int rank, int size)
    : batch_size_(batch_size), rank_(static_cast<std::size_t>(rank)), size_(static_cast<std::size_t>(size)),
      rng_(seed), order_(dataset_size) {
  if (size < 1 || rank < 0 || rank >= size)
    throw ValueError(fmt::format("DistributedSampler: rank {} is outside [0, {})", rank, size));
  if (batch_size == 0) throw ValueError("DistributedSampler: batch_size = 0 is outside the allowed range [1, inf)");
  const std::size_t full = std::min(batch_size, dataset_size);
  const std::size_t last = dataset_size % batch_size;
  if (full < size_ || (last != 0 && last < size_))
    throw ValueError(fmt::format(
        "DistributedSampler: {} rows in batches of {} gives a batch of {} rows, fewer than the {} ranks; every "
        "rank needs at least one row",
        dataset_size, batch_size, full < size_ ? full : last, size_));
  finished_epoch_.reserve(full / size_ + 1);
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  shuffle();
}

// The same shuffle as MiniBatches, on the same Rng stream.
void DistributedSampler::shuffle() { rng_.shuffle(order_); }

std::span<const std::size_t> DistributedSampler::next() {
  const std::size_t rows = std::min(batch_size_, order_.size() - position_);
  const std::size_t begin = position_ + rows * rank_ / size_;
  const std::size_t end = position_ + rows * (rank_ + 1) / size_;
  loss_weight_ = static_cast<double>(size_ * (end - begin)) / static_cast<double>(rows);
  position_ += rows;
  const std::span<const std::size_t> shard(order_.data() + begin, end - begin);
  if (position_ == order_.size()) {
    // The shard must survive the reshuffle: swap the epoch's order out first.
    position_ = 0;
    ++epoch_;
    finished_epoch_.assign(shard.begin(), shard.end());
    shuffle();
    return finished_epoch_;
  }
  return shard;
}

template <Real T>
void gather_rows(const Dataset<T>& data, std::span<const std::size_t> rows, Batch<T>& batch) {
  const std::size_t cols = data.features().cols();
  batch.features.resize(rows.size(), cols);
  batch.labels.resize(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(batch.features.data() + r * cols, data.features().data() + rows[r] * cols, cols * sizeof(T));
    batch.labels[r] = data.labels()[rows[r]];
  }
}

template void gather_rows<float>(const Dataset<float>&, std::span<const std::size_t>, Batch<float>&);
template void gather_rows<double>(const Dataset<double>&, std::span<const std::size_t>, Batch<double>&);

}  // namespace cgrad::dist
