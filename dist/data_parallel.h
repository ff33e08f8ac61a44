#pragma once
// DataParallel<T>: data-parallel training over MPI, in the manner of PyTorch's DDP and
// Horovod. Every rank holds the whole model, runs forward and backward on its own shard of
// the global batch, and finish() leaves in every parameter's grad the average of the
// ranks' gradients, identical on every rank, before the optimizer step:
//
//   cgrad::dist::DataParallel<float> ddp(model.parameters());   // collective: every rank
//   ddp.attach(graph);                                         // overlap with backward
//   for (...) {
//     graph.clear();  optimizer.zero_grad();
//     Var<float> loss = ...my shard of the batch...;
//     graph.backward(loss);   // buckets start their exchange as their gradients finish
//     ddp.finish();           // waits, averages, writes the grads
//     optimizer.step();
//   }
//
// Buckets. Gradients are packed into buckets of about bucket_bytes (the first one, which
// backward fills first, of first_bucket_bytes, so that communication starts early). Before
// the first step the parameters are bucketed in the reverse of the given order (the order
// of a forward pass, reversed); finish() of the first step rebuilds the buckets in the
// order the graph's grad-ready hook actually announced the gradients, as rank 0 saw it.
// A bucket's exchange starts as soon as backward has finished the last gradient it holds
// (Graph::set_grad_ready_hook), and buckets start in the same order on every rank.
//
// Progress. Open MPI moves a non-blocking collective forward only inside MPI calls, and a
// backward pass spends milliseconds in one matrix product without any. So a progress
// thread (one per DataParallel, asleep between steps) makes all of DataParallel's MPI
// calls: it starts the buckets that the hook hands it, tests them every 50 us (without
// pause once finish() waits), reduces and gathers. That needs MPI_THREAD_SERIALIZED or better (dist::Environment asks for
// MPI_THREAD_MULTIPLE); below that, or with progress_thread off, the hook itself starts
// the buckets and tests the oldest one at each announcement. With a progress thread and
// only MPI_THREAD_SERIALIZED, make no MPI call of your own between backward and finish().
//
// Determinism. A bucket of L values is cut into N chunks. MPI_Ialltoall sends chunk r of
// every rank to rank r, which sums the N copies in rank order 0, 1, ..., N-1 (a fixed
// order, whatever algorithm MPI picks) and divides by N; MPI_Iallgather then copies every
// rank's reduced chunk to all. Each rank moves 2(N-1)/N of the bucket, as a ring
// all-reduce does, and all ranks end with the same bits, run after run. The average of
// N shard gradients equals the full-batch gradient within rounding when every rank's loss
// is the mean over an equal shard (see DistributedSampler).
//
// Contract: the same parameters, in the same order and shapes, on every rank; one
// backward pass per finish() (accumulate over micro-batches in the loss, not in grads);
// every rank calls finish() every step. With one process nothing is communicated and the
// gradients are left as backward wrote them.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <mpi.h>

#include "graph/graph.h"
#include "graph/parameter.h"

namespace cgrad::dist {

struct DataParallelOptions {
  std::size_t bucket_bytes = std::size_t{4} << 20;         // 4 MiB
  std::size_t first_bucket_bytes = std::size_t{256} << 10;  // 256 KiB: the first to start
  // Start each bucket's exchange during backward (the hook). Off: finish() starts them all
  // after backward, the baseline the benchmark compares against.
  bool overlap = true;
  // Drive communication from a thread of its own (see "Progress").
  bool progress_thread = true;
  // Copy rank 0's parameter values to every rank at construction.
  bool broadcast_parameters = true;
  MPI_Comm communicator = MPI_COMM_WORLD;
};

// Copies root's values of `parameters` to every rank of `communicator` (collective).
template <Real T>
void broadcast_parameters(const std::vector<Parameter<T>*>& parameters, int root = 0,
                          MPI_Comm communicator = MPI_COMM_WORLD);

// The sum of one value from every rank, added in rank order, the same bits on every rank
// (collective): for logging a global loss.
double sum_in_rank_order(double value, MPI_Comm communicator = MPI_COMM_WORLD);

template <Real T>
class DataParallel {
 public:
  // Collective over options.communicator. Throws ValueError for an empty or repeated
  // parameter list or a zero bucket size.
  explicit DataParallel(std::vector<Parameter<T>*> parameters, DataParallelOptions options = {});
  ~DataParallel();
  // Holds requests into its own buffers and a hook in graphs: neither copied nor moved.
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // Installs the grad-ready hook on `graph` (replacing any other), so backward on it
  // starts buckets. Call detach() (or let the graph die first) before this dies.
  void attach(Graph<T>& graph);
  void detach(Graph<T>& graph);
  // Waits for every bucket and writes the average gradient into every parameter's grad.
  void finish();

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The buckets, as the parameters' names in packing order (for tests and logs).
  std::vector<std::vector<std::string>> bucket_names() const;
  // Seconds the last finish() took: communication that backward did not hide.
  double last_finish_seconds() const { return last_finish_seconds_; }
  // Of the last step's bucket exchanges (each from its start to its gather's end, by
  // timestamps), the fraction of time that passed before backward ended (finish() was
  // called): the communication hidden behind backward. 0 with one process.
  double last_hidden_fraction() const { return last_hidden_fraction_; }

 private:
  enum class Stage { Filling, Exchanging, Gathering, Done };
  struct Bucket {
    std::vector<std::size_t> members;  // parameter indices, in packing order
    std::vector<std::size_t> offsets;  // where each member starts in `packed`
    std::size_t chunk = 0;             // ceil(length / N): what each rank reduces
    std::vector<T> packed;             // N * chunk: this rank's gradients, then the average
    std::vector<T> received;           // N * chunk: every rank's copy of my chunk
    std::vector<T> reduced;            // chunk: their sum in rank order, / N
    std::size_t waiting = 0;           // members not yet packed this step
    Stage stage = Stage::Filling;
    MPI_Request request = MPI_REQUEST_NULL;
    std::chrono::steady_clock::time_point started_at, done_at;  // this step's exchange
  };

  void build_buckets(const std::vector<std::size_t>& order);
  void on_grad_ready(Parameter<T>& parameter);
  void pack(std::size_t parameter_index);
  void start_ready_buckets();
  void start_exchange(Bucket& bucket);
  void reduce_and_gather(Bucket& bucket);
  void progress();
  void adopt_announced_order();
  void progress_loop();
  void hand_over(std::size_t startable);

  std::vector<Parameter<T>*> parameters_;
  std::unordered_map<const Parameter<T>*, std::size_t> index_of_;
  DataParallelOptions options_;
  MPI_Comm exchange_comm_ = MPI_COMM_NULL;  // the alltoalls, in bucket order
  MPI_Comm gather_comm_ = MPI_COMM_NULL;    // the allgathers, in bucket order
  int rank_ = 0;
  int size_ = 1;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_;  // per parameter
  std::vector<std::size_t> slot_of_;    // per parameter: its place in its bucket
  std::vector<bool> packed_;            // per parameter, this step
  std::size_t next_to_start_ = 0;       // buckets start in index order
  std::size_t next_to_gather_ = 0;      // and are reduced in index order
  std::vector<std::size_t> announced_;  // the first step's announcement order
  bool first_step_ = true;
  double last_finish_seconds_ = 0;
  double last_hidden_fraction_ = 0;

  // The progress thread and what it shares with the hook and finish(), under mutex_.
  std::thread progress_thread_;
  std::mutex mutex_;
  std::condition_variable wake_;      // more buckets may start, or stop
  std::condition_variable all_done_;  // every bucket is reduced and gathered
  std::size_t startable_ = 0;         // buckets [0, startable_) are packed
  bool step_done_ = false;
  bool stop_ = false;
};

extern template class DataParallel<float>;
extern template class DataParallel<double>;

}  // namespace cgrad::dist
