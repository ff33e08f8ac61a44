#include "graph/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <vector>

namespace cgrad {
namespace {

Tensor<double> random_projection(const Shape& shape, std::uint64_t seed) {
  Tensor<double> r = Tensor<double>::full(shape, 1.0);
  if (shape.size() == 1) return r;
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (double& x : r.span()) x = uniform(engine);
  return r;
}

// Records the function afresh and copies its output into `out` (reusing out's buffer).
void evaluate(const GradCheckFunction& function, Graph<double>& graph, const Shape& expected, Tensor<double>& out) {
  graph.clear();
  const Tensor<double>& value = function(graph).value();
  if (value.shape() != expected)
    throw GraphError(fmt::format("gradcheck: the function returned {} on one call and {} on another",
                                 expected, value.shape()));
  out = value;
}

void check_options(const GradCheckOptions& options) {
  if (!std::isfinite(options.step) || options.step <= 0 || options.step >= 1)
    throw ValueError(fmt::format("gradcheck: step must be finite and in (0, 1), got {}", options.step));
  if (!std::isfinite(options.tolerance) || options.tolerance < 0)
    throw ValueError(fmt::format("gradcheck: tolerance must be finite and >= 0, got {}", options.tolerance));
  // A zero floor would divide 0 by 0 wherever a gradient is exactly zero.
  if (!std::isfinite(options.floor) || options.floor <= 0)
    throw ValueError(fmt::format("gradcheck: floor must be finite and > 0, got {}", options.floor));
}

// Every parameter once (a duplicate would have its grad restored from the wrong copy),
// and finite: central differences of a NaN say nothing.
void check_parameters(std::span<Parameter<double>* const> parameters) {
  if (parameters.empty()) throw ValueError("gradcheck: no parameters to check; pass at least one");
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Parameter<double>* p = parameters[i];
    if (p == nullptr) throw ValueError(fmt::format("gradcheck: parameter {} of {} is a null pointer", i + 1,
                                                   parameters.size()));
    if (std::find(parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(i), p) !=
        parameters.begin() + static_cast<std::ptrdiff_t>(i))
      throw ValueError(fmt::format("gradcheck: parameter '{}' is listed twice", p->name()));
    const Tensor<double>& value = p->value();
    for (std::size_t j = 0; j < value.size(); ++j)
      if (!std::isfinite(value[j]))
        throw ValueError(fmt::format("gradcheck: parameter '{}' holds {} at {}; its values must be finite",
                                     p->name(), value[j], index_of(value.shape(), j)));
  }
}

// How far `analytic` lies outside the interval of the one-sided differences at the
// current parameter values, relative as above (0 inside it).
double subgradient_error(const GradCheckFunction& function, Graph<double>& graph, const Tensor<double>& r,
                         const Tensor<double>& above, const Tensor<double>& below, double h, double analytic,
                         double floor) {
  Tensor<double> center;
  evaluate(function, graph, r.shape(), center);
  double right = 0, left = 0;
  for (std::size_t j = 0; j < r.size(); ++j) {
    right += r[j] * (above[j] - center[j]);
    left += r[j] * (center[j] - below[j]);
  }
  right /= h;
  left /= h;
  const double low = std::min(left, right), high = std::max(left, right);
  const double outside = analytic < low ? low - analytic : (analytic > high ? analytic - high : 0.0);
  return outside / std::max({std::abs(analytic), std::abs(low), std::abs(high), floor});
}

// Puts the parameters back as gradcheck found them on every way out of it, a throwing
// function included: the entry being perturbed gets its value back, every grad its old
// contents (backward filled them with the analytic gradients).
class RestoreParameters {
 public:
  explicit RestoreParameters(std::span<Parameter<double>* const> parameters) : parameters_(parameters) {
    saved_grads_.reserve(parameters.size());
    for (const Parameter<double>* p : parameters) saved_grads_.push_back(p->grad());
  }
  RestoreParameters(const RestoreParameters&) = delete;
  RestoreParameters& operator=(const RestoreParameters&) = delete;
  ~RestoreParameters() {
    put_back_entry();
    for (std::size_t i = 0; i < parameters_.size(); ++i) parameters_[i]->grad().swap(saved_grads_[i]);
  }

  // Entry `i` of `value` is about to change; put_back_entry (or the destructor) restores it.
  void perturbing(Tensor<double>& value, std::size_t i) {
    value_ = &value;
    index_ = i;
    original_ = value[i];
  }
  void put_back_entry() {
    if (value_ != nullptr) (*value_)[index_] = original_;
    value_ = nullptr;
  }

 private:
  std::span<Parameter<double>* const> parameters_;
  std::vector<Tensor<double>> saved_grads_;
  Tensor<double>* value_ = nullptr;
  std::size_t index_ = 0;
  double original_ = 0;
};

}  // namespace

std::string GradCheckResult::summary() const {
  return fmt::format("worst relative error {:.3g} at {}{} (analytic {:.10g}, numeric {:.10g}) over {} entries",
                     max_relative_error, parameter, index, analytic, numeric, entries_checked);
}

GradCheckResult gradcheck(const GradCheckFunction& function, std::span<Parameter<double>* const> parameters,
                          const GradCheckOptions& options) {
  check_options(options);
  check_parameters(parameters);
  RestoreParameters restore(parameters);
  for (Parameter<double>* p : parameters) p->zero_grad();

  Graph<double> graph;
  const Var<double> output = function(graph);
  const Tensor<double> r = random_projection(output.shape(), options.seed);
  graph.backward(output, r);

  GradCheckResult result;
  Tensor<double> above, below;
  for (std::size_t index = 0; index < parameters.size(); ++index) {
    Parameter<double>& p = *parameters[index];
    const Tensor<double> analytic = p.grad();
    Tensor<double>& value = p.mutable_value();
    for (std::size_t i = 0; i < value.size(); ++i) {
      const double original = value[i];
      const double h = options.step * std::max(1.0, std::abs(original));
      restore.perturbing(value, i);
      value[i] = original + h;
      evaluate(function, graph, r.shape(), above);
      value[i] = original - h;
      evaluate(function, graph, r.shape(), below);
      restore.put_back_entry();
      // <r, f(p+h) - f(p-h)>, not <r, f(p+h)> - <r, f(p-h)>: the difference of two large
      // sums would cancel catastrophically, leaving ulp(sum)/2h of noise on every entry.
      double difference = 0;
      for (std::size_t j = 0; j < r.size(); ++j) difference += r[j] * (above[j] - below[j]);
      const double numeric = difference / (2 * h);
      double error = std::abs(analytic[i] - numeric) /
                     std::max({std::abs(analytic[i]), std::abs(numeric), options.floor});
      if (options.accept_subgradient && !(error <= options.tolerance))
        error = std::min(error, subgradient_error(function, graph, r, above, below, h, analytic[i], options.floor));
      if (std::isnan(error)) error = std::numeric_limits<double>::infinity();
      ++result.entries_checked;
      if (error > result.max_relative_error || result.parameter.empty()) {
        result.max_relative_error = std::max(error, result.max_relative_error);
        result.parameter = p.name();
        result.row = i / value.cols();
        result.col = i % value.cols();
        result.index = index_of(value.shape(), i);
        result.analytic = analytic[i];
        result.numeric = numeric;
      }
    }
  }
  result.passed = result.max_relative_error <= options.tolerance;
  return result;
}

}  // namespace cgrad
