// Lstm and Gru modules against a second path: the same layers written step by step with
// the cell ops on the module's own parameters, on the same data; forward values and every
// parameter's gradient must agree exactly (the two paths record the same arithmetic). The
// cell ops themselves are checked against the basic ops in test_recurrent_ops.cpp and
// against central differences by the op suite. Also: parameter names, initialisation
// bounds, checkpoint round trips, and the refusals of wrong shapes.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "cgrad.h"
#include "expect_error.h"
#include "nn/gru.h"
#include "nn/lstm.h"
#include "test_util.h"
#include "tests/support/allocation_counter.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::message_of;
using test::uniform_tensor;

std::map<std::string, Tensor<double>> gradients_of(Module<double>& m) {
  std::map<std::string, Tensor<double>> g;
  for (auto& [name, p] : m.named_parameters()) g[name] = p->grad();
  return g;
}
void zero_grads(Module<double>& m) {
  for (Parameter<double>* p : m.parameters()) p->zero_grad();
}
void expect_same(const Tensor<double>& a, const Tensor<double>& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_DOUBLE_EQ(a[i], b[i]) << what << " at " << i;
}
Var<double> step(Var<double> v, std::size_t t) {
  const auto i = static_cast<std::int64_t>(t);
  return squeeze(slice(v, 0, i, i + 1), 0);
}

Var<double> stacked(const std::vector<Var<double>>& v) { return stack(std::span<const Var<double>>(v), 0); }

// A loss that weighs every output differently.
Var<double> projected(Graph<double>& g, Var<double> v, std::uint64_t seed) {
  return sum(v * g.input(uniform_tensor<double>(v.shape(), seed)));
}

TEST(NnRecurrent, LstmParameterNamesShapesAndInitialisation) {
  Rng rng(1);
  Lstm<double> lstm(LstmOptions(3, 5).num_layers(2), rng);
  std::vector<std::string> names;
  for (auto& [name, p] : lstm.named_parameters()) {
    names.push_back(name);
    for (double v : p->value().span()) EXPECT_LE(std::abs(v), 1.0 / std::sqrt(5.0));
  }
  EXPECT_THAT(names, ElementsAre("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1",
                                 "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"));
  EXPECT_EQ(lstm.layer(0).weight_ih.shape(), (Shape{3, 20}));
  EXPECT_EQ(lstm.layer(1).weight_ih.shape(), (Shape{5, 20}));
  EXPECT_EQ(lstm.layer(1).weight_hh.shape(), (Shape{5, 20}));
  EXPECT_EQ(lstm.layer(1).bias_hh.shape(), (Shape{20}));
  Gru<double> gru(GruOptions(4, 2).num_layers(3), rng);
  EXPECT_EQ(gru.parameters().size(), 12u);
  EXPECT_EQ(gru.layer(2).weight_ih.shape(), (Shape{2, 6}));
  EXPECT_EQ(gru.named_parameters()[0].first, "weight_ih_l0");
}

// Both with zero initial states and with given ones (whose gradients are compared too).
TEST(NnRecurrent, LstmMatchesTheCellsStepByStep) {
  const std::size_t steps = 4, batch = 3, in = 2, hidden = 5, layers = 2;
  Rng rng(7);
  Lstm<double> lstm(LstmOptions(in, hidden).num_layers(layers), rng);
  for (const bool given_state : {false, true}) {
    SCOPED_TRACE(given_state ? "given h0, c0" : "zero h0, c0");
    Parameter<double> x("x", uniform_tensor<double>({steps, batch, in}, 11));
    Parameter<double> h0("h0", uniform_tensor<double>({layers, batch, hidden}, 12));
    Parameter<double> c0("c0", uniform_tensor<double>({layers, batch, hidden}, 13));
    std::vector<Tensor<double>> values[2], input_grads[2];
    std::map<std::string, Tensor<double>> grads[2];
    for (int path = 0; path < 2; ++path) {
      zero_grads(lstm);
      for (auto* p : {&x, &h0, &c0}) p->zero_grad();
      Graph<double> g;
      Var<double> output, h_n, c_n;
      if (path == 0) {
        const LstmOutput<double> out =
            given_state ? lstm.forward(g, g.param(x), g.param(h0), g.param(c0)) : lstm.forward(g, g.param(x));
        output = out.output, h_n = out.h, c_n = out.c;
      } else {
        std::vector<Var<double>> seq, last_h, last_c;
        for (std::size_t t = 0; t < steps; ++t) seq.push_back(step(g.param(x), t));
        for (std::size_t k = 0; k < layers; ++k) {
          auto& l = lstm.layer(k);
          LstmState<double> s = given_state ? LstmState<double>{step(g.param(h0), k), step(g.param(c0), k)}
                                            : LstmState<double>{g.input(Tensor<double>(Shape{batch, hidden})),
                                                                g.input(Tensor<double>(Shape{batch, hidden}))};
          for (std::size_t t = 0; t < steps; ++t) {
            s = lstm_cell(seq[t], s.h, s.c, g.param(l.weight_ih), g.param(l.weight_hh), g.param(l.bias_ih),
                          g.param(l.bias_hh));
            seq[t] = s.h;
          }
          last_h.push_back(s.h);
          last_c.push_back(s.c);
        }
        output = stacked(seq), h_n = stacked(last_h), c_n = stacked(last_c);
      }
      EXPECT_EQ(output.shape(), (Shape{steps, batch, hidden}));
      EXPECT_EQ(h_n.shape(), (Shape{layers, batch, hidden}));
      EXPECT_EQ(c_n.shape(), (Shape{layers, batch, hidden}));
      g.backward(projected(g, output, 21) + projected(g, h_n, 22) + projected(g, c_n, 23));
      values[path] = {output.value(), h_n.value(), c_n.value()};
      input_grads[path] = {x.grad(), h0.grad(), c0.grad()};
      grads[path] = gradients_of(lstm);
    }
    for (std::size_t i = 0; i < 3; ++i) {
      expect_same(values[0][i], values[1][i], "value " + std::to_string(i));
      expect_same(input_grads[0][i], input_grads[1][i], "input gradient " + std::to_string(i));
    }
    for (auto& [name, grad] : grads[0]) expect_same(grad, grads[1][name], name);
  }
}

TEST(NnRecurrent, GruMatchesTheCellsStepByStep) {
  const std::size_t steps = 3, batch = 2, in = 4, hidden = 3, layers = 3;
  Rng rng(8);
  Gru<double> gru(GruOptions(in, hidden).num_layers(layers), rng);
  for (const bool given_state : {false, true}) {
    SCOPED_TRACE(given_state ? "given h0" : "zero h0");
    Parameter<double> x("x", uniform_tensor<double>({steps, batch, in}, 31));
    Parameter<double> h0("h0", uniform_tensor<double>({layers, batch, hidden}, 32));
    std::vector<Tensor<double>> values[2], input_grads[2];
    std::map<std::string, Tensor<double>> grads[2];
    for (int path = 0; path < 2; ++path) {
      zero_grads(gru);
      for (auto* p : {&x, &h0}) p->zero_grad();
      Graph<double> g;
      Var<double> output, h_n;
      if (path == 0) {
        const GruOutput<double> out = given_state ? gru.forward(g, g.param(x), g.param(h0)) : gru.forward(g, g.param(x));
        output = out.output, h_n = out.h;
      } else {
        std::vector<Var<double>> seq, last_h;
        for (std::size_t t = 0; t < steps; ++t) seq.push_back(step(g.param(x), t));
        for (std::size_t k = 0; k < layers; ++k) {
          auto& l = gru.layer(k);
          Var<double> h = given_state ? step(g.param(h0), k) : g.input(Tensor<double>(Shape{batch, hidden}));
          for (std::size_t t = 0; t < steps; ++t) {
            h = gru_cell(seq[t], h, g.param(l.weight_ih), g.param(l.weight_hh), g.param(l.bias_ih),
                         g.param(l.bias_hh));
            seq[t] = h;
          }
          last_h.push_back(h);
        }
        output = stacked(seq), h_n = stacked(last_h);
      }
      EXPECT_EQ(output.shape(), (Shape{steps, batch, hidden}));
      EXPECT_EQ(h_n.shape(), (Shape{layers, batch, hidden}));
      g.backward(projected(g, output, 41) + projected(g, h_n, 42));
      values[path] = {output.value(), h_n.value()};
      input_grads[path] = {x.grad(), h0.grad()};
      grads[path] = gradients_of(gru);
    }
    for (std::size_t i = 0; i < 2; ++i) {
      expect_same(values[0][i], values[1][i], "value " + std::to_string(i));
      expect_same(input_grads[0][i], input_grads[1][i], "input gradient " + std::to_string(i));
    }
    for (auto& [name, grad] : grads[0]) expect_same(grad, grads[1][name], name);
  }
}

std::filesystem::path temporary_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / fmt::format("cgrad_{}_{}.safetensors", name, getpid());
}

// Saved from one module, loaded into another made from another seed: the same outputs.
TEST(NnRecurrent, CheckpointRoundTrip) {
  Rng a(1), b(2);
  Lstm<double> lstm(LstmOptions(3, 4).num_layers(2), a), lstm_other(LstmOptions(3, 4).num_layers(2), b);
  Gru<double> gru(GruOptions(3, 4).num_layers(2), a), gru_other(GruOptions(3, 4).num_layers(2), b);
  const std::filesystem::path lstm_file = temporary_file("lstm"), gru_file = temporary_file("gru");
  save_checkpoint(lstm_file, lstm.named_parameters());
  save_checkpoint(gru_file, gru.named_parameters());
  load_checkpoint(lstm_file, lstm_other.named_parameters());
  load_checkpoint(gru_file, gru_other.named_parameters());
  std::filesystem::remove(lstm_file);
  std::filesystem::remove(gru_file);
  const Tensor<double> x = uniform_tensor<double>({2, 3, 3}, 5);
  Graph<double> g;
  expect_same(lstm.forward(g, g.input(x)).output.value(), lstm_other.forward(g, g.input(x)).output.value(), "lstm");
  expect_same(gru.forward(g, g.input(x)).output.value(), gru_other.forward(g, g.input(x)).output.value(), "gru");
}

TEST(NnRecurrent, WrongShapesNameTheModuleAndTheShapes) {
  Rng rng(3);
  Lstm<double> lstm(LstmOptions(3, 4).num_layers(2), rng);
  Gru<double> gru(GruOptions(3, 4), rng);
  Graph<double> g;
  const auto in = [&](const Shape& s) { return g.input(Tensor<double>(s)); };
  EXPECT_THAT(message_of<ShapeError>([&] { lstm.forward(g, in({5, 2, 2})); }),
              AllOf(HasSubstr("Lstm: expected input [T,N,3]"), HasSubstr("got [5,2,2]")));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm.forward(g, in({2, 3})); }), HasSubstr("Lstm: expected input [T,N,3]"));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm.forward(g, in({0, 2, 3})); }), HasSubstr("T >= 1"));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm.forward(g, in({5, 2, 3}), in({1, 2, 4}), in({2, 2, 4})); }),
              AllOf(HasSubstr("Lstm: expected h0 [num_layers,N,hidden_size] = [2,2,4]"), HasSubstr("got [1,2,4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { lstm.forward(g, in({5, 2, 3}), in({2, 2, 4}), in({2, 3, 4})); }),
              AllOf(HasSubstr("c0"), HasSubstr("[2,2,4]"), HasSubstr("got [2,3,4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { gru.forward(g, in({5, 2, 4})); }),
              AllOf(HasSubstr("Gru: expected input [T,N,3]"), HasSubstr("got [5,2,4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { gru.forward(g, in({5, 2, 3}), in({1, 2, 5})); }),
              AllOf(HasSubstr("Gru: expected h0"), HasSubstr("[1,2,4]"), HasSubstr("got [1,2,5]")));
  EXPECT_THAT(message_of<ValueError>([&] { Lstm<double>(LstmOptions(3, 0), rng); }), HasSubstr("Lstm"));
  EXPECT_THAT(message_of<ValueError>([&] { Gru<double>(GruOptions(3, 2).num_layers(0), rng); }), HasSubstr("Gru"));
}

// A training step of a two-layer LSTM and a GRU, recorded again after clear(), allocates nothing.
TEST(NnRecurrent, SteadyStepAllocatesNothing) {
  Rng rng(4);
  Lstm<float> lstm(LstmOptions(3, 4).num_layers(2), rng);
  Gru<float> gru(GruOptions(3, 4).num_layers(2), rng);
  const Tensor<float> x = uniform_tensor<float>({5, 2, 3}, 6);
  Graph<float> g;
  auto train_step = [&] {
    g.clear();
    const Var<float> input = g.input(x);
    g.backward(sum(lstm.forward(g, input).output) + sum(gru.forward(g, input).h));
  };
  train_step();
  train_step();
  const std::size_t before = testing::allocation_count();
  train_step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
