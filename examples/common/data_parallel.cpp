#include "data_parallel.h"

#if CGRAD_EXAMPLES_DISTRIBUTED
#include "dist/checkpoint.h"
#include "dist/data_parallel.h"
#include "dist/environment.h"
#include "dist/sampler.h"

#include <optional>
#endif

namespace cgrad::examples {

#if CGRAD_EXAMPLES_DISTRIBUTED
struct DataParallel::Dist {
  dist::DataParallel<float> gradients;
  dist::DistributedSampler sampler;
  // Rank 0 of 1 on the same seed: the same global batches, whole (dist/sampler.h).
  std::optional<dist::DistributedSampler> whole;
  std::span<const std::size_t> global_batch;
  Dist(const std::vector<Parameter<float>*>& parameters, std::size_t rows, std::size_t batch, std::uint64_t seed,
       bool global_batches)
      : gradients(parameters),
        sampler(rows, batch, seed, gradients.rank(), gradients.size()),
        whole(global_batches ? std::optional<dist::DistributedSampler>(std::in_place, rows, batch, seed, 0, 1)
                             : std::nullopt) {}
  std::span<const std::size_t> next() {
    if (whole) global_batch = whole->next();
    return sampler.next();
  }
};
#else
struct DataParallel::Dist {};
#endif

DataParallel::DataParallel(const std::vector<Parameter<float>*>& parameters, bool distributed, std::size_t rows,
                           std::size_t batch, std::uint64_t seed, bool global_batches) {
  if (!distributed) return;
#if CGRAD_EXAMPLES_DISTRIBUTED
  dist_ = std::make_unique<Dist>(parameters, rows, batch, seed, global_batches);
  rank_ = dist_->gradients.rank();
  size_ = dist_->gradients.size();
#else
  (void)parameters;
  (void)rows;
  (void)batch;
  (void)seed;
  (void)global_batches;
  throw ValueError("train: distributed training needs a build with MPI (dist/)");
#endif
}

DataParallel::~DataParallel() = default;

#if CGRAD_EXAMPLES_DISTRIBUTED
void DataParallel::attach(Graph<float>& graph) {
  if (dist_) dist_->gradients.attach(graph);
}
void DataParallel::finish() {
  if (dist_) dist_->gradients.finish();
}
void DataParallel::detach(Graph<float>& graph) {
  if (dist_) dist_->gradients.detach(graph);
}
double DataParallel::sum_over_ranks(double value) const {
  return dist_ ? dist::sum_in_rank_order(value) : value;
}
std::span<const std::size_t> DataParallel::next_shard() { return dist_->next(); }
void DataParallel::next_shard(const Dataset<float>& data, Batch<float>& shard) {
  dist::gather_rows(data, dist_->next(), shard);
}
std::span<const std::size_t> DataParallel::global_batch() const { return dist_->global_batch; }
double DataParallel::loss_weight() const { return dist_->sampler.loss_weight(); }
std::size_t DataParallel::batches_per_epoch() const { return dist_->sampler.batches_per_epoch(); }
#else
// Nothing was built to call: dist_ is always null here.
void DataParallel::attach(Graph<float>&) {}
void DataParallel::finish() {}
void DataParallel::detach(Graph<float>&) {}
double DataParallel::sum_over_ranks(double value) const { return value; }
std::span<const std::size_t> DataParallel::next_shard() { return {}; }
void DataParallel::next_shard(const Dataset<float>&, Batch<float>&) {}
double DataParallel::loss_weight() const { return 1.0; }
std::span<const std::size_t> DataParallel::global_batch() const { return {}; }
std::size_t DataParallel::batches_per_epoch() const { return 0; }
#endif

bool is_root(bool distributed) {
#if CGRAD_EXAMPLES_DISTRIBUTED
  return !distributed || dist::rank() == 0;
#else
  (void)distributed;
  return true;
#endif
}

void save_checkpoint(const std::filesystem::path& file, const Module<float>& module,
                     const Optimizer<float>& optimizer, bool distributed) {
#if CGRAD_EXAMPLES_DISTRIBUTED
  if (distributed) return dist::save_checkpoint_on_root<float>(file, module.named_parameters(), &optimizer);
#else
  (void)distributed;
#endif
  cgrad::save_checkpoint<float>(file, module, &optimizer);
}

}  // namespace cgrad::examples
