// The chars example's training step allocates nothing once the graph has seen the largest
// batch, for every model, although each batch's words, and so each step's shapes (and for
// the recurrent models the length of the tape), differ.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "char_model.h"
#include "tests/chars_model_param.h"
#include "corpus.h"
#include "optim/make_optimizer.h"
#include "run.h"
#include "tests/support/allocation_counter.h"
#include "train.h"
#include "words.h"

namespace {

using cgrad::chars::ModelKind;

class EveryCharModel : public testing::TestWithParam<ModelKind> {};

TEST_P(EveryCharModel, SteadyStateStepsDoNotAllocate) {
  using namespace cgrad::chars;
  // One thread: the kernels' per-thread scratch (ops/scratch.h, gemm_scratch.cpp) grows the
  // first time each thread runs a chunk, and on a loaded machine a worker may first join
  // inside the measured steps (2 allocations under ctest -j2). The graph's buffers, which
  // this test is about, are the same for any thread count.
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  constexpr std::size_t kBatch = 32, kWarmup = 200, kMeasured = 300;
  const Corpus corpus = encode_split(
      cgrad::data::split_words(cgrad::data::load_words(cgrad::data::kWordListFile), kValidationFraction, kSplitSeed));
  cgrad::Rng rng(0);
  const auto model = make_model(GetParam(), default_sizes(GetParam()), rng);
  const auto optimizer = cgrad::make_optimizer<float>("adam", model->parameters(), 1e-3);
  cgrad::Graph<float> graph;
  // The largest batch first (the longest words: the most positions and steps), so that
  // every buffer has seen the worst case; then ordinary batches.
  std::vector<const Word*> longest;
  for (const Word& word : corpus.train) longest.push_back(&word);
  std::partial_sort(longest.begin(), longest.begin() + kBatch, longest.end(),
                    [](const Word* a, const Word* b) { return a->size() > b->size(); });
  WordBatch largest;
  fill_batch(std::span(longest).first(kBatch), largest);
  train_step(*model, *optimizer, graph, largest);
  WordBatches batches(corpus.train, kBatch, 0);
  for (std::size_t s = 0; s < kWarmup; ++s) train_step(*model, *optimizer, graph, batches.next());

  const std::size_t before = cgrad::testing::allocation_count();
  for (std::size_t s = 0; s < kMeasured; ++s) train_step(*model, *optimizer, graph, batches.next());
  EXPECT_EQ(cgrad::testing::allocation_count() - before, 0u);
}

INSTANTIATE_TEST_SUITE_P(Chars, EveryCharModel, cgrad::testing::every_char_model(),
                         cgrad::testing::char_model_test_name);

}  // namespace
