// Writes every sample that names a NumPy expression, with its float64 inputs and cgrad's
// float64 output, as JSON for check_numpy.py. Usage: dump_op_samples FILE
#include <cstdio>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/ops/op_sample.h"

namespace {

nlohmann::json to_json(const cgrad::Tensor<double>& t) {
  return {{"shape", std::vector<std::size_t>(t.shape().dims().begin(), t.shape().dims().end())},
          {"data", std::vector<double>(t.span().begin(), t.span().end())}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dump_op_samples FILE\n");
    return 2;
  }
  nlohmann::json all = nlohmann::json::array();
  for (const cgrad::test::OpSample& s : cgrad::test::all_samples()) {
    if (s.numpy.empty()) continue;
    cgrad::Graph<double> graph;
    std::vector<cgrad::Var<double>> vars;
    nlohmann::json inputs = nlohmann::json::array();
    for (const cgrad::Tensor<double>& x : s.inputs) {
      vars.push_back(graph.input(x));
      inputs.push_back(to_json(x));
    }
    const cgrad::Var<double> y = s.f64(graph, vars);
    all.push_back({{"op", s.op}, {"label", s.label}, {"numpy", s.numpy}, {"inputs", inputs}, {"output", to_json(y.value())}});
  }
  std::ofstream(argv[1]) << all.dump();
  return 0;
}
