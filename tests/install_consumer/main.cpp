#include <cgrad.h>
#include <fmt/core.h>

int main() {
  using namespace cgrad;
  Parameter<double> w("w", Tensor<double>(2, 1, {3.0, -1.0}));
  Graph<double> graph;
  Var<double> loss = l2_reg(graph.param(w), 2.0);  // 0.5 * 2 * (9 + 1) = 10
  graph.backward(loss);                            // grad = 2 * w = [6, -2]
  const bool ok = loss.item() == 10.0 && w.grad()[0] == 6.0 && w.grad()[1] == -2.0;
  fmt::print("consumer: loss {} grad [{}, {}] {}\n", loss.item(), w.grad()[0], w.grad()[1], ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
