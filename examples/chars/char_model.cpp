#include "char_model.h"

#include <array>

#include <fmt/format.h>

#include "models.h"
#include "vocab.h"

namespace cgrad::chars {
namespace {

constexpr std::array<std::string_view, 5> kNames = {"bigram", "mlp", "lstm", "gru", "transformer"};

}  // namespace

ModelKind parse_model_kind(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<ModelKind>(i);
  throw ValueError(fmt::format("unknown model {} (bigram, mlp, lstm, gru, transformer)", name));
}

std::string_view model_name(ModelKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

ModelSizes default_sizes(ModelKind kind) {
  ModelSizes sizes;
  // A 64-wide state keeps the recurrent models near a minute (a 128-wide LSTM learns more
  // in the same time but costs twice as much per step).
  if (kind == ModelKind::Lstm || kind == ModelKind::Gru) sizes.hidden = 64;
  return sizes;
}

std::unique_ptr<CharModel> make_model(ModelKind kind, const ModelSizes& sizes, Rng& rng) {
  switch (kind) {
    case ModelKind::Bigram: return make_bigram(rng);
    case ModelKind::Mlp: return make_mlp(sizes, rng);
    case ModelKind::Lstm: return make_lstm(sizes, rng);
    case ModelKind::Gru: return make_gru(sizes, rng);
    case ModelKind::Transformer: return make_transformer(sizes, rng);
  }
  throw ValueError("invalid model kind");
}

std::size_t longest(Sequences inputs) {
  std::size_t steps = 0;
  for (auto sequence : inputs) steps = std::max(steps, sequence.size());
  return steps;
}

void real_rows(Sequences inputs, bool steps_first, std::size_t steps, std::vector<std::int64_t>& rows) {
  rows.clear();
  const std::size_t batch = inputs.size();
  for (std::size_t i = 0; i < batch; ++i)
    for (std::size_t t = 0; t < inputs[i].size(); ++t)
      rows.push_back(static_cast<std::int64_t>(steps_first ? t * batch + i : i * steps + t));
}

void padded_tokens(Sequences inputs, bool steps_first, std::size_t steps, std::vector<std::int64_t>& tokens) {
  const std::size_t batch = inputs.size();
  tokens.assign(steps * batch, kBoundary);
  for (std::size_t i = 0; i < batch; ++i)
    for (std::size_t t = 0; t < inputs[i].size(); ++t) tokens[steps_first ? t * batch + i : i * steps + t] = inputs[i][t];
}

}  // namespace cgrad::chars
