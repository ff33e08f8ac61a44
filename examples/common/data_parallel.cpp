#include "data_parallel.h"

#if CGRAD_EXAMPLES_DISTRIBUTED
#include "dist/data_parallel.h"
#include "dist/sampler.h"
#endif

namespace cgrad::examples {

#if CGRAD_EXAMPLES_DISTRIBUTED
struct DataParallel::Dist {
  dist::DataParallel<float> gradients;
  dist::DistributedSampler sampler;
  Dist(const std::vector<Parameter<float>*>& parameters, std::size_t rows, std::size_t batch, std::uint64_t seed)
      : gradients(parameters), sampler(rows, batch, seed, gradients.rank(), gradients.size()) {}
};
#else
struct DataParallel::Dist {};
#endif

DataParallel::DataParallel(const std::vector<Parameter<float>*>& parameters, bool distributed, std::size_t rows,
                           std::size_t batch, std::uint64_t seed) {
  if (!distributed) return;
#if CGRAD_EXAMPLES_DISTRIBUTED
  dist_ = std::make_unique<Dist>(parameters, rows, batch, seed);
  rank_ = dist_->gradients.rank();
  size_ = dist_->gradients.size();
#else
  (void)parameters;
  (void)rows;
  (void)batch;
  (void)seed;
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
std::span<const std::size_t> DataParallel::next_shard() { return dist_->sampler.next(); }
void DataParallel::next_shard(const Dataset<float>& data, Batch<float>& shard) {
  dist::gather_rows(data, dist_->sampler.next(), shard);
}
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
std::size_t DataParallel::batches_per_epoch() const { return 0; }
#endif

}  // namespace cgrad::examples
