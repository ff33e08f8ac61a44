// chars_torch: the LibTorch twin of examples/chars, every model. Same
// word split, same initial parameters (the cgrad model built from the same seed, copied
// in), same batch order (cgrad's WordBatches), Adam with the same defaults and steps; the
// same log lines, final "chars <model>: val loss L" line and mean step time, so the two
// runs compare line by line. Training only: no samples, no checkpoints, no PNG.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include "benchmarks/torch_threads.h"
#include "cli_checks.h"
#include "char_model.h"
#include "corpus.h"
#include "graph/error.h"
#include "models.h"
#include "run.h"
#include "train.h"
#include "vocab.h"

namespace {

namespace chars = cgrad::chars;
using chars::ModelKind;

using cgrad::examples::kUsageError;

// cgrad's MultiheadAttention (nn/multihead_attention.h) on batch-first x [N,L,E]: separate
// q, k, v projections, heads of E/H, causal softmax(q·kᵀ/√(E/H))·v, the output projection.
struct AttentionImpl : torch::nn::Module {
  AttentionImpl(std::int64_t width, std::int64_t heads) : heads(heads) {
    q_proj = register_module("q_proj", torch::nn::Linear(width, width));
    k_proj = register_module("k_proj", torch::nn::Linear(width, width));
    v_proj = register_module("v_proj", torch::nn::Linear(width, width));
    out_proj = register_module("out_proj", torch::nn::Linear(width, width));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto n = x.size(0), l = x.size(1), e = x.size(2), d = e / heads;
    const auto split = [&](torch::nn::Linear& projection) {
      return projection(x).view({n, l, heads, d}).transpose(1, 2);
    };
    const auto q = split(q_proj), k = split(k_proj), v = split(v_proj);
    const auto future = torch::ones({l, l}, torch::kBool).triu(1);
    const auto scores = q.matmul(k.transpose(-2, -1)).div(std::sqrt(static_cast<double>(d))).masked_fill(future, -INFINITY);
    return out_proj(scores.softmax(-1).matmul(v).transpose(1, 2).reshape({n, l, e}));
  }
  std::int64_t heads;
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(Attention);

// cgrad's pre-norm TransformerBlock (nn/transformer_block.h), without dropout.
struct BlockImpl : torch::nn::Module {
  BlockImpl(std::int64_t width, std::int64_t heads) {
    ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    attn = register_module("attn", Attention(width, heads));
    ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    mlp = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(width, 4 * width), torch::nn::GELU(),
                                                       torch::nn::Linear(4 * width, width)));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = x + attn(ln1(x));
    return x + mlp->forward(ln2(x));
  }
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  Attention attn{nullptr};
  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(Block);

// The models as torch::nn modules, with the submodules named as cgrad's (embedding,
// hidden, output; rnn; table; tokens, positions, block0...) so the parameters pair up by name.
struct TwinImpl : torch::nn::Module {
  TwinImpl(ModelKind kind, const chars::ModelSizes& sizes) : kind(kind), context(sizes.context) {
    const auto vocab = static_cast<std::int64_t>(chars::kVocabSize);
    const auto e = static_cast<std::int64_t>(sizes.embedding), h = static_cast<std::int64_t>(sizes.hidden);
    if (kind == ModelKind::Bigram) {
      table = register_module("table", torch::nn::Embedding(vocab, vocab));
      return;
    }
    if (kind == ModelKind::Transformer) {
      const auto width = static_cast<std::int64_t>(sizes.width);
      tokens = register_module("tokens", torch::nn::Embedding(vocab, width));
      positions = register_module("positions", torch::nn::Embedding(static_cast<std::int64_t>(sizes.max_input), width));
      for (std::size_t b = 0; b < sizes.blocks; ++b)
        blocks.push_back(register_module(fmt::format("block{}", b), Block(width, static_cast<std::int64_t>(sizes.heads))));
      final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
      output = register_module("output", torch::nn::Linear(width, vocab));
      return;
    }
    embedding = register_module("embedding", torch::nn::Embedding(vocab, e));
    if (kind == ModelKind::Mlp) {
      hidden = register_module("hidden", torch::nn::Linear(static_cast<std::int64_t>(context) * e, h));
    } else if (kind == ModelKind::Lstm) {
      lstm = register_module("rnn", torch::nn::LSTM(torch::nn::LSTMOptions(e, h)));
    } else {
      gru = register_module("rnn", torch::nn::GRU(torch::nn::GRUOptions(e, h)));
    }
    output = register_module("output", torch::nn::Linear(h, vocab));
  }

  // As CharModel::logits: [positions, 27], sequence by sequence.
  torch::Tensor logits(chars::Sequences inputs) {
    const auto as_tensor = [](const std::vector<std::int64_t>& v) {
      return torch::from_blob(const_cast<std::int64_t*>(v.data()), {static_cast<std::int64_t>(v.size())}, torch::kLong)
          .clone();
    };
    std::vector<std::int64_t> token_ids, row_ids;
    if (kind == ModelKind::Bigram) {
      std::vector<std::int64_t> all;
      for (auto sequence : inputs) all.insert(all.end(), sequence.begin(), sequence.end());
      return table(as_tensor(all));
    }
    if (kind == ModelKind::Transformer) {
      const std::size_t steps = chars::longest(inputs), batch = inputs.size();
      chars::padded_tokens(inputs, /*steps_first=*/false, steps, token_ids);
      const auto ids = as_tensor(token_ids)
                           .view({static_cast<std::int64_t>(batch), static_cast<std::int64_t>(steps)});
      auto x = tokens(ids) + positions(torch::arange(static_cast<std::int64_t>(steps), torch::kLong));
      for (auto& block : blocks) x = block(x);
      chars::real_rows(inputs, /*steps_first=*/false, steps, row_ids);
      const auto rows = as_tensor(row_ids);
      return output(final_norm(x).reshape({-1, x.size(2)}).index_select(0, rows));
    }
    if (kind == ModelKind::Mlp) {
      std::vector<std::int64_t> contexts;
      for (auto sequence : inputs)
        for (std::size_t t = 0; t < sequence.size(); ++t)
          for (std::size_t k = 0; k < context; ++k) {
            const std::size_t back = context - 1 - k;
            contexts.push_back(t >= back ? sequence[t - back] : chars::kBoundary);
          }
      const auto x = embedding(as_tensor(contexts).view({-1, static_cast<std::int64_t>(context)}));
      return output(torch::tanh(hidden(x.flatten(1))));
    }
    const std::size_t steps = chars::longest(inputs), batch = inputs.size();
    chars::padded_tokens(inputs, /*steps_first=*/true, steps, token_ids);
    const auto tokens = as_tensor(token_ids)
                            .view({static_cast<std::int64_t>(steps), static_cast<std::int64_t>(batch)});
    const auto x = embedding(tokens);
    const auto h = kind == ModelKind::Lstm ? std::get<0>(lstm(x)) : std::get<0>(gru(x));
    chars::real_rows(inputs, /*steps_first=*/true, steps, row_ids);
    const auto rows = as_tensor(row_ids);
    return output(h.reshape({-1, h.size(2)}).index_select(0, rows));
  }

  ModelKind kind;
  std::size_t context;
  torch::nn::Embedding embedding{nullptr};
  torch::nn::Linear hidden{nullptr}, output{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::GRU gru{nullptr};
  torch::nn::Embedding table{nullptr}, tokens{nullptr}, positions{nullptr};
  std::vector<Block> blocks;
  torch::nn::LayerNorm final_norm{nullptr};
};
TORCH_MODULE(Twin);

// cgrad's initial parameters into the twin. cgrad stores Linear and RNN weights [in, out],
// PyTorch [out, in]; biases [1, out] against [out]; embeddings and layer norms alike.
void copy_parameters(const chars::CharModel& from, Twin& to) {
  auto target = to->named_parameters();
  torch::NoGradGuard no_grad;
  for (const auto& [name, parameter] : from.named_parameters()) {
    const auto* p = target.find(name);
    if (p == nullptr) throw cgrad::ValueError(fmt::format("chars_torch: the twin has no parameter {}", name));
    const auto& value = parameter->value();
    std::vector<std::int64_t> shape;
    for (std::size_t i = 0; i < value.rank(); ++i) shape.push_back(static_cast<std::int64_t>(value.shape()[i]));
    auto t = torch::from_blob(const_cast<float*>(value.span().data()), shape, torch::kFloat).clone();
    const bool embedding = name.starts_with("embedding.") || name.starts_with("table.") ||
                           name.starts_with("tokens.") || name.starts_with("positions.");
    if (t.dim() == 2 && !embedding && t.size(0) != 1) t = t.t();
    p->copy_(t.reshape(p->sizes()));
  }
}

double evaluate(Twin& model, const std::vector<chars::Word>& words) {
  torch::NoGradGuard no_grad;
  model->eval();
  chars::WordBatch batch;
  std::vector<const chars::Word*> chunk;
  double total = 0.0;
  std::size_t positions = 0;
  for (std::size_t begin = 0; begin < words.size(); begin += chars::kEvalChunk) {
    chunk.clear();
    for (std::size_t i = begin; i < std::min(words.size(), begin + chars::kEvalChunk); ++i) chunk.push_back(&words[i]);
    chars::fill_batch(chunk, batch);
    const auto targets = torch::tensor(batch.targets, torch::kLong);
    const double loss = torch::cross_entropy_loss(model->logits(batch.inputs), targets).item<double>();
    total += loss * static_cast<double>(batch.targets.size());
    positions += batch.targets.size();
  }
  model->train();
  return total / static_cast<double>(positions);
}

struct Options {
  std::string model = "mlp";
  std::optional<std::size_t> steps, batch, log_every;
  std::optional<double> lr;
  std::uint64_t seed = 0;
  std::size_t threads = 1;
  std::string words_file = cgrad::data::kWordListFile;
};

void run(const Options& options) {
  const ModelKind kind = chars::parse_model_kind(options.model);
  const chars::TrainingDefaults defaults = chars::default_training(kind);
  const std::string_view name = chars::model_name(kind);
  const chars::Corpus corpus = chars::encode_split(
      cgrad::data::split_words(cgrad::data::load_words(options.words_file), chars::kValidationFraction, chars::kSplitSeed));

  const chars::ModelSizes sizes = chars::default_sizes(kind);
  cgrad::Rng init(chars::init_seed(options.seed));
  const auto reference = chars::make_model(kind, sizes, init);
  Twin model(kind, sizes);
  copy_parameters(*reference, model);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(options.lr.value_or(defaults.adam_lr)));

  std::size_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += static_cast<std::size_t>(p.numel());
  fmt::print("chars {} (libtorch {}): {} training words, {} validation words, {} parameters\n", name,
             TORCH_VERSION, corpus.train.size(), corpus.validation.size(), parameters);

  const std::size_t steps = options.steps.value_or(defaults.steps);
  const std::size_t log_every = options.log_every.value_or(std::max<std::size_t>(1, steps / 10));
  chars::WordBatches batches(corpus.train, options.batch.value_or(defaults.batch), chars::batch_seed(options.seed));
  const auto log = [&](chars::LogPoint point) {
    point.val_loss = evaluate(model, corpus.validation);
    fmt::print("{}\n", chars::format_log_point(point));
    std::fflush(stdout);
    return point.val_loss;
  };
  double val_loss = log({.step = 0, .epoch = 0, .train_loss = std::numeric_limits<double>::quiet_NaN()});
  double loss_sum = 0.0;
  std::size_t loss_positions = 0;
  std::chrono::duration<double, std::milli> training{0};
  for (std::size_t step = 1; step <= steps; ++step) {
    const auto start = std::chrono::steady_clock::now();
    const chars::WordBatch& batch = batches.next();
    const auto targets = torch::tensor(batch.targets, torch::kLong);
    const auto loss = torch::cross_entropy_loss(model->logits(batch.inputs), targets);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    const double value = loss.item<double>();
    training += std::chrono::steady_clock::now() - start;
    loss_sum += value * static_cast<double>(batch.targets.size());
    loss_positions += batch.targets.size();
    if (step % log_every == 0 || step == steps) {
      val_loss = log({.step = step, .epoch = batches.epoch(), .train_loss = loss_sum / static_cast<double>(loss_positions)});
      loss_sum = 0.0;
      loss_positions = 0;
    }
  }
  fmt::print("chars {}: val loss {:.4f}\n", name, val_loss);
  fmt::print("chars {}: {:.3f} ms per step\n", name, steps > 0 ? training.count() / static_cast<double>(steps) : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chars_torch: the LibTorch twin of examples/chars (Adam)", "chars_torch"};
  Options options;
  app.add_option("--model", options.model, "the model")->check(CLI::IsMember({"bigram", "mlp", "lstm", "gru", "transformer"}))->capture_default_str();
  app.add_option("--steps", options.steps, "optimizer steps [default: as chars]")->check(CLI::NonNegativeNumber);
  app.add_option("--batch", options.batch, "words per step [default: as chars]")->check(CLI::PositiveNumber);
  app.add_option("--log-every", options.log_every, "steps between loss lines")->check(CLI::PositiveNumber);
  app.add_option("--lr", options.lr, "Adam's learning rate [default: as chars]")->check(CLI::PositiveNumber);
  app.add_option("--seed", options.seed, "random seed, as chars")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--threads", options.threads, "intra-op threads")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--words", options.words_file, "the word list")->capture_default_str();
  if (const auto status = cgrad::examples::parse_command_line(app, argc, argv)) return *status;
  try {
    cgrad::bench::set_torch_threads(static_cast<int>(options.threads));
    run(options);
  } catch (const cgrad::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "chars_torch: error: {}\n", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "chars_torch: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
