#pragma once
// DistributedSampler: each epoch's shuffled order, cut into global batches, and each global
// batch cut into one shard per rank. Every rank computes the same order from the same seed
// (nn/'s Fisher–Yates on Rng, exactly the order MiniBatches uses), so no indices travel
// over the network, and one process sees exactly MiniBatches' batches.
//
// Rank r of N gets rows [r*B/N, (r+1)*B/N) of a global batch of B rows: shard sizes differ
// by at most one. DataParallel averages the ranks' gradients; for that average to be the
// gradient of the global batch's mean loss, each rank multiplies its shard's mean loss by
// loss_weight() = N * shard rows / B (exactly 1 when N divides B).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nn/dataset.h"
#include "nn/random.h"

namespace cgrad::dist {

class DistributedSampler {
 public:
  // Throws ValueError when rank is not in [0, size), batch_size is 0, or some global batch
  // (batch_size, or the epoch's last, n mod batch_size rows) would leave a rank without rows.
  DistributedSampler(std::size_t dataset_size, std::size_t batch_size, std::uint64_t seed, int rank, int size);

  // This rank's rows (indices into the dataset) of the next global batch; valid until the
  // next call. Allocates nothing.
  std::span<const std::size_t> next();
  // N * shard rows / global batch rows, for the shard next() returned last.
  double loss_weight() const { return loss_weight_; }
  // Completed passes over the data.
  std::size_t epoch() const { return epoch_; }
  std::size_t batches_per_epoch() const { return (order_.size() + batch_size_ - 1) / batch_size_; }

 private:
  void shuffle();

  std::size_t batch_size_;
  std::size_t rank_;
  std::size_t size_;
  Rng rng_;
  std::vector<std::size_t> order_;
  std::vector<std::size_t> finished_epoch_;  // the last shard of an epoch, kept past the reshuffle
  std::size_t position_ = 0;
  std::size_t epoch_ = 0;
  double loss_weight_ = 1.0;
};

// Copies `rows` of `data` into `batch` (reusing its buffers).
template <Real T>
void gather_rows(const Dataset<T>& data, std::span<const std::size_t> rows, Batch<T>& batch);

extern template void gather_rows<float>(const Dataset<float>&, std::span<const std::size_t>, Batch<float>&);
extern template void gather_rows<double>(const Dataset<double>&, std::span<const std::size_t>, Batch<double>&);

}  // namespace cgrad::dist
