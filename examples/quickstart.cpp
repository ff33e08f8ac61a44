// A small example beside the README's (which tests/CMakeLists.txt extracts from README.md):
// a two-layer ReLU network learns three interleaved spirals. The forward pass is written
// with ops; backward() derives every gradient. Examples.QuickstartTrains runs it and asks
// for a training accuracy of at least 0.90.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <fmt/core.h>

#include "cgrad.h"

using namespace cgrad;

int main() {
  // 3 spirals of 100 points in 2-D (the lesson's recipe).
  const int points = 100, classes = 3;
  Tensor<float> x(points * classes, 2);
  std::vector<std::int32_t> labels;
  std::mt19937 rng(0);
  std::normal_distribution<float> noise(0.0f, 0.2f);
  for (int c = 0; c < classes; ++c) {
    for (int i = 0; i < points; ++i) {
      const float radius = i / float(points - 1);
      const float angle = 4.0f * (c + i / float(points - 1)) + noise(rng);
      x(labels.size(), 0) = radius * std::sin(angle);
      x(labels.size(), 1) = radius * std::cos(angle);
      labels.push_back(c);
    }
  }

  // Parameters live outside the graph; 0.01 * N(0,1) weights, zero biases.
  auto init = [&](std::size_t rows, std::size_t cols) {
    std::normal_distribution<float> normal(0.0f, 0.01f);
    Tensor<float> t(rows, cols);
    for (float& v : t.span()) v = normal(rng);
    return t;
  };
  Parameter<float> w1("w1", init(2, 100)), b1("b1", Tensor<float>(1, 100));
  Parameter<float> w2("w2", init(100, classes)), b2("b2", Tensor<float>(1, classes));
  Parameter<float>* params[] = {&w1, &b1, &w2, &b2};

  Graph<float> graph;
  const float learning_rate = 1.0f, reg = 1e-3f;
  for (int step = 0; step <= 5000; ++step) {
    graph.clear();  // reuses last step's buffers
    Var<float> hidden = relu(add_bias(matmul(graph.input(x), graph.param(w1)), graph.param(b1)));
    Var<float> scores = add_bias(matmul(hidden, graph.param(w2)), graph.param(b2));
    Var<float> loss = softmax_xent(scores, labels) + l2_reg(graph.param(w1), reg) +
                      l2_reg(graph.param(w2), reg);
    for (Parameter<float>* p : params) p->zero_grad();
    graph.backward(loss);
    for (Parameter<float>* p : params)
      for (std::size_t i = 0; i < p->value().size(); ++i) p->mutable_value()[i] -= learning_rate * p->grad()[i];
    if (step % 1000 == 0) fmt::print("step {:4}: loss {:.6f}\n", step, loss.item());
  }

  // Accuracy of the trained network, evaluated without recording a tape.
  graph.clear();
  NoGradGuard<float> no_grad(graph);
  Var<float> hidden = relu(add_bias(matmul(graph.input(x), graph.param(w1)), graph.param(b1)));
  const Tensor<float>& scores = add_bias(matmul(hidden, graph.param(w2)), graph.param(b2)).value();
  int correct = 0;
  for (std::size_t r = 0; r < scores.rows(); ++r) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < scores.cols(); ++c) best = scores(r, c) > scores(r, best) ? c : best;
    correct += static_cast<int>(best) == labels[r];
  }
  fmt::print("training accuracy: {:.2f}\n", correct / double(scores.rows()));
}
