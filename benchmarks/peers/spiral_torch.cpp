// spiral_torch: the LibTorch twin of examples/spiral, for the model zoo's comparisons.
// The lesson's linear classifier and two-layer ReLU network, trained with LibTorch's
// autograd: full-batch SGD at the seed's lr 1.0, softmax cross-entropy plus 0.5*reg*|W|^2
// per weight matrix. Data and starting weights are cgrad's own: make_spiral and Network
// draw them from one RandomSource in the example's order (data, then the chosen models),
// and the weights are copied in as they are, [in, out], so the forward pass is the
// lesson's x·W + b. Prints the same log lines, final line and us/iter line as `spiral`;
// no pictures, no checkpoints, no other optimizers.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include "benchmarks/torch_threads.h"
#include "cli_checks.h"
#include "model.h"
#include "run.h"
#include "spiral_data.h"

namespace {

namespace spiral = cgrad::spiral;

using cgrad::examples::kUsageError;

// A copy of a cgrad tensor, same shape, as a leaf that LibTorch's autograd trains.
template <cgrad::Real T>
torch::Tensor copy_of(const cgrad::Tensor<T>& value, bool requires_grad) {
  const std::span<const std::size_t> dims = value.shape().dims();
  const std::vector<std::int64_t> sizes(dims.begin(), dims.end());
  return torch::from_blob(const_cast<T*>(value.data()), sizes, c10::CppTypeToScalarType<T>::value)
      .clone()
      .set_requires_grad(requires_grad);
}

// The network's layers as (weight [in, out], bias [1, out]) pairs, in cgrad's order.
struct Layers {
  std::vector<torch::Tensor> weights, biases;

  torch::Tensor scores(torch::Tensor x) const {
    for (std::size_t i = 0; i < weights.size(); ++i) {
      x = torch::addmm(biases[i], x, weights[i]);
      if (i + 1 < weights.size()) x = torch::relu(x);
    }
    return x;
  }

  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& labels, double reg) const {
    torch::Tensor total = torch::nn::functional::cross_entropy(scores(x), labels);
    for (const torch::Tensor& w : weights) total = total + 0.5 * reg * w.square().sum();
    return total;
  }

  std::vector<torch::Tensor> parameters() const {
    std::vector<torch::Tensor> all;
    for (std::size_t i = 0; i < weights.size(); ++i) all.insert(all.end(), {weights[i], biases[i]});
    return all;
  }
};

template <cgrad::Real T>
Layers copy_layers(spiral::Network<T>& network) {
  // parameters() lists weight then bias, layer by layer (model.h).
  const std::vector<cgrad::Parameter<T>*> parameters = network.parameters();
  Layers layers;
  for (std::size_t i = 0; i < parameters.size(); i += 2) {
    layers.weights.push_back(copy_of(parameters[i]->value(), true));
    layers.biases.push_back(copy_of(parameters[i + 1]->value(), true));
  }
  return layers;
}

template <cgrad::Real T>
void train_model(const spiral::ModelSpec& spec, std::span<const std::size_t> layer_sizes,
                 const spiral::SpiralData<T>& data, spiral::RandomSource& rng, const spiral::RunOptions& options) {
  spiral::Network<T> network(layer_sizes, rng);
  const Layers layers = copy_layers(network);
  const torch::Tensor x = copy_of(data.features, false);
  const torch::Tensor labels = torch::tensor(data.labels, torch::kLong);
  torch::optim::SGD sgd(layers.parameters(), torch::optim::SGDOptions(spiral::kSeedLearningRate));

  const std::size_t iterations = options.iterations.value_or(spec.default_iterations);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < iterations; ++i) {
    const torch::Tensor loss = layers.loss(x, labels, options.reg);
    if (i % spec.log_every == 0) fmt::print("iteration {}: loss {:.6f}\n", i, loss.item<double>());
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;

  torch::NoGradGuard no_grad;
  const double loss = layers.loss(x, labels, options.reg).item<double>();
  const double accuracy = layers.scores(x).argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
  fmt::print("{}: loss {:.6f} accuracy {:.2f}\n", spec.name, loss, accuracy);
  if (iterations > 0)
    fmt::print("{}: {:.1f} us/iter\n", spec.name, elapsed.count() / static_cast<double>(iterations));
}

// As spiral's run(): the data, then each chosen model, from one random stream.
template <cgrad::Real T>
void run_as(const spiral::RunOptions& options) {
  spiral::RandomSource rng(options.rng, options.seed);
  const spiral::SpiralData<T> data = spiral::make_spiral<T>(options.points, options.classes, rng);
  fmt::print("data: {} points in {} classes, rng {} seed {}, {}\n", data.labels.size(), data.classes,
             spiral::rng_kind_name(options.rng), options.seed, cgrad::dtype_name<T>());
  constexpr std::size_t kFeatures = 2;
  if (options.model != spiral::ModelChoice::TwoLayer)
    train_model<T>(spiral::kLinear, std::array{kFeatures, options.classes}, data, rng, options);
  if (options.model != spiral::ModelChoice::Linear)
    train_model<T>(spiral::kTwoLayer, std::array{kFeatures, options.hidden, options.classes}, data, rng, options);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spiral_torch: the LibTorch twin of examples/spiral", "spiral_torch"};
  spiral::RunOptions options;
  std::string model = "all", dtype = "f64", rng = "numpy";
  int threads = 1;
  app.add_option("--model", model)->check(CLI::IsMember({"linear", "two-layer", "all"}))->capture_default_str();
  app.add_option("--iters", options.iterations, "[default: 200 linear, 10000 two-layer]")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000'000}));
  app.add_option("--hidden", options.hidden)->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--reg", options.reg)->check(CLI::Range(0.0, 1e6))->capture_default_str();
  app.add_option("--dtype", dtype)->check(CLI::IsMember({"f32", "f64"}))->capture_default_str();
  app.add_option("--threads", threads)->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--seed", options.seed)->capture_default_str();
  app.add_option("--rng", rng)->check(CLI::IsMember({"numpy", "std"}))->capture_default_str();
  app.add_option("--points", options.points)->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24))
      ->capture_default_str();
  app.add_option("--classes", options.classes)->check(CLI::Range(std::size_t{1}, std::size_t{1} << 10))
      ->capture_default_str();
  if (const auto status = cgrad::examples::parse_command_line(app, argc, argv)) return *status;
  try {
    cgrad::bench::set_torch_threads(threads);
    options.model = model == "linear"      ? spiral::ModelChoice::Linear
                    : model == "two-layer" ? spiral::ModelChoice::TwoLayer
                                           : spiral::ModelChoice::All;
    options.rng = spiral::parse_rng_kind(rng);
    if (dtype == "f32")
      run_as<float>(options);
    else
      run_as<double>(options);
  } catch (const cgrad::Error& e) {
    fmt::print(stderr, "spiral_torch: error: {}\n", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "spiral_torch: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
