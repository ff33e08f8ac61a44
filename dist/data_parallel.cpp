#include "dist/data_parallel.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "dist/environment.h"
#include "graph/error.h"

namespace cgrad::dist {
namespace {

template <Real T>
MPI_Datatype mpi_type() {
  return std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
}

int checked_count(std::size_t count, std::string_view what) {
  if (count > static_cast<std::size_t>(INT_MAX))
    throw ValueError(fmt::format("DataParallel: {} of {} values exceeds MPI's int count", what, count));
  return static_cast<int>(count);
}

}  // namespace

template <Real T>
void broadcast_parameters(const std::vector<Parameter<T>*>& parameters, int root, MPI_Comm communicator) {
  for (Parameter<T>* p : parameters) {
    Tensor<T>& value = p->mutable_value();
    check_mpi(MPI_Bcast(value.data(), checked_count(value.size(), "a parameter"), mpi_type<T>(), root, communicator),
              "MPI_Bcast");
  }
}

double sum_in_rank_order(double value, MPI_Comm communicator) {
  int n = 1;
  MPI_Comm_size(communicator, &n);
  std::vector<double> all(static_cast<std::size_t>(n));
  check_mpi(MPI_Allgather(&value, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, communicator), "MPI_Allgather");
  double total = 0;
  for (double v : all) total += v;
  return total;
}

template <Real T>
DataParallel<T>::DataParallel(std::vector<Parameter<T>*> parameters, DataParallelOptions options)
    : parameters_(std::move(parameters)), options_(options) {
  if (parameters_.empty()) throw ValueError("DataParallel: the parameter list is empty");
  if (options_.bucket_bytes == 0 || options_.first_bucket_bytes == 0)
    throw ValueError("DataParallel: bucket sizes must be at least one byte");
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i] == nullptr) throw ValueError(fmt::format("DataParallel: parameter {} is null", i));
    if (!index_of_.emplace(parameters_[i], i).second)
      throw ValueError(fmt::format("DataParallel: Parameter '{}' is listed twice", parameters_[i]->name()));
  }
  MPI_Comm_rank(options_.communicator, &rank_);
  MPI_Comm_size(options_.communicator, &size_);
  // Two private communicators: exchanges and gathers each start in bucket order, but an
  // exchange and a gather may start in either order relative to each other.
  check_mpi(MPI_Comm_dup(options_.communicator, &exchange_comm_), "MPI_Comm_dup");
  check_mpi(MPI_Comm_dup(options_.communicator, &gather_comm_), "MPI_Comm_dup");
  if (options_.broadcast_parameters) broadcast_parameters(parameters_, 0, options_.communicator);

  std::vector<std::size_t> reverse_order(parameters_.size());
  for (std::size_t i = 0; i < reverse_order.size(); ++i) reverse_order[i] = reverse_order.size() - 1 - i;
  build_buckets(reverse_order);
  announced_.reserve(parameters_.size());
  int thread_level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&thread_level);
  if (size_ > 1 && options_.progress_thread && thread_level >= MPI_THREAD_SERIALIZED)
    progress_thread_ = std::thread([this] { progress_loop(); });
}

template <Real T>
DataParallel<T>::~DataParallel() {
  if (progress_thread_.joinable()) {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    progress_thread_.join();
  }
  if (exchange_comm_ != MPI_COMM_NULL) MPI_Comm_free(&exchange_comm_);
  if (gather_comm_ != MPI_COMM_NULL) MPI_Comm_free(&gather_comm_);
}

// Fills buckets along `order`: the first up to first_bucket_bytes, the others up to
// bucket_bytes; a parameter larger than that gets a bucket of its own.
template <Real T>
void DataParallel<T>::build_buckets(const std::vector<std::size_t>& order) {
  buckets_.clear();
  bucket_of_.assign(parameters_.size(), 0);
  slot_of_.assign(parameters_.size(), 0);
  packed_.assign(parameters_.size(), false);
  std::size_t length = 0;
  for (std::size_t index : order) {
    const std::size_t bytes = parameters_[index]->value().size() * sizeof(T);
    const std::size_t limit = buckets_.size() <= 1 ? options_.first_bucket_bytes : options_.bucket_bytes;
    if (buckets_.empty() || (length > 0 && (length * sizeof(T) + bytes > limit))) {
      buckets_.emplace_back();
      length = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket_of_[index] = buckets_.size() - 1;
    slot_of_[index] = bucket.members.size();
    bucket.members.push_back(index);
    bucket.offsets.push_back(length);
    length += parameters_[index]->value().size();
    bucket.chunk = (length + static_cast<std::size_t>(size_) - 1) / static_cast<std::size_t>(size_);
  }
  for (Bucket& bucket : buckets_) {
    bucket.waiting = bucket.members.size();
    if (size_ == 1) continue;  // nothing is exchanged: no buffers
    const std::size_t padded = bucket.chunk * static_cast<std::size_t>(size_);
    checked_count(padded, "a bucket");
    bucket.packed.assign(padded, T{0});
    bucket.received.assign(padded, T{0});
    bucket.reduced.assign(bucket.chunk, T{0});
  }
  next_to_start_ = next_to_gather_ = 0;
}

template <Real T>
void DataParallel<T>::attach(Graph<T>& graph) {
  graph.set_grad_ready_hook([this](Parameter<T>& parameter) { on_grad_ready(parameter); });
}

template <Real T>
void DataParallel<T>::detach(Graph<T>& graph) {
  graph.set_grad_ready_hook({});
}

template <Real T>
void DataParallel<T>::on_grad_ready(Parameter<T>& parameter) {
  const auto found = index_of_.find(&parameter);
  if (found == index_of_.end()) return;  // not ours
  if (first_step_) announced_.push_back(found->second);
  if (size_ == 1 || !options_.overlap) return;
  pack(found->second);
  if (progress_thread_.joinable()) {
    std::size_t startable = next_to_start_;
    while (startable < buckets_.size() && buckets_[startable].waiting == 0) ++startable;
    if (startable > next_to_start_) hand_over(startable);
    return;
  }
  start_ready_buckets();
  progress();
}

// Buckets [0, startable) are packed: the progress thread may start them.
template <Real T>
void DataParallel<T>::hand_over(std::size_t startable) {
  next_to_start_ = startable;
  {
    const std::lock_guard lock(mutex_);
    startable_ = startable;
  }
  wake_.notify_one();
}

// The progress thread: starts the buckets it is handed, in order, and moves each one from
// exchange to reduction to gather, testing every 50 us while backward runs and without
// pause once finish() waits (asleep, leaving it the core). It sleeps between steps and
// makes no MPI call then, so the main thread may make its own.
template <Real T>
void DataParallel<T>::progress_loop() {
  std::size_t started = 0, gathering = 0, completed = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (started == completed)
      wake_.wait(lock, [&] { return stop_ || startable_ > started; });
    else if (startable_ < buckets_.size())  // backward is still running: test now and then
      wake_.wait_for(lock, std::chrono::microseconds(50), [&] { return stop_ || startable_ > started; });
    // else finish() is waiting, asleep: poll without pause, as MPI_Wait would
    if (stop_) return;
    const std::size_t startable = startable_;
    lock.unlock();
    for (; started < startable; ++started) start_exchange(buckets_[started]);
    int done = 1;
    while (gathering < started && done != 0) {
      check_mpi(MPI_Test(&buckets_[gathering].request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done != 0) reduce_and_gather(buckets_[gathering++]);
    }
    done = 1;
    while (completed < gathering && done != 0) {
      check_mpi(MPI_Test(&buckets_[completed].request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done != 0) {
        buckets_[completed].done_at = std::chrono::steady_clock::now();
        buckets_[completed++].stage = Stage::Done;
      }
    }
    lock.lock();
    if (completed == buckets_.size()) {  // this step's exchange is over: report and rest
      started = gathering = completed = 0;
      startable_ = 0;
      step_done_ = true;
      all_done_.notify_one();
    }
  }
}

template <Real T>
void DataParallel<T>::pack(std::size_t parameter_index) {
  if (packed_[parameter_index])
    throw GraphError(fmt::format(
        "DataParallel: the gradient of Parameter '{}' was announced twice before finish(); run one backward "
        "per step (sum micro-batch losses into one loss instead of accumulating grads)",
        parameters_[parameter_index]->name()));
  const Parameter<T>& p = *parameters_[parameter_index];
  if (p.grad().size() != p.value().size())
    throw ShapeError(fmt::format("DataParallel: Parameter '{}' has a gradient of {} for a value of {}", p.name(),
                                 p.grad().shape(), p.value().shape()));
  Bucket& bucket = buckets_[bucket_of_[parameter_index]];
  std::memcpy(bucket.packed.data() + bucket.offsets[slot_of_[parameter_index]], p.grad().data(),
              p.grad().size() * sizeof(T));
  packed_[parameter_index] = true;
  --bucket.waiting;
}

template <Real T>
void DataParallel<T>::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].waiting == 0)
    start_exchange(buckets_[next_to_start_++]);
}

template <Real T>
void DataParallel<T>::start_exchange(Bucket& bucket) {
  const int chunk = static_cast<int>(bucket.chunk);
  check_mpi(MPI_Ialltoall(bucket.packed.data(), chunk, mpi_type<T>(), bucket.received.data(), chunk, mpi_type<T>(),
                          exchange_comm_, &bucket.request),
            "MPI_Ialltoall");
  bucket.stage = Stage::Exchanging;
  bucket.started_at = std::chrono::steady_clock::now();
}

// My chunk from every rank is in: add the copies in rank order, average, and share.
template <Real T>
void DataParallel<T>::reduce_and_gather(Bucket& bucket) {
  const std::size_t chunk = bucket.chunk;
  const T* received = bucket.received.data();
  T* reduced = bucket.reduced.data();
  std::memcpy(reduced, received, chunk * sizeof(T));
  for (int r = 1; r < size_; ++r) {
    const T* from = received + static_cast<std::size_t>(r) * chunk;
    for (std::size_t j = 0; j < chunk; ++j) reduced[j] += from[j];
  }
  const T ranks = static_cast<T>(size_);
  for (std::size_t j = 0; j < chunk; ++j) reduced[j] /= ranks;
  check_mpi(MPI_Iallgather(reduced, static_cast<int>(chunk), mpi_type<T>(), bucket.packed.data(),
                           static_cast<int>(chunk), mpi_type<T>(), gather_comm_, &bucket.request),
            "MPI_Iallgather");
  bucket.stage = Stage::Gathering;
}

// Drives MPI's progress and moves finished exchanges on to their gathers, in bucket order.
template <Real T>
void DataParallel<T>::progress() {
  while (next_to_gather_ < next_to_start_) {
    Bucket& bucket = buckets_[next_to_gather_];
    int done = 0;
    check_mpi(MPI_Test(&bucket.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done == 0) return;
    reduce_and_gather(bucket);
    ++next_to_gather_;
  }
  // Every started exchange is gathering: test the oldest gather so that it moves too.
  for (std::size_t b = 0; b < next_to_start_; ++b) {
    Bucket& bucket = buckets_[b];
    if (bucket.stage != Stage::Gathering) continue;
    int done = 0;
    check_mpi(MPI_Test(&bucket.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done != 0) {
      bucket.stage = Stage::Done;
      bucket.done_at = std::chrono::steady_clock::now();
    }
    return;
  }
}

template <Real T>
void DataParallel<T>::finish() {
  const auto start = std::chrono::steady_clock::now();
  if (size_ > 1) {
    // Gradients never announced (no hook, or a parameter this rank's graph did not use)
    // go as they are: every rank starts every bucket.
    for (std::size_t i = 0; i < parameters_.size(); ++i)
      if (!packed_[i]) pack(i);
    if (progress_thread_.joinable()) {
      // Hand over only what the hook did not: when backward announced every gradient, the
      // thread may have finished the step already (startable_ back at 0), and handing the
      // buckets over again would start a second exchange of every bucket on this rank alone.
      if (next_to_start_ < buckets_.size()) hand_over(buckets_.size());
      std::unique_lock lock(mutex_);
      all_done_.wait(lock, [this] { return step_done_; });
      step_done_ = false;
      next_to_gather_ = buckets_.size();
    }
    start_ready_buckets();
    for (; next_to_gather_ < buckets_.size(); ++next_to_gather_) {
      Bucket& bucket = buckets_[next_to_gather_];
      check_mpi(MPI_Wait(&bucket.request, MPI_STATUS_IGNORE), "MPI_Wait");
      reduce_and_gather(bucket);
    }
    double hidden = 0, total = 0;
    for (Bucket& bucket : buckets_) {
      if (bucket.stage == Stage::Gathering) {
        check_mpi(MPI_Wait(&bucket.request, MPI_STATUS_IGNORE), "MPI_Wait");
        bucket.done_at = std::chrono::steady_clock::now();
      }
      // The part of this exchange that ran before backward ended (when finish() began).
      total += std::chrono::duration<double>(bucket.done_at - bucket.started_at).count();
      hidden += std::max(0.0, std::chrono::duration<double>(std::min(bucket.done_at, start) - bucket.started_at).count());
      for (std::size_t m = 0; m < bucket.members.size(); ++m) {
        Tensor<T>& grad = parameters_[bucket.members[m]]->grad();
        std::memcpy(grad.data(), bucket.packed.data() + bucket.offsets[m], grad.size() * sizeof(T));
      }
      bucket.waiting = bucket.members.size();
      bucket.stage = Stage::Filling;
    }
    std::fill(packed_.begin(), packed_.end(), false);
    next_to_start_ = next_to_gather_ = 0;
    last_hidden_fraction_ = total > 0 ? hidden / total : 0.0;
  }
  if (first_step_) adopt_announced_order();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  last_finish_seconds_ = elapsed.count();
}

// After the first step: bucket in the order backward announced the gradients (rank 0's
// view, so that every rank builds the same buckets), the unannounced ones last.
template <Real T>
void DataParallel<T>::adopt_announced_order() {
  first_step_ = false;
  std::vector<std::size_t> order;
  std::vector<bool> seen(parameters_.size(), false);
  for (std::size_t index : announced_)
    if (!seen[index]) {
      seen[index] = true;
      order.push_back(index);
    }
  for (std::size_t i = parameters_.size(); i-- > 0;)
    if (!seen[i]) order.push_back(i);
  announced_.clear();
  announced_.shrink_to_fit();
  if (size_ > 1) {
    std::vector<long long> shared(order.begin(), order.end());
    check_mpi(MPI_Bcast(shared.data(), static_cast<int>(shared.size()), MPI_LONG_LONG, 0, options_.communicator),
              "MPI_Bcast");
    order.assign(shared.begin(), shared.end());
  }
  build_buckets(order);
}

template <Real T>
std::vector<std::vector<std::string>> DataParallel<T>::bucket_names() const {
  std::vector<std::vector<std::string>> names;
  for (const Bucket& bucket : buckets_) {
    names.emplace_back();
    for (std::size_t index : bucket.members) names.back().push_back(parameters_[index]->name());
  }
  return names;
}

template void broadcast_parameters<float>(const std::vector<Parameter<float>*>&, int, MPI_Comm);
template void broadcast_parameters<double>(const std::vector<Parameter<double>*>&, int, MPI_Comm);
template class DataParallel<float>;
template class DataParallel<double>;

}  // namespace cgrad::dist
