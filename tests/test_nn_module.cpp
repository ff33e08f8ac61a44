// The nn module framework: Module's registry (dotted names, buffers, duplicate and bad
// names), train/eval recursion, Sequential, Linear's PyTorch default initialisation, the
// modules over existing ops (Dropout, Embedding, activations) and module checkpoints.
#include <cmath>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <memory>
#include <string>
#include <vector>

#include "cgrad.h"
#include "tests/expect_error.h"
#include "tests/test_util.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;

template <class Named>
std::vector<std::string> names_of(const Named& named) {
  std::vector<std::string> names;
  for (const auto& [name, pointer] : named) names.push_back(name);
  return names;
}

// A test-only module with a buffer: a running count next to a scale parameter.
template <Real T>
class Counter : public UnaryModule<T> {
 public:
  Counter() : scale_("scale", Tensor<T>(Shape{2})), count_(Shape{2}) {
    this->register_parameter("scale", scale_);
    this->register_buffer("count", count_);
  }
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override {
    return x * graph.param(scale_, where);
  }
  Parameter<T>& scale() { return scale_; }
  Tensor<T>& count() { return count_; }

 private:
  Parameter<T> scale_;
  Tensor<T> count_;
};

// A module containing a Sequential of Linears, a buffer-holding child and its own parameter.
template <Real T>
class Encoder : public Module<T> {
 public:
  explicit Encoder(Rng& rng) : offset_("offset", Tensor<T>(Shape{3})) {
    layers_.template emplace_back<Linear<T>>(LinearOptions(4, 5), rng);
    layers_.template emplace_back<Linear<T>>(LinearOptions(5, 3).bias(false), rng);
    this->register_parameter("offset", offset_);
    this->register_module("layers", layers_);
    this->register_module("counter", counter_);
  }
  Sequential<T>& layers() { return layers_; }
  Counter<T>& counter() { return counter_; }
  Parameter<T>& offset() { return offset_; }

 private:
  Parameter<T> offset_;
  Sequential<T> layers_;
  Counter<T> counter_;
};

TEST(NnModule, NestedModulesHaveDottedNamesInRegistrationOrder) {
  Rng rng(0);
  Encoder<double> encoder(rng);
  EXPECT_EQ(names_of(encoder.named_parameters()),
            (std::vector<std::string>{"offset", "layers.0.weight", "layers.0.bias", "layers.1.weight", "counter.scale"}));
  EXPECT_EQ(encoder.named_parameters()[1].second, &encoder.layers().at<Linear<double>>(0).weight());
  EXPECT_EQ(encoder.parameters().size(), 5u);
  EXPECT_EQ(encoder.parameters()[4], &encoder.counter().scale());
  EXPECT_EQ(names_of(encoder.named_children()), (std::vector<std::string>{"layers", "counter"}));
  EXPECT_EQ(names_of(encoder.named_modules()), (std::vector<std::string>{"", "layers", "layers.0", "layers.1", "counter"}));
}

TEST(NnModule, BuffersAreListedWithDottedNames) {
  Rng rng(0);
  Encoder<float> encoder(rng);
  const auto buffers = encoder.named_buffers();
  ASSERT_EQ(buffers.size(), 1u);
  EXPECT_EQ(buffers[0].first, "counter.count");
  EXPECT_EQ(buffers[0].second, &encoder.counter().count());
  // A buffer is not a parameter: an optimizer never sees it.
  for (const auto& [name, p] : encoder.named_parameters()) EXPECT_NE(name, "counter.count");
}

TEST(NnModule, TrainAndEvalReachEveryDescendant) {
  Rng rng(0);
  Encoder<float> encoder(rng);
  const auto all_training = [&](bool expected) {
    for (const auto& [name, module] : encoder.named_modules())
      if (module->is_training() != expected) return false;
    return true;
  };
  EXPECT_TRUE(all_training(true));  // modules start in training mode, as in PyTorch
  encoder.eval();
  EXPECT_TRUE(all_training(false));
  encoder.train();
  EXPECT_TRUE(all_training(true));
  encoder.layers().train(false);  // a subtree alone
  EXPECT_TRUE(encoder.is_training());
  EXPECT_FALSE(encoder.layers()[1].is_training());
  EXPECT_TRUE(encoder.counter().is_training());
}

// Registers one name twice, or a bad name, in its constructor.
template <Real T>
class BadNames : public Module<T> {
 public:
  enum class Kind { ParameterTwice, BufferOverParameter, ModuleOverBuffer, Dotted, Empty };
  explicit BadNames(Kind kind) : a_("a", Tensor<T>(Shape{1})), b_("b", Tensor<T>(Shape{1})), buffer_(Shape{1}) {
    switch (kind) {
      case Kind::ParameterTwice:
        this->register_parameter("w", a_);
        this->register_parameter("w", b_);
        break;
      case Kind::BufferOverParameter:
        this->register_parameter("w", a_);
        this->register_buffer("w", buffer_);
        break;
      case Kind::ModuleOverBuffer:
        this->register_buffer("w", buffer_);
        this->register_module("w", child_);
        break;
      case Kind::Dotted: this->register_parameter("layer.w", a_); break;
      case Kind::Empty: this->register_buffer("", buffer_); break;
    }
  }

 private:
  Parameter<T> a_, b_;
  Tensor<T> buffer_;
  Sequential<T> child_;
};

TEST(NnModule, DuplicateDottedAndEmptyNamesAreRefused) {
  using Kind = BadNames<float>::Kind;
  for (const Kind kind : {Kind::ParameterTwice, Kind::BufferOverParameter, Kind::ModuleOverBuffer})
    EXPECT_THAT(message_of<ValueError>([&] { BadNames<float> bad(kind); }), AllOf(HasSubstr("'w'"), HasSubstr("taken")));
  EXPECT_THROW(BadNames<float>(Kind::Dotted), ValueError);
  EXPECT_THROW(BadNames<float>(Kind::Empty), ValueError);
}

// One Linear registered twice (weight tying): its parameters are listed once.
template <Real T>
class Tied : public Module<T> {
 public:
  explicit Tied(Rng& rng) : shared_(LinearOptions(2, 2), rng) {
    this->register_module("encode", shared_);
    this->register_module("decode", shared_);
  }

 private:
  Linear<T> shared_;
};

TEST(NnModule, ATiedParameterIsListedOnceUnderItsFirstName) {
  Rng rng(0);
  Tied<float> tied(rng);
  EXPECT_EQ(names_of(tied.named_parameters()), (std::vector<std::string>{"encode.weight", "encode.bias"}));
}

TEST(NnModule, ZeroGradAndApplyReachEveryModule) {
  Rng rng(0);
  Encoder<double> encoder(rng);
  for (Parameter<double>* p : encoder.parameters()) p->grad().fill(1.0);
  encoder.zero_grad();
  for (Parameter<double>* p : encoder.parameters())
    for (double g : p->grad().span()) EXPECT_EQ(g, 0.0);
  std::vector<Module<double>*> visited;
  encoder.apply([&](Module<double>& m) { visited.push_back(&m); });
  ASSERT_EQ(visited.size(), 5u);
  EXPECT_EQ(visited.back(), &encoder);  // children before their parent
  EXPECT_EQ(visited[0], &encoder.layers()[0]);
}

TEST(NnSequential, ForwardEqualsTheManualChain) {
  Rng rng(3);
  Sequential<double> net(std::make_unique<Linear<double>>(LinearOptions(3, 4), rng), std::make_unique<ReLU<double>>());
  net.emplace_back<Linear<double>>(LinearOptions(4, 2), rng);
  net.push_back(std::make_unique<Tanh<double>>());
  ASSERT_EQ(net.size(), 4u);
  EXPECT_EQ(names_of(net.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));

  const Tensor<double> input = test::uniform_tensor<double>(Shape{5, 3}, 11);
  Graph<double> graph;
  const Tensor<double> chained = net.forward(graph, graph.input(input)).value();
  Linear<double>& first = net.at<Linear<double>>(0);
  Linear<double>& second = net.at<Linear<double>>(2);
  const Tensor<double> manual =
      tanh(add_bias(matmul(relu(add_bias(matmul(graph.input(input), graph.param(first.weight())), graph.param(first.bias()))),
                           graph.param(second.weight())),
                    graph.param(second.bias())))
          .value();
  ASSERT_EQ(chained.shape(), (Shape{5, 2}));
  for (std::size_t i = 0; i < manual.size(); ++i) EXPECT_EQ(chained[i], manual[i]);

  // Gradients flow to every Linear through the chain.
  graph.clear();
  net.zero_grad();
  graph.backward(sum(net.forward(graph, graph.input(input))));
  for (Parameter<double>* p : net.parameters()) {
    double magnitude = 0;
    for (double g : p->grad().span()) magnitude += std::abs(g);
    EXPECT_GT(magnitude, 0.0) << p->name();
  }
}

// A Linear followed by a ReLU records one AffineReLU node (and no ReLU node), with the
// values and gradients of Linear then ReLU, bit for bit.
TEST(NnSequential, LinearThenReluIsOneAffineReluNode) {
  Rng rng(5);
  Sequential<double> net(std::make_unique<Linear<double>>(LinearOptions(3, 6), rng), std::make_unique<ReLU<double>>());
  net.emplace_back<Linear<double>>(LinearOptions(6, 2), rng);
  const Tensor<double> input = test::uniform_tensor<double>(Shape{7, 3}, 12);
  const auto gradients = [&](bool chained) {
    Graph<double> graph;
    net.zero_grad();
    const Var<double> x = graph.input(input);
    Linear<double>& first = net.at<Linear<double>>(0);
    const Var<double> y = chained ? net.forward(graph, x)
                                  : net.at<Linear<double>>(2).forward(graph, relu(first.forward(graph, x)));
    std::vector<std::string> ops;
    for (std::size_t i = 0; i < graph.size(); ++i)
      if (const auto* op = graph.node(static_cast<std::uint32_t>(i)).op) ops.emplace_back(op->name);
    graph.backward(sum(y));
    std::vector<Tensor<double>> grads{y.value()};
    for (Parameter<double>* p : net.parameters()) grads.push_back(p->grad());
    return std::pair{ops, grads};
  };
  const auto [chained_ops, chained] = gradients(true);
  const auto [manual_ops, manual] = gradients(false);
  EXPECT_EQ(chained_ops, (std::vector<std::string>{"AffineReLU", "Affine"}));
  EXPECT_EQ(manual_ops, (std::vector<std::string>{"Affine", "ReLU", "Affine"}));
  ASSERT_EQ(chained.size(), manual.size());
  for (std::size_t t = 0; t < chained.size(); ++t)
    for (std::size_t i = 0; i < manual[t].size(); ++i) EXPECT_EQ(chained[t][i], manual[t][i]) << t << " " << i;
}

TEST(NnSequential, EmptyIsTheIdentityAndBadAccessIsRefused) {
  Sequential<float> net;
  Graph<float> graph;
  Var<float> x = graph.input(Tensor<float>(2, 2, {1, 2, 3, 4}));
  EXPECT_EQ(net.forward(graph, x).index(), x.index());
  EXPECT_THROW(net.push_back(std::unique_ptr<ReLU<float>>()), ValueError);
  net.emplace_back<ReLU<float>>();
  EXPECT_THROW(net.at<Linear<float>>(0), ValueError);
  EXPECT_THROW(net.at<ReLU<float>>(1), ValueError);
}

TEST(NnLinear, DefaultInitIsPyTorchsUniformWithinOneOverSqrtFanIn) {
  Rng rng(5);
  const std::size_t in = 400, out = 300;
  Linear<double> layer(LinearOptions(in, out), rng);
  const double bound = 1 / std::sqrt(static_cast<double>(in));
  const auto check = [&](const Tensor<double>& t) {
    double low = bound, high = -bound, sum_sq = 0;
    for (double v : t.span()) {
      low = std::min(low, v);
      high = std::max(high, v);
      sum_sq += v * v;
    }
    EXPECT_GE(low, -bound);
    EXPECT_LE(high, bound);
    // The extremes come near the bound, and U(-b, b) has variance b²/3.
    EXPECT_LT(low, -0.95 * bound);
    EXPECT_GT(high, 0.95 * bound);
    return sum_sq / static_cast<double>(t.size());
  };
  EXPECT_NEAR(check(layer.weight().value()), bound * bound / 3, 0.02 * bound * bound);
  check(layer.bias().value());  // also bounded by the weight's fan-in, not by its own size
  EXPECT_EQ(layer.weight().shape(), (Shape{in, out}));
  EXPECT_EQ(layer.bias().shape(), (Shape{1, out}));

  Linear<double> bare(LinearOptions(3, 2).bias(false), rng);
  EXPECT_FALSE(bare.has_bias());
  EXPECT_EQ(names_of(bare.named_parameters()), (std::vector<std::string>{"weight"}));
  EXPECT_THROW(Linear<double>(LinearOptions(0, 2), rng), ValueError);
}

TEST(NnInit, KaimingAndXavierUniformFollowTheirFans) {
  Rng rng(9);
  // A convolution's layout [out, in, kh, kw]: fan_in = in·kh·kw, fan_out = out·kh·kw.
  EXPECT_EQ(fans_of(Shape{16, 3, 5, 5}).in, 75u);
  EXPECT_EQ(fans_of(Shape{16, 3, 5, 5}).out, 400u);
  EXPECT_EQ(fans_of(Shape{7, 9}).in, 7u);  // Linear's [in, out]
  Tensor<double> w(Shape{32, 8, 3, 3});
  kaiming_uniform<double>(rng)(w);  // a = 0: bound √(6 / fan_in)
  const double kaiming_bound = std::sqrt(6.0 / 72);
  for (double v : w.span()) EXPECT_LE(std::abs(v), kaiming_bound);
  xavier_uniform<double>(rng, 2.0)(w);
  const double xavier_bound = 2.0 * std::sqrt(6.0 / (72 + 288));
  double largest = 0;
  for (double v : w.span()) largest = std::max(largest, std::abs(v));
  EXPECT_LE(largest, xavier_bound);
  EXPECT_GT(largest, 0.95 * xavier_bound);
  zeros<double>()(w);
  for (double v : w.span()) EXPECT_EQ(v, 0.0);
  ones<double>()(w);
  for (double v : w.span()) EXPECT_EQ(v, 1.0);
}

TEST(NnMlp, OptionsConstructorIsLinearsDefaultLayerByLayer) {
  Rng a(4), b(4);
  Mlp<float> mlp(MlpOptions({3, 6, 2}), a);
  Linear<float> first(LinearOptions(3, 6), b), second(LinearOptions(6, 2), b);
  EXPECT_EQ(names_of(mlp.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"}));
  const std::vector<Parameter<float>*> expected = {&first.weight(), &first.bias(), &second.weight(), &second.bias()};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto x = mlp.parameters()[i]->value().span(), y = expected[i]->value().span();
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << i;
  }
}

TEST(NnDropout, IdentityInEvaluationAndDroppingInTraining) {
  const Tensor<double> input = test::uniform_tensor<double>(Shape{40, 50}, 2, 0.5, 1.5);  // no zeros
  Dropout<double> drop(DropoutOptions(0.3), 17);
  Graph<double> graph;
  Var<double> x = graph.input(input);

  drop.eval();
  Var<double> same = drop.forward(graph, x);
  EXPECT_EQ(same.index(), x.index());  // nothing recorded

  drop.train();
  const Tensor<double> dropped = drop.forward(graph, x).value();
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (dropped[i] == 0) {
      ++zeros;
    } else {
      EXPECT_NEAR(dropped[i], input[i] / 0.7, 1e-12);  // kept ones are scaled by 1 / (1 - p)
    }
  }
  // 2000 draws at p = 0.3: 600 expected, standard deviation about 20.
  EXPECT_GT(zeros, 500u);
  EXPECT_LT(zeros, 700u);
  // The module's own stream moves on: the next mask differs.
  const Tensor<double> again = drop.forward(graph, x).value();
  EXPECT_FALSE(std::equal(again.span().begin(), again.span().end(), dropped.span().begin()));

  EXPECT_THROW(Dropout<double>(DropoutOptions(1.5)), ValueError);
  EXPECT_THROW(Dropout<double>(-0.1), ValueError);
}

TEST(NnDropout, FollowsTheModeOfItsParent) {
  Rng rng(1);
  Sequential<float> net;
  net.emplace_back<Linear<float>>(LinearOptions(8, 8), rng);
  Dropout<float>& drop = net.emplace_back<Dropout<float>>(0.5, rng);
  const Tensor<float> input = test::uniform_tensor<float>(Shape{4, 8}, 3);
  Graph<float> graph;
  net.eval();
  EXPECT_FALSE(drop.is_training());
  const Tensor<float> first = net.forward(graph, graph.input(input)).value();
  const Tensor<float> second = net.forward(graph, graph.input(input)).value();
  EXPECT_TRUE(std::equal(first.span().begin(), first.span().end(), second.span().begin()));
  net.train();
  EXPECT_TRUE(drop.is_training());
}

TEST(NnEmbedding, PicksRowsOfANormalTable) {
  Rng rng(2);
  Embedding<double> table(EmbeddingOptions(1000, 20), rng);
  EXPECT_EQ(table.weight().shape(), (Shape{1000, 20}));
  EXPECT_EQ(table.named_parameters()[0].first, "weight");
  double sum = 0, sum_sq = 0;
  for (double v : table.weight().value().span()) {
    sum += v;
    sum_sq += v * v;
  }
  EXPECT_NEAR(sum / 20000, 0.0, 0.03);  // N(0, 1): the standard error of the mean is 0.007
  EXPECT_NEAR(sum_sq / 20000, 1.0, 0.05);

  const std::vector<std::int64_t> indices = {3, 999, 3, 0, 7, 1};
  Graph<double> graph;
  const Tensor<double> rows = table.forward(graph, indices, Shape{2, 3}).value();
  ASSERT_EQ(rows.shape(), (Shape{2, 3, 20}));
  for (std::size_t i = 0; i < indices.size(); ++i)
    for (std::size_t d = 0; d < 20; ++d)
      EXPECT_EQ(rows[i * 20 + d], table.weight().value()[static_cast<std::size_t>(indices[i]) * 20 + d]);
  EXPECT_EQ(table.forward(graph, indices).shape(), (Shape{6, 20}));
  EXPECT_THROW(Embedding<double>(EmbeddingOptions(0, 4), rng), ValueError);
}

TEST(NnActivations, EachIsItsOp) {
  const Tensor<double> input = test::uniform_tensor<double>(Shape{2, 3, 4}, 5, -2, 2);
  Graph<double> graph;
  Var<double> x = graph.input(input);
  const auto same = [](Var<double> a, Var<double> b) {
    return a.shape() == b.shape() && std::equal(a.value().span().begin(), a.value().span().end(), b.value().span().begin());
  };
  EXPECT_TRUE(same(ReLU<double>().forward(graph, x), relu(x)));
  EXPECT_TRUE(same(Tanh<double>().forward(graph, x), tanh(x)));
  EXPECT_TRUE(same(Sigmoid<double>().forward(graph, x), sigmoid(x)));
  EXPECT_TRUE(same(GELU<double>().forward(graph, x), gelu(x)));
  EXPECT_EQ(Flatten<double>().forward(graph, x).shape(), (Shape{2, 12}));  // the batch axis stays
  EXPECT_EQ(Flatten<double>(FlattenOptions().start_dim(0)).forward(graph, x).shape(), (Shape{24}));
}

class NnModuleCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cgrad_nn_module_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path path(const char* name) const { return dir_ / name; }

  std::filesystem::path dir_;
};

template <Real T>
std::vector<std::vector<T>> contents(const Module<T>& m) {
  std::vector<std::vector<T>> all;
  for (const auto& [name, p] : m.named_parameters()) all.emplace_back(p->value().span().begin(), p->value().span().end());
  for (const auto& [name, b] : m.named_buffers()) all.emplace_back(b->span().begin(), b->span().end());
  return all;
}

TEST_F(NnModuleCheckpoint, NestedModuleWithABufferRoundTripsBitForBit) {
  Rng first(1), second(2);
  Encoder<double> saved(first), loaded(second);
  saved.counter().count() = Tensor<double>(Shape{2}, {3, 5});
  saved.offset().mutable_value().fill(0.25);
  Adam<double> saved_adam(saved.parameters()), loaded_adam(loaded.parameters());
  save_checkpoint(path("encoder.safetensors"), saved, &saved_adam);
  ASSERT_NE(contents(saved), contents(loaded));
  load_checkpoint(path("encoder.safetensors"), loaded, &loaded_adam);
  EXPECT_EQ(contents(saved), contents(loaded));
  EXPECT_EQ(loaded.counter().count()[1], 5.0);

  // The file holds the dotted names: the list form reads the parameters back by them,
  // and refuses the file when the buffer is not asked for.
  Encoder<double> third(second);
  std::vector<NamedParameter<double>> parameters = third.named_parameters();
  EXPECT_THROW(load_checkpoint(path("encoder.safetensors"), parameters), IoError);
}

TEST_F(NnModuleCheckpoint, AMismatchedBufferLeavesTheModelAsItWas) {
  Rng rng(1);
  Encoder<float> saved(rng), target(rng);
  save_checkpoint(path("encoder.safetensors"), saved);
  target.counter().count().resize(Shape{3});  // a buffer of another shape
  target.counter().count().fill(7);
  const auto before = contents(target);
  EXPECT_THAT(message_of<IoError>([&] { load_checkpoint(path("encoder.safetensors"), target); }),
              HasSubstr("counter.count"));
  EXPECT_EQ(contents(target), before);
}

}  // namespace
}  // namespace cgrad
