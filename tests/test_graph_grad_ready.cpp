// Graph::set_grad_ready_hook: each Parameter is announced once per backward pass, in the
// order backward finishes the gradients, and at the moment of the call its gradient
// already equals what the whole pass leaves in it. No MPI here: dist/ builds on this.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cgrad.h"
#include "test_util.h"

namespace cgrad {
namespace {

using test::uniform_tensor;

// Records the announced names and a copy of each gradient at announcement time.
struct Announcements {
  std::vector<std::string> names;
  std::vector<Tensor<double>> grads_then;

  Graph<double>::GradReadyHook hook() {
    return [this](Parameter<double>& p) {
      names.push_back(p.name());
      grads_then.push_back(p.grad());
    };
  }
};

// Three affine layers: backward finishes the last layer first.
struct ThreeLayers {
  Parameter<double> w1{"w1", uniform_tensor<double>(3, 4, 1)}, b1{"b1", uniform_tensor<double>(1, 4, 2)};
  Parameter<double> w2{"w2", uniform_tensor<double>(4, 4, 3)}, b2{"b2", uniform_tensor<double>(1, 4, 4)};
  Parameter<double> w3{"w3", uniform_tensor<double>(4, 2, 5)}, b3{"b3", uniform_tensor<double>(1, 2, 6)};
  Tensor<double> x = uniform_tensor<double>(5, 3, 7);

  std::vector<Parameter<double>*> all() { return {&w1, &b1, &w2, &b2, &w3, &b3}; }

  Var<double> loss(Graph<double>& g) {
    Var<double> h = tanh(add_bias(matmul(g.input(x), g.param(w1)), g.param(b1)));
    h = tanh(add_bias(matmul(h, g.param(w2)), g.param(b2)));
    Var<double> out = add_bias(matmul(h, g.param(w3)), g.param(b3));
    return sum(out * out);
  }
};

void expect_grads_final(const Announcements& seen, const std::vector<Parameter<double>*>& params) {
  for (std::size_t i = 0; i < seen.names.size(); ++i)
    for (const Parameter<double>* p : params)
      if (p->name() == seen.names[i]) {
        ASSERT_EQ(seen.grads_then[i].shape(), p->grad().shape()) << p->name();
        for (std::size_t k = 0; k < p->grad().size(); ++k)
          EXPECT_EQ(seen.grads_then[i][k], p->grad()[k]) << p->name() << " at " << k;
      }
}

TEST(GraphGradReady, AnnouncesEachParameterOnceInTheOrderBackwardFinishesThem) {
  ThreeLayers model;
  Graph<double> g;
  Announcements seen;
  g.set_grad_ready_hook(seen.hook());
  for (int pass = 0; pass < 2; ++pass) {  // the plan is rebuilt every pass
    seen = {};
    g.clear();
    Var<double> loss = model.loss(g);
    for (auto* p : model.all()) p->zero_grad();
    g.backward(loss);
    // add_bias(matmul(h, w), b): the add_bias node reads b, the matmul (earlier) reads w.
    EXPECT_EQ(seen.names, (std::vector<std::string>{"b3", "w3", "b2", "w2", "b1", "w1"}));
    expect_grads_final(seen, model.all());
  }
}

TEST(GraphGradReady, AParameterReadTwiceIsAnnouncedAfterItsEarliestRead) {
  Parameter<double> w("w", uniform_tensor<double>(3, 3, 11));
  Parameter<double> v("v", uniform_tensor<double>(3, 3, 12));
  Tensor<double> x = uniform_tensor<double>(2, 3, 13);
  Graph<double> g;
  Announcements seen;
  g.set_grad_ready_hook(seen.hook());
  // w is entered twice: once early, once after v; its gradient is final only after the
  // first matmul's backward, which runs last.
  Var<double> h = matmul(g.input(x), g.param(w));
  h = matmul(tanh(h), g.param(v));
  h = matmul(tanh(h), g.param(w));
  Var<double> loss = sum(h * h);
  w.zero_grad();
  v.zero_grad();
  g.backward(loss);
  EXPECT_EQ(seen.names, (std::vector<std::string>{"v", "w"}));
  expect_grads_final(seen, {&w, &v});
}

TEST(GraphGradReady, AParameterOffThePathIsAnnouncedFirstWithItsGradientUntouched) {
  Parameter<double> used("used", uniform_tensor<double>(2, 2, 21));
  Parameter<double> unused("unused", uniform_tensor<double>(2, 2, 22));
  Graph<double> g;
  Announcements seen;
  g.set_grad_ready_hook(seen.hook());
  Var<double> side = g.param(unused);  // entered, but no node reads it
  (void)side;
  Var<double> loss = sum(g.param(used) * g.param(used));
  used.zero_grad();
  unused.zero_grad();
  g.backward(loss);
  ASSERT_EQ(seen.names, (std::vector<std::string>{"unused", "used"}));
  for (double v : seen.grads_then[0].span()) EXPECT_EQ(v, 0.0);
  expect_grads_final(seen, {&used, &unused});
}

TEST(GraphGradReady, TiesFollowReverseTapeOrderAndTheHookCanBeRemoved) {
  Parameter<double> a("a", uniform_tensor<double>(2, 3, 31));
  Parameter<double> b("b", uniform_tensor<double>(3, 2, 32));
  Graph<double> g;
  Announcements seen;
  g.set_grad_ready_hook(seen.hook());
  Var<double> pa = g.param(a);  // a enters the tape before b (named: argument order is unspecified)
  Var<double> pb = g.param(b);
  Var<double> loss = sum(matmul(pa, pb));  // one node reads both
  g.backward(loss);
  EXPECT_EQ(seen.names, (std::vector<std::string>{"b", "a"}));

  g.set_grad_ready_hook({});
  seen = {};
  g.clear();
  loss = sum(matmul(g.param(a), g.param(b)));
  g.backward(loss);
  EXPECT_TRUE(seen.names.empty());
}

TEST(GraphGradReady, ALossThatIsAParameterIsAnnounced) {
  Parameter<double> p("p", Tensor<double>(Shape{}));
  Graph<double> g;
  Announcements seen;
  g.set_grad_ready_hook(seen.hook());
  g.backward(g.param(p));
  EXPECT_EQ(seen.names, (std::vector<std::string>{"p"}));
  EXPECT_EQ(p.grad()[0], 1.0);
}

}  // namespace
}  // namespace cgrad
