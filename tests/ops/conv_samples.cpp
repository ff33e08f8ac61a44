// Samples of the convolution and pooling ops of ops/nn/: stride, padding, dilation,
// groups, bias or none, non-square kernels and inputs, batches of 0, 1 and 2, overlapping
// windows, ties of max pooling, and shapes large enough for the parallel paths. The NumPy
// forwards build each window with sliding_window_view (tests/test_conv_ops.cpp checks the
// same ops against direct loops).
#include <string>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// NumPy: x0 padded by `padding` (with `fill`), every window of the dilated kernel at every
// stride: [N, C, Ho, Wo, kh, kw].
std::string numpy_windows(const std::string& x, Size2d kernel, Size2d stride, Size2d padding, Size2d dilation,
                          const std::string& fill = "0") {
  const Size2d extent{(kernel.h - 1) * dilation.h + 1, (kernel.w - 1) * dilation.w + 1};
  return fmt::format(
      "np.lib.stride_tricks.sliding_window_view(np.pad({}, ((0,0),(0,0),({},{}),({},{})), constant_values={}), "
      "({},{}), axis=(2,3))[:, :, ::{}, ::{}, ::{}, ::{}]",
      x, padding.h, padding.h, padding.w, padding.w, fill, extent.h, extent.w, stride.h, stride.w, dilation.h,
      dilation.w);
}

struct ConvCase {
  Shape x, weight;
  Conv2dFuncOptions options;
  bool bias;
  const char* what;
  bool gradcheck = true;
};

std::string numpy_conv(const ConvCase& c) {
  const std::size_t groups = c.options.groups, in_per_group = c.weight[1], out_per_group = c.weight[0] / groups;
  const std::string windows = numpy_windows("x0", {c.weight[2], c.weight[3]}, c.options.stride, c.options.padding,
                                            c.options.dilation);
  std::string y = fmt::format(
      "np.concatenate([np.einsum('nchwij,ocij->nohw', ({})[:, g*{}:(g+1)*{}], x1[g*{}:(g+1)*{}]) for g in range({})], "
      "axis=1)",
      windows, in_per_group, in_per_group, out_per_group, out_per_group, groups);
  return c.bias ? y + " + x2.reshape(1, -1, 1, 1)" : y;
}

void add_conv_samples(std::vector<OpSample>& s) {
  const std::vector<ConvCase> cases = {
      {{1, 1, 5, 5}, {1, 1, 3, 3}, {}, true, "3x3, one channel"},
      {{2, 3, 6, 5}, {4, 3, 3, 2}, {.stride = 2, .padding = 1}, true, "non-square kernel and input, stride 2, padding 1"},
      {{2, 2, 7, 7}, {3, 2, 3, 3}, {.padding = 2, .dilation = 2}, false, "dilation 2, no bias"},
      {{2, 4, 5, 6}, {6, 2, 3, 3}, {.stride = {1, 2}, .padding = {1, 0}, .groups = 2}, true,
       "2 groups, stride 1x2, padding 1x0"},
      {{1, 3, 5, 5}, {3, 1, 3, 3}, {.padding = 1, .groups = 3}, false, "depthwise (3 groups of 1)"},
      {{2, 8, 6, 7}, {6, 4, 2, 3}, {.padding = {1, 2}, .dilation = {2, 1}, .groups = 2}, true,
       "stride 1 with 4 channels a group: the implicit GEMM, non-square kernel, padding and dilation"},
      {{1, 4, 9, 12}, {3, 4, 3, 3}, {}, false,
       "3x3 at stride 1, no padding: Winograd forward, the input gradient (3 deep) on the implicit GEMM"},
      {{2, 5, 7, 9}, {4, 5, 3, 3}, {.padding = {2, 1}}, true,
       "3x3 at stride 1, padding 2x1, odd outputs: Winograd forward and input gradient"},
      {{2, 4, 4, 4}, {5, 4, 3, 3}, {.padding = 1}, true, "4 x 4 planes: too small for the implicit GEMM, im2col"},
      {{2, 3, 4, 5}, {5, 3, 1, 1}, {}, true, "1x1 at stride 1: the input is its own column matrix"},
      {{2, 4, 4, 5}, {4, 2, 1, 1}, {.groups = 2}, false, "1x1 with 2 groups"},
      {{1, 2, 5, 5}, {3, 2, 1, 1}, {.stride = 2}, true, "1x1 at stride 2"},
      {{1, 1, 3, 3}, {2, 1, 2, 2}, {.padding = 2}, true, "padding wider than the kernel: all-padding fields"},
      {{2, 2, 4, 3}, {2, 2, 4, 3}, {}, false, "kernel as large as the input: a 1x1 output"},
      {{1, 2, 6, 7}, {2, 2, 2, 3}, {.stride = {3, 2}, .dilation = {2, 1}}, true, "stride 3x2, dilation 2x1"},
      {{0, 2, 4, 4}, {3, 2, 3, 3}, {.padding = 1}, true, "empty batch"},
      {{4, 2, 16, 16}, {16, 2, 3, 3}, {.padding = 1}, true, "4 images in parallel (weight gradient in chunks)"},
      {{8, 16, 14, 14}, {32, 16, 3, 3}, {.padding = 1}, true, "8 images in parallel, the benchmark's second layer", false},
      {{2, 16, 32, 32}, {32, 16, 3, 3}, {.padding = 1}, false, "products large enough to split themselves", false},
  };
  std::uint64_t seed = 5000;
  for (const ConvCase& c : cases) {
    const std::string label = fmt::format("{} * {}: {}", c.x, c.weight, c.what);
    std::vector<Tensor<double>> inputs = {uniform(c.x, seed), uniform(c.weight, seed + 1)};
    if (c.bias) inputs.push_back(uniform({c.weight[0]}, seed + 2));
    seed += 3;
    const Conv2dFuncOptions options = c.options;
    OpSample sample_case =
        c.bias ? sample("Conv2d", label, std::move(inputs),
                        [options](auto&, auto x) { return conv2d(x[0], x[1], x[2], options); }, numpy_conv(c))
               : sample("Conv2d", label, std::move(inputs),
                        [options](auto&, auto x) { return conv2d(x[0], x[1], options); }, numpy_conv(c));
    sample_case.gradcheck = c.gradcheck;
    s.push_back(std::move(sample_case));
  }
}

struct PoolCase {
  Shape x;
  Size2d kernel, stride, padding, dilation;
  const char* what;
  bool gradcheck = true;
};

void add_max_pool_samples(std::vector<OpSample>& s) {
  const std::vector<PoolCase> cases = {
      {{1, 1, 4, 4}, 2, 0, 0, 1, "2x2, stride = kernel"},
      {{2, 3, 5, 6}, 3, 2, 1, 1, "3x3 stride 2 padding 1: overlapping windows over the padding"},
      {{1, 2, 5, 5}, {2, 3}, 1, {1, 1}, 1, "2x3 stride 1: every element in several windows"},
      {{1, 1, 7, 7}, 3, 2, 1, 2, "dilation 2"},
      {{2, 1, 3, 5}, {1, 2}, {1, 2}, 0, 1, "non-square 1x2"},
      {{8, 16, 32, 32}, 2, 0, 0, 1, "planes in parallel", false},
  };
  std::uint64_t seed = 5200;
  for (const PoolCase& c : cases) {
    const MaxPool2dFuncOptions options{c.kernel, c.stride, c.padding, c.dilation};
    const Size2d stride = c.stride == Size2d{0} ? c.kernel : c.stride;
    OpSample sample_case = sample("MaxPool2d", fmt::format("{} kernel {}: {}", c.x, c.kernel, c.what), {uniform(c.x, seed++)},
                                  [options](auto&, auto in) { return max_pool2d(in[0], options); },
                                  fmt::format("({}).max(axis=(-2,-1))",
                                              numpy_windows("x0", c.kernel, stride, c.padding, c.dilation, "-np.inf")));
    sample_case.gradcheck = c.gradcheck;
    s.push_back(std::move(sample_case));
  }
  // Ties: equal maxima in one window and across overlapping windows; the first one takes
  // the gradient, a subgradient.
  OpSample ties = sample(
      "MaxPool2d", "[1,1,4,4] kernel 2x2 stride 1 with tied maxima (at a kink)",
      {values({1, 1, 4, 4}, {1, 3, 3, 0, 2, 3, 1, 3, 2, 2, 0, 0, -1, 2, 2, 0})},
      [](auto&, auto x) { return max_pool2d(x[0], {.kernel = 2, .stride = 1}); },
      fmt::format("({}).max(axis=(-2,-1))", numpy_windows("x0", 2, 1, 0, 1, "-np.inf")));
  ties.at_kink = true;
  s.push_back(std::move(ties));
}

struct AvgCase {
  Shape x;
  Size2d kernel, stride, padding;
  bool count_include_pad;
  const char* what;
  bool gradcheck = true;
};

void add_avg_pool_samples(std::vector<OpSample>& s) {
  const std::vector<AvgCase> cases = {
      {{1, 1, 4, 4}, 2, 0, 0, true, "2x2, stride = kernel"},
      {{2, 3, 5, 6}, 3, 2, 1, true, "3x3 stride 2 padding 1, the padding counted"},
      {{2, 3, 5, 6}, 3, 2, 1, false, "3x3 stride 2 padding 1, only the input counted"},
      {{1, 2, 5, 4}, {3, 2}, {1, 2}, 1, true, "3x2 stride 1x2 padding 1: overlapping rows"},
      {{1, 2, 5, 4}, {3, 2}, {1, 2}, 1, false, "3x2 stride 1x2 padding 1, only the input counted"},
      {{8, 16, 32, 32}, 2, 0, 0, true, "planes in parallel", false},
  };
  std::uint64_t seed = 5300;
  for (const AvgCase& c : cases) {
    const AvgPool2dFuncOptions options{c.kernel, c.stride, c.padding, c.count_include_pad};
    const Size2d stride = c.stride == Size2d{0} ? c.kernel : c.stride;
    const std::string sums = fmt::format("({}).sum(axis=(-2,-1))", numpy_windows("x0", c.kernel, stride, c.padding, 1));
    const std::string counts =
        c.count_include_pad
            ? fmt::format("{}", c.kernel.h * c.kernel.w)
            : fmt::format("({}).sum(axis=(-2,-1))", numpy_windows("np.ones_like(x0)", c.kernel, stride, c.padding, 1));
    OpSample sample_case = sample("AvgPool2d", fmt::format("{} kernel {}: {}", c.x, c.kernel, c.what),
                                  {uniform(c.x, seed++)}, [options](auto&, auto x) { return avg_pool2d(x[0], options); },
                                  sums + " / " + counts);
    sample_case.gradcheck = c.gradcheck;
    s.push_back(std::move(sample_case));
  }
}

void add_adaptive_avg_pool_samples(std::vector<OpSample>& s) {
  struct Case {
    Shape x;
    Size2d out;
    const char* what;
    bool gradcheck = true;
  };
  const std::vector<Case> cases = {
      {{2, 3, 5, 4}, 1, "global average pooling"},
      {{1, 2, 7, 5}, {3, 2}, "overlapping windows of uneven sizes"},
      {{1, 1, 3, 3}, {5, 4}, "an output larger than the input"},
      {{2, 2, 6, 6}, 3, "windows that tile the input"},
      {{16, 32, 14, 14}, 1, "planes in parallel", false},
  };
  std::uint64_t seed = 5400;
  for (const Case& c : cases) {
    // Row i averages [floor(i H / oh), ceil((i + 1) H / oh)), and columns alike.
    const std::string numpy = fmt::format(
        "np.stack([np.stack([x0[:, :, i*{H}//{oh}:-(-(i+1)*{H}//{oh}), j*{W}//{ow}:-(-(j+1)*{W}//{ow})].mean(axis=(2,3)) "
        "for j in range({ow})], -1) for i in range({oh})], -2)",
        fmt::arg("H", c.x[2]), fmt::arg("W", c.x[3]), fmt::arg("oh", c.out.h), fmt::arg("ow", c.out.w));
    const Size2d out = c.out;
    OpSample sample_case = sample("AdaptiveAvgPool2d", fmt::format("{} to {}: {}", c.x, c.out, c.what),
                                  {uniform(c.x, seed++)},
                                  [out](auto&, auto x) { return adaptive_avg_pool2d(x[0], out); }, numpy);
    sample_case.gradcheck = c.gradcheck;
    s.push_back(std::move(sample_case));
  }
}

}  // namespace

std::vector<OpSample> conv_samples() {
  std::vector<OpSample> s;
  add_conv_samples(s);
  add_max_pool_samples(s);
  add_avg_pool_samples(s);
  add_adaptive_avg_pool_samples(s);
  return s;
}

}  // namespace cgrad::test
