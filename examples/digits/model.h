#pragma once
// The digits classifiers, all taking rows of side × side pixels ([N, side²]) and giving 10
// class scores. benchmarks/peers/digits_torch.cpp builds the same three in LibTorch.
//   logreg  Linear(side², 10)                                  multinomial logistic regression
//   mlp     Linear(side², 128) - ReLU - Linear(128, 10)
//   cnn     the rows as images [N, 1, side, side],
//           Conv2d(1, 16, 3, padding 1) - ReLU - MaxPool2d(2)
//           - Conv2d(16, 32, 3, padding 1) - ReLU - MaxPool2d(2)
//           - Flatten - Linear(32 · (side/4)², 10)          (32·2·2 for 8×8, 32·7·7 for 28×28)
// Every layer has PyTorch's default initialisation, drawn from one Rng in layer order.
#include <cstddef>
#include <memory>
#include <string_view>

#include "cgrad.h"

namespace cgrad::digits {

enum class ModelKind { Logreg, Mlp, Cnn };

inline constexpr std::size_t kClasses = 10;
inline constexpr std::size_t kMlpHidden = 128;

std::string_view model_name(ModelKind kind);
// Throws ValueError for a name other than logreg, mlp and cnn.
ModelKind parse_model(std::string_view name);

// Throws ValueError when side is too small for the CNN's two poolings (below 4).
std::unique_ptr<Sequential<float>> make_model(ModelKind kind, std::size_t side, Rng& rng);

}  // namespace cgrad::digits
