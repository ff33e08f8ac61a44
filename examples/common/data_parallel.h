#pragma once
// The data-parallel side of an example's training loop (dist/), so that the loop itself
// needs no #if: with `distributed`, every rank trains on its shard of each global batch
// (dist::DistributedSampler: MiniBatches' order) and dist::DataParallel averages the
// gradients; without it, every call below is a no-op or the one-process value, and the
// loop draws its own batches. Digits and chars share it, and the two functions at the end.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "cgrad.h"

namespace cgrad::examples {

class DataParallel {
 public:
  // Distributed: collective over MPI_COMM_WORLD (MPI initialized); the global batches are
  // `batch` of `rows` rows, shuffled by `seed`. With `global_batches`, global_batch() is
  // kept too. Throws ValueError in a build without MPI.
  DataParallel(const std::vector<Parameter<float>*>& parameters, bool distributed, std::size_t rows,
               std::size_t batch, std::uint64_t seed, bool global_batches = false);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  bool distributed() const { return dist_ != nullptr; }
  int rank() const { return rank_; }
  int size() const { return size_; }

  // dist::DataParallel's: the hook on `graph`, the gradient exchange after backward, and
  // the hook's removal before the graph or this dies.
  void attach(Graph<float>& graph);
  void finish();
  void detach(Graph<float>& graph);

  // The sum of every rank's value, added in rank order (collective); the value itself in
  // one process.
  double sum_over_ranks(double value) const;

  // Distributed only. This rank's rows of the next global batch (valid until the next call)
  // and the factor on their mean loss that makes the ranks' averaged gradient the global
  // batch's mean (dist::DistributedSampler::loss_weight).
  std::span<const std::size_t> next_shard();
  // The same, as those rows of `data` copied into `shard` (dist::gather_rows).
  void next_shard(const Dataset<float>& data, Batch<float>& shard);
  double loss_weight() const;
  // Every rank's rows of the global batch next_shard() drew last, in rank order (with
  // `global_batches`): what a rank needs to weigh its shard by anything other than rows,
  // derived locally (a one-rank sampler on the same seed, stepped alongside) instead of
  // exchanged every step.
  std::span<const std::size_t> global_batch() const;
  std::size_t batches_per_epoch() const;

 private:
  struct Dist;  // dist::DataParallel and dist::DistributedSampler, only in a build with MPI
  std::unique_ptr<Dist> dist_;
  int rank_ = 0;
  int size_ = 1;
};

// In a data-parallel run every rank holds the same model, and rank 0 alone prints, writes
// files and samples: whether this process is the one (always, in one process).
bool is_root(bool distributed);

// save_checkpoint of `module` and `optimizer`. Distributed, collective: rank 0 writes
// (dist::save_checkpoint_on_root), and every rank returns once the file is in place.
void save_checkpoint(const std::filesystem::path& file, const Module<float>& module,
                     const Optimizer<float>& optimizer, bool distributed);

}  // namespace cgrad::examples
