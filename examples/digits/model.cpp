#include "model.h"

#include <fmt/format.h>

namespace cgrad::digits {
namespace {

// [N, side²] rows as [N, 1, side, side] images, for the convolutions.
class RowsAsImages : public UnaryModule<float> {
 public:
  explicit RowsAsImages(std::size_t side) : side_(static_cast<std::int64_t>(side)) {}
  Var<float> forward(Graph<float>&, Var<float> x,
                     std::source_location where = std::source_location::current()) override {
    return reshape(x, {-1, 1, side_, side_}, where);
  }

 private:
  std::int64_t side_;
};

void add_cnn(Sequential<float>& net, std::size_t side, Rng& rng) {
  if (side < 4) throw ValueError(fmt::format("cnn: images of {}x{} are too small for two 2x2 poolings", side, side));
  net.emplace_back<RowsAsImages>(side);
  net.emplace_back<Conv2d<float>>(Conv2dOptions(1, 16, 3).padding(1), rng);
  net.emplace_back<ReLU<float>>();
  net.emplace_back<MaxPool2d<float>>(MaxPool2dOptions(2));
  net.emplace_back<Conv2d<float>>(Conv2dOptions(16, 32, 3).padding(1), rng);
  net.emplace_back<ReLU<float>>();
  net.emplace_back<MaxPool2d<float>>(MaxPool2dOptions(2));
  net.emplace_back<Flatten<float>>();
  const std::size_t pooled = side / 2 / 2;
  net.emplace_back<Linear<float>>(LinearOptions(32 * pooled * pooled, kClasses), rng);
}

}  // namespace

std::string_view model_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::Logreg: return "logreg";
    case ModelKind::Mlp: return "mlp";
    case ModelKind::Cnn: return "cnn";
  }
  return "?";
}

ModelKind parse_model(std::string_view name) {
  for (ModelKind kind : {ModelKind::Logreg, ModelKind::Mlp, ModelKind::Cnn})
    if (model_name(kind) == name) return kind;
  throw ValueError(fmt::format("unknown model '{}': expected logreg, mlp or cnn", name));
}

std::unique_ptr<Sequential<float>> make_model(ModelKind kind, std::size_t side, Rng& rng) {
  auto net = std::make_unique<Sequential<float>>();
  const std::size_t pixels = side * side;
  switch (kind) {
    case ModelKind::Logreg:
      net->emplace_back<Linear<float>>(LinearOptions(pixels, kClasses), rng);
      break;
    case ModelKind::Mlp:
      net->emplace_back<Linear<float>>(LinearOptions(pixels, kMlpHidden), rng);
      net->emplace_back<ReLU<float>>();
      net->emplace_back<Linear<float>>(LinearOptions(kMlpHidden, kClasses), rng);
      break;
    case ModelKind::Cnn:
      add_cnn(*net, side, rng);
      break;
  }
  return net;
}

}  // namespace cgrad::digits
