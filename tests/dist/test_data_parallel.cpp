// dist/ under mpirun (-np 1, 2 and 3; see CMakeLists.txt): data-parallel training equals
// one-process training within rounding, repeats bit for bit, keeps every rank's model
// identical; the sampler partitions each global batch; checkpoints saved by N processes
// continue the same trajectory with any number of processes.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "dist/checkpoint.h"
#include "dist/environment.h"
#include "dist_test_model.h"

namespace cgrad {
namespace {

using test::DistSetup;

constexpr std::size_t kSteps = 8;

void expect_relative(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_LE(std::abs(actual[i] - expected[i]), tolerance * std::abs(expected[i]))
        << "step " << i << ": " << actual[i] << " vs " << expected[i] << " on rank " << dist::rank();
}

std::vector<double> flat_values(Mlp<double>& model) {
  std::vector<double> all;
  for (Parameter<double>* p : model.parameters()) all.insert(all.end(), p->value().span().begin(), p->value().span().end());
  return all;
}

// Every rank's copy equals rank 0's, bit for bit.
void expect_same_on_every_rank(const std::vector<double>& mine, MPI_Comm communicator = MPI_COMM_WORLD) {
  std::vector<double> root = mine;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_DOUBLE, 0, communicator);
  EXPECT_EQ(std::memcmp(root.data(), mine.data(), mine.size() * sizeof(double)), 0) << "on rank " << dist::rank();
}

struct TrainingRun {
  std::vector<double> losses;
  std::vector<double> values;
  std::vector<std::vector<std::string>> buckets;
};

// Small buckets, so that the model's six parameters travel in several.
TrainingRun run_data_parallel(const DistSetup& setup, std::size_t steps, bool overlap) {
  const Dataset<double> data = test::make_dataset(setup);
  Mlp<double> model = test::make_model(setup);
  Adam<double> adam(model.parameters(), {.lr = 0.05});
  dist::DataParallel<double> ddp(model.parameters(),
                                 {.bucket_bytes = 1200, .first_bucket_bytes = 300, .overlap = overlap});
  dist::DistributedSampler sampler(setup.rows, setup.batch, setup.seed, ddp.rank(), ddp.size());
  TrainingRun run;
  run.losses = test::train_data_parallel(data, model, adam, ddp, sampler, steps, MPI_COMM_WORLD);
  run.values = flat_values(model);
  run.buckets = ddp.bucket_names();
  return run;
}

TrainingRun run_reference(const DistSetup& setup, std::size_t steps) {
  const Dataset<double> data = test::make_dataset(setup);
  Mlp<double> model = test::make_model(setup);
  Adam<double> adam(model.parameters(), {.lr = 0.05});
  MiniBatches<double> batches(data, setup.batch, setup.seed);
  TrainingRun run;
  run.losses = test::train_reference(setup, model, adam, steps, batches, [](std::size_t) {});
  run.values = flat_values(model);
  return run;
}

TEST(DataParallel, LossTrajectoryEqualsOneProcessWithinRounding) {
  const DistSetup setup;
  const TrainingRun reference = run_reference(setup, kSteps);
  for (bool overlap : {true, false}) {
    const TrainingRun distributed = run_data_parallel(setup, kSteps, overlap);
    expect_relative(distributed.losses, reference.losses, 1e-12);
    expect_relative(distributed.values, reference.values, 1e-11);
    double worst = 0;
    for (std::size_t i = 0; i < kSteps; ++i)
      worst = std::max(worst, std::abs(distributed.losses[i] - reference.losses[i]) / std::abs(reference.losses[i]));
    if (dist::rank() == 0)
      std::printf("equality %d processes, overlap %d: worst relative loss error %.3g over %zu steps\n", dist::size(),
                  overlap ? 1 : 0, worst, kSteps);
  }
}

TEST(DataParallel, RepeatsBitForBitAndEveryRankHoldsTheSameModel) {
  const DistSetup setup;
  const TrainingRun first = run_data_parallel(setup, kSteps, true);
  const TrainingRun second = run_data_parallel(setup, kSteps, true);
  ASSERT_EQ(first.values.size(), second.values.size());
  EXPECT_EQ(std::memcmp(first.values.data(), second.values.data(), first.values.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(first.losses.data(), second.losses.data(), first.losses.size() * sizeof(double)), 0);
  expect_same_on_every_rank(first.values);
  expect_same_on_every_rank(first.losses);
  // Overlapped or not, the same buckets reduce the same way: the same bits.
  const TrainingRun after_backward = run_data_parallel(setup, kSteps, false);
  EXPECT_EQ(std::memcmp(first.values.data(), after_backward.values.data(), first.values.size() * sizeof(double)), 0);
}

// Backward announces every gradient, so the progress thread may end the step's exchange
// before finish() is called; finish() must then start nothing again (it used to hand the
// buckets over a second time: a second exchange on that rank alone, wrong gradients, and
// with 2 processes a hang). A pause before finish() makes that the case on every step.
TEST(DataParallel, FinishAfterTheExchangeHasEndedStartsNothingAgain) {
  const DistSetup setup;
  const TrainingRun reference = run_reference(setup, kSteps);
  const Dataset<double> data = test::make_dataset(setup);
  Mlp<double> model = test::make_model(setup);
  Adam<double> adam(model.parameters(), {.lr = 0.05});
  dist::DataParallel<double> ddp(model.parameters());  // one bucket: it is the last and the first
  dist::DistributedSampler sampler(setup.rows, setup.batch, setup.seed, ddp.rank(), ddp.size());
  const std::vector<double> losses =
      test::train_data_parallel(data, model, adam, ddp, sampler, kSteps, MPI_COMM_WORLD, std::chrono::milliseconds(20));
  expect_relative(losses, reference.losses, 1e-12);
  expect_relative(flat_values(model), reference.values, 1e-11);
}

TEST(DataParallel, BucketsFollowTheOrderBackwardFinishesTheGradients) {
  const TrainingRun run = run_data_parallel(DistSetup{}, 1, true);
  // Mlp {4,16,16,3}: backward finishes the last layer first, bias before weight. Sizes in
  // bytes: 2.bias 24, 2.weight 384, 1.bias 128, 1.weight 2048, 0.bias 128, 0.weight 512.
  const std::vector<std::vector<std::string>> expected = {
      {"2.bias"}, {"2.weight", "1.bias"}, {"1.weight"}, {"0.bias", "0.weight"}};
  EXPECT_EQ(run.buckets, expected);
}

TEST(DataParallel, RefusesAnEmptyOrRepeatedParameterList) {
  Parameter<double> p("p", Tensor<double>(2, 2));
  EXPECT_THROW(dist::DataParallel<double>({}), ValueError);
  EXPECT_THROW(dist::DataParallel<double>({&p, &p}), ValueError);
}

TEST(DistributedSampler, ShardsPartitionEachGlobalBatchInMiniBatchesOrder) {
  const DistSetup setup;
  const Dataset<double> data = test::make_dataset(setup);
  MiniBatches<double> batches(data, setup.batch, setup.seed);
  const int ranks = 3;
  std::vector<dist::DistributedSampler> samplers;
  for (int r = 0; r < ranks; ++r) samplers.emplace_back(setup.rows, setup.batch, setup.seed, r, ranks);
  const Tensor<double>& x = data.features();
  for (std::size_t step = 0; step < 3 * setup.rows / setup.batch; ++step) {  // three epochs
    const Batch<double>& batch = batches.next();
    std::size_t row = 0;
    double weights = 0;
    for (int r = 0; r < ranks; ++r) {
      const std::span<const std::size_t> shard = samplers[static_cast<std::size_t>(r)].next();
      weights += samplers[static_cast<std::size_t>(r)].loss_weight();
      for (std::size_t index : shard) {
        ASSERT_LT(row, batch.size());
        EXPECT_EQ(std::memcmp(&x(index, 0), &batch.features(row, 0), x.cols() * sizeof(double)), 0)
            << "step " << step << " rank " << r;
        ++row;
      }
    }
    EXPECT_EQ(row, batch.size());
    EXPECT_NEAR(weights, ranks, 1e-12);  // the weighted shard means average to the batch mean
  }
  EXPECT_EQ(samplers[0].epoch(), 3u);
}

TEST(DistributedSampler, EveryRankComputesTheSameOrder) {
  const DistSetup setup;
  dist::DistributedSampler mine(setup.rows, setup.batch, setup.seed, dist::rank(), dist::size());
  dist::DistributedSampler as_rank0(setup.rows, setup.batch, setup.seed, 0, dist::size());
  // Rank 0's shards, computed here and on rank 0 itself, agree.
  std::vector<double> shards;
  for (int step = 0; step < 6; ++step)
    for (std::size_t index : (dist::rank() == 0 ? mine : as_rank0).next()) shards.push_back(static_cast<double>(index));
  expect_same_on_every_rank(shards);
}

TEST(DistributedSampler, RefusesABatchThatLeavesARankWithoutRows) {
  EXPECT_THROW(dist::DistributedSampler(40, 2, 0, 0, 3), ValueError);   // 2 rows, 3 ranks
  EXPECT_THROW(dist::DistributedSampler(41, 10, 0, 0, 3), ValueError);  // the last batch has 1 row
  EXPECT_THROW(dist::DistributedSampler(40, 10, 0, 3, 3), ValueError);  // rank 3 of 3
  EXPECT_NO_THROW(dist::DistributedSampler(40, 10, 0, 2, 3));
}

// Saved by every process after k steps, continued by 1, 2, ... processes: each continuation
// follows the uninterrupted one-process trajectory.
TEST(DataParallelCheckpoint, SavedByNProcessesContinuesWithAnyNumber) {
  const DistSetup setup;
  constexpr std::size_t kBefore = 5, kAfter = 5;
  const TrainingRun reference = run_reference(setup, kBefore + kAfter);
  const std::vector<double> reference_after(reference.losses.begin() + kBefore, reference.losses.end());

  // A directory every rank sees: rank 0 names it.
  char directory[256] = {};
  if (dist::rank() == 0)
    std::snprintf(directory, sizeof directory, "%s",
                  (std::filesystem::temp_directory_path() / ("cgrad_dist_checkpoint_" + std::to_string(getpid())))
                      .string()
                      .c_str());
  MPI_Bcast(directory, sizeof directory, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (dist::rank() == 0) std::filesystem::create_directories(directory);
  const std::filesystem::path file = std::filesystem::path(directory) / "model.safetensors";

  {
    const Dataset<double> data = test::make_dataset(setup);
    Mlp<double> model = test::make_model(setup);
    Adam<double> adam(model.parameters(), {.lr = 0.05});
    dist::DataParallel<double> ddp(model.parameters());
    dist::DistributedSampler sampler(setup.rows, setup.batch, setup.seed, ddp.rank(), ddp.size());
    test::train_data_parallel(data, model, adam, ddp, sampler, kBefore, MPI_COMM_WORLD);
    dist::save_checkpoint_on_root<double>(file, model.named_parameters(), &adam);
  }
  for (int processes = 1; processes <= dist::size(); ++processes) {
    MPI_Comm part = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, dist::rank() < processes ? 0 : MPI_UNDEFINED, dist::rank(), &part);
    if (part != MPI_COMM_NULL) {
      const Dataset<double> data = test::make_dataset(setup);
      Mlp<double> model = test::make_model(setup);
      for (Parameter<double>* p : model.parameters()) p->mutable_value().fill(0.0);  // the file must restore them
      Adam<double> adam(model.parameters(), {.lr = 0.05});
      load_checkpoint<double>(file, model.named_parameters(), &adam);
      EXPECT_EQ(adam.step_count(), kBefore);
      dist::DataParallel<double> ddp(model.parameters(), {.communicator = part});
      dist::DistributedSampler sampler(setup.rows, setup.batch, setup.seed, ddp.rank(), ddp.size());
      for (std::size_t skip = 0; skip < kBefore; ++skip) sampler.next();  // where the saving run stopped
      const std::vector<double> after = test::train_data_parallel(data, model, adam, ddp, sampler, kAfter, part);
      expect_relative(after, reference_after, 1e-12);
      MPI_Comm_free(&part);
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  if (dist::rank() == 0) std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace cgrad

int main(int argc, char** argv) {
  cgrad::dist::Environment mpi(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();  // every rank reports; mpirun fails when any rank does
}
