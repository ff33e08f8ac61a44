#pragma once
// The seed's two-layer network (D -> hidden -> K, ReLU, softmax cross-entropy, L2 on both
// weight matrices) with a plain gradient step, as a reusable fixture for the
// zero-allocation test and the training-step benchmark. The layers are recorded as the
// seed's matmul, add_bias and relu (Layers::ops), as relu(affine) and affine (what Linear
// and ReLU record), or as affine_relu and affine (what Mlp records): the same bits.
#include <cstdint>
#include <random>
#include <vector>

#include "cgrad.h"

namespace cgrad::testing {

enum class Layers { ops, affine, affine_relu };

template <Real T>
struct TwoLayerModel {
  Tensor<T> features;
  std::vector<std::int32_t> labels;
  Parameter<T> w1, b1, w2, b2;
  Graph<T> graph;
  T learning_rate = 1;
  T reg = T(1e-3);
  Layers layers = Layers::ops;

  // Random points in [-1,1]^2 with labels i % classes (nothing a network could learn): the
  // zero-allocation test and BM_SpiralStep need only the seed's shapes and arithmetic.
  TwoLayerModel(std::size_t points, std::size_t hidden, std::size_t classes, std::uint32_t seed = 0,
                Layers recorded_as = Layers::ops)
      : features(points, 2), labels(points), layers(recorded_as) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<T> uniform(-1, 1);
    std::normal_distribution<T> normal(0, T(0.01));
    for (std::size_t i = 0; i < points; ++i) {
      features(i, 0) = uniform(rng);
      features(i, 1) = uniform(rng);
      labels[i] = static_cast<std::int32_t>(i % classes);
    }
    auto init = [&](std::size_t rows, std::size_t cols) {
      Tensor<T> t(rows, cols);
      for (T& v : t.span()) v = normal(rng);
      return t;
    };
    w1 = Parameter<T>("w1", init(2, hidden));
    b1 = Parameter<T>("b1", Tensor<T>(1, hidden));
    w2 = Parameter<T>("w2", init(hidden, classes));
    b2 = Parameter<T>("b2", Tensor<T>(1, classes));
  }

  // Forward, backward and update; returns the loss.
  T step() {
    graph.clear();
    const Var<T> x = graph.input(features);
    Var<T> hidden, scores;
    if (layers == Layers::ops) {
      hidden = relu(add_bias(matmul(x, graph.param(w1)), graph.param(b1)));
      scores = add_bias(matmul(hidden, graph.param(w2)), graph.param(b2));
    } else {
      hidden = layers == Layers::affine_relu ? affine_relu(x, graph.param(w1), graph.param(b1))
                                             : relu(affine(x, graph.param(w1), graph.param(b1)));
      scores = affine(hidden, graph.param(w2), graph.param(b2));
    }
    Var<T> loss = softmax_xent(scores, labels) + l2_reg(graph.param(w1), reg) + l2_reg(graph.param(w2), reg);
    for (Parameter<T>* p : {&w1, &b1, &w2, &b2}) p->zero_grad();
    graph.backward(loss);
    for (Parameter<T>* p : {&w1, &b1, &w2, &b2}) {
      T* value = p->mutable_value().data();
      const T* grad = p->grad().data();
      for (std::size_t i = 0; i < p->value().size(); ++i) value[i] -= learning_rate * grad[i];
    }
    return loss.item();
  }
};

}  // namespace cgrad::testing
