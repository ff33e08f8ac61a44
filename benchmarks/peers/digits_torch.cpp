// digits_torch: the LibTorch twin of examples/digits, for the model zoo's comparisons.
// The same three models (layer for layer), the same starting parameters (cgrad's
// make_model draws them with PyTorch's default scheme from Rng(seed) and they are copied
// in, Linear weights transposed), the same data and split (examples/data), the same batch
// order (nn/'s MiniBatches), the same optimizer and number of steps. Prints the same epoch
// lines, final line and mean step time as `digits`.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include "benchmarks/torch_threads.h"
#include "cli_checks.h"
#include "digits_data.h"
#include "model.h"
#include "run.h"

namespace {

using cgrad::digits::ModelKind;

using cgrad::examples::kUsageError;

// Mirrors examples/digits/model.h; for the CNN, module 0 turns rows into images, as
// cgrad's RowsAsImages does, so that both Sequentials number their layers alike.
torch::nn::Sequential make_torch_model(ModelKind kind, std::int64_t side) {
  namespace nn = torch::nn;
  const std::int64_t pixels = side * side, classes = cgrad::digits::kClasses;
  switch (kind) {
    case ModelKind::Logreg: return nn::Sequential(nn::Linear(pixels, classes));
    case ModelKind::Mlp: {
      const auto hidden = static_cast<std::int64_t>(cgrad::digits::kMlpHidden);
      return nn::Sequential(nn::Linear(pixels, hidden), nn::ReLU(), nn::Linear(hidden, classes));
    }
    case ModelKind::Cnn: {
      const std::int64_t pooled = side / 2 / 2;
      return nn::Sequential(nn::Unflatten(nn::UnflattenOptions(1, {1, side, side})),
                            nn::Conv2d(nn::Conv2dOptions(1, 16, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                            nn::Conv2d(nn::Conv2dOptions(16, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                            nn::Flatten(), nn::Linear(32 * pooled * pooled, classes));
    }
  }
  throw std::logic_error("unknown model");
}

// cgrad's parameters into the LibTorch model, by name ("0.weight", "4.bias", ...).
void copy_parameters(const cgrad::Sequential<float>& from, torch::nn::Sequential& to) {
  torch::NoGradGuard no_grad;
  const auto target = to->named_parameters();
  const auto named = from.named_parameters();
  if (named.size() != target.size())
    throw std::logic_error(fmt::format("{} cgrad parameters, {} LibTorch ones", named.size(), target.size()));
  for (const auto& [name, parameter] : named) {
    const cgrad::Tensor<float>& value = parameter->value();
    torch::Tensor source = torch::from_blob(const_cast<float*>(value.data()), {static_cast<std::int64_t>(value.size())});
    torch::Tensor dest = target[name];
    // cgrad's Linear weight is [in, out], LibTorch's [out, in].
    if (dest.dim() == 2 && name.ends_with("weight"))
      source = source.reshape({dest.size(1), dest.size(0)}).t();
    dest.copy_(source.reshape(dest.sizes()));
  }
}

torch::Tensor as_tensor(const cgrad::Tensor<float>& features) {
  return torch::from_blob(const_cast<float*>(features.data()),
                          {static_cast<std::int64_t>(features.rows()), static_cast<std::int64_t>(features.cols())});
}

torch::Tensor as_labels(const std::vector<std::int32_t>& labels) {
  return torch::from_blob(const_cast<std::int32_t*>(labels.data()), {static_cast<std::int64_t>(labels.size())},
                          torch::kInt32)
      .to(torch::kLong);
}

double accuracy(torch::nn::Sequential& model, const cgrad::Dataset<float>& test) {
  torch::NoGradGuard no_grad;
  const torch::Tensor predicted = model->forward(as_tensor(test.features())).argmax(1);
  return predicted.eq(as_labels(test.labels())).to(torch::kDouble).mean().item<double>();
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, torch::nn::Sequential& model,
                                                        double lr) {
  if (name == "adam") return std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(lr));
  return std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(lr));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"digits_torch: the LibTorch twin of examples/digits", "digits_torch"};
  std::string model_name = "mlp";
  std::optional<std::size_t> epochs, batch;
  std::optional<std::string> optimizer_name;
  std::optional<double> lr;
  std::uint32_t seed = 0;
  int threads = 1;
  app.add_option("--model", model_name)->check(CLI::IsMember({"logreg", "mlp", "cnn"}))->capture_default_str();
  app.add_option("--epochs", epochs, "[default: digits' default for the model]")
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
  app.add_option("--batch", batch)->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_option("--optim", optimizer_name)->check(CLI::IsMember({"sgd", "adam"}));
  app.add_option("--lr", lr)->check(CLI::Range(0.0, 1e6));
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--threads", threads)->check(CLI::Range(1, 1024))->capture_default_str();
  if (const auto status = cgrad::examples::parse_command_line(app, argc, argv)) return *status;
  try {
    cgrad::bench::set_torch_threads(threads);
    const ModelKind kind = cgrad::digits::parse_model(model_name);
    const cgrad::digits::Defaults given = cgrad::digits::defaults(kind);
    const std::string optimizer_used = optimizer_name.value_or(given.optimizer);
    if (optimizer_name && !lr) throw cgrad::ValueError("--optim needs --lr here");
    const double rate = lr.value_or(given.lr);
    const cgrad::digits::DigitsData data = cgrad::digits::load_data(std::nullopt, seed);
    cgrad::Rng rng(seed);
    const auto reference = cgrad::digits::make_model(kind, data.side, rng);
    torch::nn::Sequential model = make_torch_model(kind, static_cast<std::int64_t>(data.side));
    copy_parameters(*reference, model);
    const auto optimizer = make_optimizer(optimizer_used, model, rate);
    const std::size_t batch_size = batch.value_or(given.batch);
    fmt::print("data: {}\nmodel: {} (LibTorch {}), {} lr {}, batches of {}, seed {}\n", data.description, model_name,
               TORCH_VERSION, optimizer_used, rate, batch_size, seed);

    cgrad::MiniBatches<float> batches(data.train, batch_size, seed);
    std::chrono::duration<double, std::milli> stepping{0};
    std::size_t steps = 0;
    double final_accuracy = accuracy(model, data.test);
    for (std::size_t epoch = 1; epoch <= epochs.value_or(given.epochs); ++epoch) {
      double loss_sum = 0.0;
      const auto start = std::chrono::steady_clock::now();
      for (std::size_t s = 0; s < batches.batches_per_epoch(); ++s) {
        const cgrad::Batch<float>& b = batches.next();
        optimizer->zero_grad();
        const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(as_tensor(b.features)),
                                                                         as_labels(b.labels));
        loss.backward();
        optimizer->step();
        loss_sum += loss.item<double>() * static_cast<double>(b.size());
      }
      stepping += std::chrono::steady_clock::now() - start;
      steps += batches.batches_per_epoch();
      final_accuracy = accuracy(model, data.test);
      fmt::print("epoch {}: train loss {:.4f}, test accuracy {:.4f}\n", epoch,
                 loss_sum / static_cast<double>(data.train.size()), final_accuracy);
    }
    if (steps > 0)
      fmt::print("digits {}: mean step time {:.3f} ms over {} steps\n", model_name,
                 stepping.count() / static_cast<double>(steps), steps);
    fmt::print("digits {}: test accuracy {:.4f}\n", model_name, final_accuracy);
  } catch (const cgrad::Error& e) {
    fmt::print(stderr, "digits_torch: error: {}\n", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "digits_torch: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
