#pragma once
// The character-level word models behind one interface: each reads sequences of tokens and
// gives the logits of the next token at every position, so training, evaluation and
// sampling are the same code for all of them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "cgrad.h"

namespace cgrad::chars {

// A batch's inputs: each is a word's tokens without its final boundary (".emma" of
// ".emma."), so position t is scored against token t + 1.
using Sequences = std::span<const std::span<const std::int64_t>>;

class CharModel : public Module<float> {
 public:
  // The next-token logits [positions, 27]: every position of every sequence, sequence by
  // sequence. Padding, where a model needs it, never reaches the output.
  virtual Var<float> logits(Graph<float>& graph, Sequences inputs) = 0;
  // The longest sequence the model reads (the transformer's positions); 0 for any length.
  virtual std::size_t max_input() const { return 0; }
};

enum class ModelKind { Bigram, Mlp, Lstm, Gru, Transformer };
// Every model, in the ladder's order.
inline constexpr std::array kModelKinds{ModelKind::Bigram, ModelKind::Mlp, ModelKind::Lstm, ModelKind::Gru,
                                       ModelKind::Transformer};

ModelKind parse_model_kind(std::string_view name);  // throws ValueError for an unknown name
std::string_view model_name(ModelKind kind);

// The sizes the models are built with; each model reads the ones it has.
struct ModelSizes {
  std::size_t embedding = 24;  // mlp: per character; lstm, gru: the input width
  std::size_t hidden = 200;    // mlp's tanh layer; the recurrent state
  std::size_t context = 3;     // mlp: characters it reads (Bengio et al.'s n - 1)
  std::size_t width = 64;      // transformer: the residual stream
  std::size_t heads = 4;
  std::size_t blocks = 2;
  std::size_t max_input = 23;  // transformer: positions (longest word + 1)
};

// The sizes used when the command line gives none: chosen so that every model trains in
// about a minute on one thread (see run.h).
ModelSizes default_sizes(ModelKind kind);

// Initialised from `rng` (each module's PyTorch-style default).
std::unique_ptr<CharModel> make_model(ModelKind kind, const ModelSizes& sizes, Rng& rng);

}  // namespace cgrad::chars
