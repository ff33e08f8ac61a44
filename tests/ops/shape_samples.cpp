// Samples of the shape family: reshape (and flatten, squeeze, unsqueeze), permute (and
// transpose), slice, concat, stack, expand, detach.
//
// A sample's inputs are parameters, whose gradients always accumulate; the samples that
// go through scale() first give the op an intermediate input, whose gradient the op's
// backward writes first (overwrite), so both paths of every backward are checked.
#include <cstdint>
#include <limits>
#include <span>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

constexpr std::int64_t kEnd = std::numeric_limits<std::int64_t>::max();

void reshape_samples(std::vector<OpSample>& s) {
  s.push_back(sample("Reshape", "[2,3] to [3,2]", {uniform({2, 3}, 1000)},
                     [](auto&, auto x) { return reshape(x[0], {3, 2}); }, "np.reshape(x0, (3, 2))"));
  s.push_back(sample("Reshape", "[2,3,4] to [-1,4]: inferred", {uniform({2, 3, 4}, 1001)},
                     [](auto&, auto x) { return reshape(x[0], {-1, 4}); }, "np.reshape(x0, (-1, 4))"));
  s.push_back(sample("Reshape", "[6] to rank 4 [1,2,3,1] by Shape", {uniform({6}, 1002)},
                     [](auto&, auto x) { return reshape(x[0], Shape{1, 2, 3, 1}); }, "np.reshape(x0, (1, 2, 3, 1))"));
  s.push_back(sample("Reshape", "rank 0 to [1,1]", {uniform({}, 1003)},
                     [](auto&, auto x) { return reshape(x[0], {1, 1}); }, "np.reshape(x0, (1, 1))"));
  s.push_back(sample("Reshape", "[1] to rank 0", {uniform({1}, 1004)},
                     [](auto&, auto x) {
                       return reshape(x[0], std::span<const std::int64_t>());
                     },
                     "np.reshape(x0, ())"));
  s.push_back(sample("Reshape", "[0,3] to [3,0]: size 0", {uniform({0, 3}, 1005)},
                     [](auto&, auto x) { return reshape(x[0], {3, 0}); }, "np.reshape(x0, (3, 0))"));
  s.push_back(sample("Reshape", "intermediate [2,6] to [4,3]", {uniform({2, 6}, 1006)},
                     [](auto&, auto x) { return reshape(scale(x[0], 2.0f), {4, 3}); }, "np.reshape(2 * x0, (4, 3))"));
  s.push_back(sample("Reshape", "flatten [2,3,4] from axis 1", {uniform({2, 3, 4}, 1007)},
                     [](auto&, auto x) { return flatten(x[0], 1); }, "np.reshape(x0, (2, 12))"));
  s.push_back(sample("Reshape", "flatten [2,3,4] axes 0 to -2", {uniform({2, 3, 4}, 1008)},
                     [](auto&, auto x) { return flatten(x[0], 0, -2); }, "np.reshape(x0, (6, 4))"));
  s.push_back(sample("Reshape", "flatten rank 0 to [1]", {uniform({}, 1009)},
                     [](auto&, auto x) { return flatten(x[0]); }, "np.reshape(x0, (1,))"));
  s.push_back(sample("Reshape", "squeeze all size-1 axes of [1,3,1,2]", {uniform({1, 3, 1, 2}, 1010)},
                     [](auto&, auto x) { return squeeze(x[0]); }, "np.squeeze(x0)"));
  s.push_back(sample("Reshape", "squeeze axis -2 of [1,3,1,2]", {uniform({1, 3, 1, 2}, 1011)},
                     [](auto&, auto x) { return squeeze(x[0], -2); }, "np.squeeze(x0, axis=-2)"));
  s.push_back(sample("Reshape", "squeeze axis 1 of [1,3,1,2]: not size 1, unchanged", {uniform({1, 3, 1, 2}, 1012)},
                     [](auto&, auto x) { return squeeze(x[0], 1); }, "x0"));
  s.push_back(sample("Reshape", "squeeze [1,1] to rank 0", {uniform({1, 1}, 1013)},
                     [](auto&, auto x) { return squeeze(x[0]); }, "np.squeeze(x0)"));
  s.push_back(sample("Reshape", "unsqueeze [2,3] at -1", {uniform({2, 3}, 1014)},
                     [](auto&, auto x) { return unsqueeze(x[0], -1); }, "np.expand_dims(x0, -1)"));
  s.push_back(sample("Reshape", "unsqueeze [2,3] at 1", {uniform({2, 3}, 1015)},
                     [](auto&, auto x) { return unsqueeze(x[0], 1); }, "np.expand_dims(x0, 1)"));
  s.push_back(sample("Reshape", "unsqueeze rank 0 at 0", {uniform({}, 1016)},
                     [](auto&, auto x) { return unsqueeze(x[0], 0); }, "np.expand_dims(x0, 0)"));
  s.push_back(sample("Reshape", "unsqueeze [0,2] at -3", {uniform({0, 2}, 1017)},
                     [](auto&, auto x) { return unsqueeze(x[0], -3); }, "np.expand_dims(x0, -3)"));
}

void permute_samples(std::vector<OpSample>& s) {
  s.push_back(sample("Permute", "[2,3,4] by (2,0,1): not a transpose", {uniform({2, 3, 4}, 1100)},
                     [](auto&, auto x) { return permute(x[0], {2, 0, 1}); }, "np.transpose(x0, (2, 0, 1))"));
  s.push_back(sample("Permute", "[2,3,4] by (1,2,0)", {uniform({2, 3, 4}, 1101)},
                     [](auto&, auto x) { return permute(x[0], {1, 2, 0}); }, "np.transpose(x0, (1, 2, 0))"));
  s.push_back(sample("Permute", "[3,4] by (-1,0): negative axes", {uniform({3, 4}, 1102)},
                     [](auto&, auto x) { return permute(x[0], {-1, 0}); }, "np.transpose(x0, (1, 0))"));
  s.push_back(sample("Permute", "rank 4 [2,1,3,2] by (0,2,3,1) with a size-1 axis", {uniform({2, 1, 3, 2}, 1103)},
                     [](auto&, auto x) { return permute(x[0], {0, 2, 3, 1}); }, "np.transpose(x0, (0, 2, 3, 1))"));
  s.push_back(sample("Permute", "rank 4 [2,3,2,2] by (3,1,0,2)", {uniform({2, 3, 2, 2}, 1104)},
                     [](auto&, auto x) { return permute(x[0], {3, 1, 0, 2}); }, "np.transpose(x0, (3, 1, 0, 2))"));
  s.push_back(sample("Permute", "rank 0", {uniform({}, 1105)},
                     [](auto&, auto x) { return permute(x[0], Axes(std::span<const std::int64_t>())); },
                     "np.transpose(x0, ())"));
  s.push_back(sample("Permute", "rank 1 identity", {uniform({5}, 1106)},
                     [](auto&, auto x) { return permute(x[0], {0}); }, "np.transpose(x0, (0,))"));
  s.push_back(sample("Permute", "[0,3,2] by (2,0,1): size 0", {uniform({0, 3, 2}, 1107)},
                     [](auto&, auto x) { return permute(x[0], {2, 0, 1}); }, "np.transpose(x0, (2, 0, 1))"));
  s.push_back(sample("Permute", "transpose [3,5]", {uniform({3, 5}, 1108)},
                     [](auto&, auto x) { return transpose(x[0], 0, 1); }, "np.swapaxes(x0, 0, 1)"));
  s.push_back(sample("Permute", "transpose [2,3,4] axes 0 and -1", {uniform({2, 3, 4}, 1109)},
                     [](auto&, auto x) { return transpose(x[0], 0, -1); }, "np.swapaxes(x0, 0, -1)"));
  s.push_back(sample("Permute", "transpose intermediate [2,3,4] axes 1 and 2", {uniform({2, 3, 4}, 1110)},
                     [](auto&, auto x) { return transpose(scale(x[0], 2.0f), 1, 2); }, "np.swapaxes(2 * x0, 1, 2)"));
  s.push_back(sample("Permute", "[40,30] transposed: long strided runs", {uniform({40, 30}, 1111)},
                     [](auto&, auto x) { return transpose(x[0], 1, 0); }, "np.swapaxes(x0, 1, 0)"));
}

void slice_samples(std::vector<OpSample>& s) {
  s.push_back(sample("Slice", "[3,6] axis 1 1:5:2", {uniform({3, 6}, 1200)},
                     [](auto&, auto x) { return slice(x[0], 1, 1, 5, 2); }, "x0[:, 1:5:2]"));
  s.push_back(sample("Slice", "[5] -2: negative begin", {uniform({5}, 1201)},
                     [](auto&, auto x) { return slice(x[0], 0, -2, kEnd); }, "x0[-2:]"));
  s.push_back(sample("Slice", "[4,3] 3:1 empty", {uniform({4, 3}, 1202)},
                     [](auto&, auto x) { return slice(x[0], 0, 3, 1); }, "x0[3:1]"));
  s.push_back(sample("Slice", "[2,3,4] axis -1 -3:-1", {uniform({2, 3, 4}, 1203)},
                     [](auto&, auto x) { return slice(x[0], -1, -3, -1); }, "x0[..., -3:-1]"));
  s.push_back(sample("Slice", "[2,7,2] axis 1 0:7:3", {uniform({2, 7, 2}, 1204)},
                     [](auto&, auto x) { return slice(x[0], 1, 0, 7, 3); }, "x0[:, 0:7:3]"));
  s.push_back(sample("Slice", "[6] -10:2 clamped begin", {uniform({6}, 1205)},
                     [](auto&, auto x) { return slice(x[0], 0, -10, 2); }, "x0[-10:2]"));
  s.push_back(sample("Slice", "[4] 1:100:2 clamped end", {uniform({4}, 1206)},
                     [](auto&, auto x) { return slice(x[0], 0, 1, 100, 2); }, "x0[1:100:2]"));
  s.push_back(sample("Slice", "[0,3] axis 1 0:2: size 0", {uniform({0, 3}, 1207)},
                     [](auto&, auto x) { return slice(x[0], 1, 0, 2); }, "x0[:, 0:2]"));
  s.push_back(sample("Slice", "rank 4 [2,1,5,2] axis 2 1:5:2", {uniform({2, 1, 5, 2}, 1208)},
                     [](auto&, auto x) { return slice(x[0], 2, 1, 5, 2); }, "x0[:, :, 1:5:2]"));
  s.push_back(sample("Slice", "intermediate [4,5] axis 0 1:3: the rest of dx zeroed", {uniform({4, 5}, 1209)},
                     [](auto&, auto x) { return slice(scale(x[0], 2.0f), 0, 1, 3); }, "(2 * x0)[1:3]"));
}

void join_samples(std::vector<OpSample>& s) {
  s.push_back(sample("Concat", "3 values along axis 1, one of size 0",
                     {uniform({2, 3}, 1300), uniform({2, 0}, 1301), uniform({2, 2}, 1302)},
                     [](auto&, auto x) { return concat({x[0], x[1], x[2]}, 1); },
                     "np.concatenate([x0, x1, x2], axis=1)"));
  s.push_back(sample("Concat", "rank 3 along axis -2 from a span", {uniform({2, 1, 3}, 1303), uniform({2, 2, 3}, 1304)},
                     [](auto&, auto x) { return concat(x, -2); }, "np.concatenate([x0, x1], axis=-2)"));
  s.push_back(sample("Concat", "[2] and [3] along 0", {uniform({2}, 1305), uniform({3}, 1306)},
                     [](auto&, auto x) { return concat({x[0], x[1]}, 0); }, "np.concatenate([x0, x1], axis=0)"));
  s.push_back(sample("Concat", "one value twice, along 0", {uniform({2, 2}, 1307)},
                     [](auto&, auto x) { return concat({x[0], x[0]}, 0); }, "np.concatenate([x0, x0], axis=0)"));
  s.push_back(sample("Concat", "intermediates along the last axis", {uniform({2, 3}, 1308), uniform({2, 1}, 1309)},
                     [](auto&, auto x) { return concat({scale(x[0], 2.0f), scale(x[1], 3.0f)}, -1); },
                     "np.concatenate([2 * x0, 3 * x1], axis=-1)"));
  s.push_back(sample("Concat", "size-0 leading axis", {uniform({0, 2}, 1310), uniform({0, 3}, 1311)},
                     [](auto&, auto x) { return concat({x[0], x[1]}, 1); }, "np.concatenate([x0, x1], axis=1)"));

  s.push_back(sample("Stack", "3 values along the last axis",
                     {uniform({2, 3}, 1400), uniform({2, 3}, 1401), uniform({2, 3}, 1402)},
                     [](auto&, auto x) { return stack({x[0], x[1], x[2]}, -1); }, "np.stack([x0, x1, x2], axis=-1)"));
  s.push_back(sample("Stack", "along axis 0 from a span", {uniform({3}, 1403), uniform({3}, 1404)},
                     [](auto&, auto x) { return stack(x, 0); }, "np.stack([x0, x1], axis=0)"));
  s.push_back(sample("Stack", "rank 0 values", {uniform({}, 1405), uniform({}, 1406)},
                     [](auto&, auto x) { return stack({x[0], x[1]}, 0); }, "np.stack([x0, x1], axis=0)"));
  s.push_back(sample("Stack", "middle axis, one value twice", {uniform({2, 2}, 1407)},
                     [](auto&, auto x) { return stack({x[0], x[0]}, 1); }, "np.stack([x0, x0], axis=1)"));
  s.push_back(sample("Stack", "intermediates [0,2] along 1: size 0", {uniform({0, 2}, 1408), uniform({0, 2}, 1409)},
                     [](auto&, auto x) { return stack({scale(x[0], 2.0f), x[1]}, 1); },
                     "np.stack([2 * x0, x1], axis=1)"));
  s.push_back(sample("Stack", "one intermediate value", {uniform({2, 3}, 1410)},
                     [](auto&, auto x) { return stack({scale(x[0], 2.0f)}, -2); }, "np.stack([2 * x0], axis=-2)"));
}

void expand_samples(std::vector<OpSample>& s) {
  s.push_back(sample("Expand", "[3,1] to [2,3,4]: a new leading axis and a size-1 axis", {uniform({3, 1}, 1500)},
                     [](auto&, auto x) { return expand(x[0], Shape{2, 3, 4}); }, "np.broadcast_to(x0, (2, 3, 4))"));
  s.push_back(sample("Expand", "rank 0 to [2,3]", {uniform({}, 1501)},
                     [](auto&, auto x) { return expand(x[0], Shape{2, 3}); }, "np.broadcast_to(x0, (2, 3))"));
  s.push_back(sample("Expand", "[2,1,3] to [2,4,3]: middle axis", {uniform({2, 1, 3}, 1502)},
                     [](auto&, auto x) { return expand(x[0], Shape{2, 4, 3}); }, "np.broadcast_to(x0, (2, 4, 3))"));
  s.push_back(sample("Expand", "[4] to [3,4]: rows", {uniform({4}, 1503)},
                     [](auto&, auto x) { return expand(x[0], Shape{3, 4}); }, "np.broadcast_to(x0, (3, 4))"));
  s.push_back(sample("Expand", "[2,3] to itself", {uniform({2, 3}, 1504)},
                     [](auto&, auto x) { return expand(x[0], Shape{2, 3}); }, "np.broadcast_to(x0, (2, 3))"));
  s.push_back(sample("Expand", "[1] to [1,1]: one element", {uniform({1}, 1508)},
                     [](auto&, auto x) { return expand(x[0], Shape{1, 1}); }, "np.broadcast_to(x0, (1, 1))"));
  s.push_back(sample("Expand", "[1] to [0]: size 0", {uniform({1}, 1505)},
                     [](auto&, auto x) { return expand(x[0], Shape{0}); }, "np.broadcast_to(x0, (0,))"));
  s.push_back(sample("Expand", "rank 4: [1,3,1,2] to [2,3,2,2]", {uniform({1, 3, 1, 2}, 1506)},
                     [](auto&, auto x) { return expand(x[0], Shape{2, 3, 2, 2}); },
                     "np.broadcast_to(x0, (2, 3, 2, 2))"));
  s.push_back(sample("Expand", "intermediate [2,1] to [2,5]", {uniform({2, 1}, 1507)},
                     [](auto&, auto x) { return expand(scale(x[0], 2.0f), Shape{2, 5}); },
                     "np.broadcast_to(2 * x0, (2, 5))"));
}

void detach_samples(std::vector<OpSample>& s) {
  // detach(x) - detach(x) + x is x: the detached path must add nothing to the gradient
  // (central differences see 1, and so must backward). tests/test_shape_ops.cpp checks
  // that nothing flows back through a detached value at all.
  s.push_back(sample("Detach", "[2,3]: the detached path contributes no gradient", {uniform({2, 3}, 1600)},
                     [](auto&, auto x) { return add(sub(detach(x[0]), detach(x[0])), x[0]); }, "x0"));
  s.push_back(sample("Detach", "rank 0", {uniform({}, 1601)},
                     [](auto&, auto x) { return add(sub(detach(x[0]), detach(x[0])), x[0]); }, "x0"));
}

}  // namespace

std::vector<OpSample> shape_samples() {
  std::vector<OpSample> s;
  reshape_samples(s);
  permute_samples(s);
  slice_samples(s);
  join_samples(s);
  expand_samples(s);
  detach_samples(s);
  return s;
}

}  // namespace cgrad::test
