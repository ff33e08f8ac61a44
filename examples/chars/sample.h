#pragma once
// Words drawn from a model, one character at a time from its softmax, until the boundary.
#include <cstddef>
#include <string>
#include <vector>

#include "char_model.h"

namespace cgrad::chars {

// `count` words of a–z (possibly empty) from `rng`: the same words for the same model and
// generator state. A word stops at max_letters letters when the model has not ended it
// (the transformer: its positions less one).
std::vector<std::string> sample_words(CharModel& model, std::size_t count, Rng& rng, std::size_t max_letters = 30);

}  // namespace cgrad::chars
