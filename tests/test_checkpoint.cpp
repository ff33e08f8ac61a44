// Checkpoints: bit-for-bit round trips (f32, f64, with and without optimizer state),
// every kind of damaged file refused with an IoError that names the file while the
// model stays as it was, and a save interrupted before its rename leaving the old file.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

#include "cgrad.h"

namespace cgrad {
namespace {

namespace fs = std::filesystem;

template <Real T>
using Snapshot = std::vector<std::vector<T>>;

template <Real T>
Snapshot<T> snapshot(const std::vector<const Tensor<T>*>& tensors) {
  Snapshot<T> copy;
  for (const Tensor<T>* t : tensors) copy.emplace_back(t->span().begin(), t->span().end());
  return copy;
}

template <Real T>
std::vector<const Tensor<T>*> values_of(Mlp<T>& model) {
  std::vector<const Tensor<T>*> all;
  for (Parameter<T>* p : model.parameters()) all.push_back(&p->value());
  return all;
}

template <Real T>
std::vector<const Tensor<T>*> state_of(const Optimizer<T>& optimizer) {
  std::vector<const Tensor<T>*> all;
  for (const auto& [name, tensor] : optimizer.state()) all.push_back(tensor);
  return all;
}

// Bitwise, so -0.0 vs 0.0 or a NaN payload would count as a difference.
template <Real T>
bool same_bits(const Snapshot<T>& a, const Snapshot<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(T)) != 0) return false;
  return true;
}

template <Real T>
Mlp<T> model(std::uint64_t seed, std::vector<std::size_t> sizes = {2, 5, 3}) {
  Rng rng(seed);
  Mlp<T> m(sizes, he<T>(rng));
  for (Parameter<T>* p : m.parameters())  // non-zero biases too, so they are checked
    for (T& v : p->mutable_value().span()) v += static_cast<T>(rng.normal(0, 1));
  return m;
}

// A few steps of `optimizer` on fixed data, so its state is not all zeros.
template <Real T>
void train(Mlp<T>& m, Optimizer<T>& optimizer, int steps) {
  Graph<T> graph;
  const Tensor<T> x(4, 2, {T(0.1), T(-0.2), T(0.3), T(0.4), T(-0.5), T(0.6), T(0.7), T(-0.8)});
  const std::vector<std::int32_t> labels{0, 1, 2, 1};
  for (int i = 0; i < steps; ++i) {
    graph.clear();
    Var<T> loss = softmax_xent(m.forward(graph, graph.input(x)), labels);
    optimizer.zero_grad();
    graph.backward(loss);
    optimizer.step();
  }
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("cgrad_checkpoint_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }
  fs::path dir_;
};

template <class T>
class CheckpointRoundTrip : public CheckpointTest {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CheckpointRoundTrip, Precisions);

TYPED_TEST(CheckpointRoundTrip, ParametersBitForBit) {
  using T = TypeParam;
  Mlp<T> saved = model<T>(1), loaded = model<T>(2);
  const fs::path file = this->path("model.safetensors");
  save_checkpoint(file, saved.named_parameters());
  ASSERT_FALSE(same_bits(snapshot(values_of(saved)), snapshot(values_of(loaded))));
  load_checkpoint(file, loaded.named_parameters());
  EXPECT_TRUE(same_bits(snapshot(values_of(saved)), snapshot(values_of(loaded))));
}

TYPED_TEST(CheckpointRoundTrip, OptimizerStateBitForBitAndTrainingResumesIdentically) {
  using T = TypeParam;
  Mlp<T> saved = model<T>(1), loaded = model<T>(2);
  Adam<T> saved_adam(saved.parameters()), loaded_adam(loaded.parameters());
  train(saved, saved_adam, 5);
  const fs::path file = this->path("model.safetensors");
  save_checkpoint(file, saved.named_parameters(), &saved_adam);
  load_checkpoint(file, loaded.named_parameters(), &loaded_adam);
  EXPECT_TRUE(same_bits(snapshot(state_of<T>(saved_adam)), snapshot(state_of<T>(loaded_adam))));
  EXPECT_EQ(loaded_adam.step_count(), 5u);
  train(saved, saved_adam, 3);
  train(loaded, loaded_adam, 3);
  EXPECT_TRUE(same_bits(snapshot(values_of(saved)), snapshot(values_of(loaded))));
}

TYPED_TEST(CheckpointRoundTrip, MomentumStateAndStateIgnoredWithoutOptimizer) {
  using T = TypeParam;
  Mlp<T> saved = model<T>(1), loaded = model<T>(2), plain = model<T>(3);
  Sgd<T> saved_sgd(saved.parameters(), {.momentum = 0.9}), loaded_sgd(loaded.parameters(), {.momentum = 0.9});
  train(saved, saved_sgd, 4);
  const fs::path file = this->path("model.safetensors");
  save_checkpoint(file, saved.named_parameters(), &saved_sgd);
  load_checkpoint(file, loaded.named_parameters(), &loaded_sgd);
  EXPECT_TRUE(same_bits(snapshot(state_of<T>(saved_sgd)), snapshot(state_of<T>(loaded_sgd))));
  load_checkpoint(file, plain.named_parameters());  // the state is simply not read
  EXPECT_TRUE(same_bits(snapshot(values_of(saved)), snapshot(values_of(plain))));
}

// A model made of bare parameters (not nn/ modules) is saved under their own names.
TEST_F(CheckpointTest, BareParametersUnderTheirOwnNames) {
  Parameter<double> w("W", Tensor<double>(2, 2, {1, 2, 3, 4})), b("b", Tensor<double>(1, 2, {5, 6}));
  Parameter<double> w_loaded("W", Tensor<double>(2, 2)), b_loaded("b", Tensor<double>(1, 2));
  save_checkpoint(path("bare.safetensors"), named_parameters<double>({&w, &b}));
  load_checkpoint(path("bare.safetensors"), named_parameters<double>({&w_loaded, &b_loaded}));
  EXPECT_EQ(w_loaded.value()[3], 4.0);
  EXPECT_EQ(b_loaded.value()[1], 6.0);
}

// Tensors of any rank, a scalar and an image-shaped kernel among them, round-trip with
// their shapes; a shape that differs from the model's in rank alone is refused.
TEST_F(CheckpointTest, TensorsOfAnyRank) {
  Parameter<float> scalar("scale", Tensor<float>::scalar(2.5f));
  Parameter<float> kernel("conv.weight", Tensor<float>(Shape{2, 1, 3, 3}));
  for (std::size_t i = 0; i < kernel.value().size(); ++i) kernel.mutable_value()[i] = static_cast<float>(i);
  save_checkpoint(path("ranks.safetensors"), named_parameters<float>({&scalar, &kernel}));
  Parameter<float> scalar_loaded("scale", Tensor<float>::scalar(0)), kernel_loaded("conv.weight", Tensor<float>(Shape{2, 1, 3, 3}));
  load_checkpoint(path("ranks.safetensors"), named_parameters<float>({&scalar_loaded, &kernel_loaded}));
  EXPECT_EQ(scalar_loaded.value().shape(), Shape{});
  EXPECT_EQ(scalar_loaded.value().item(), 2.5f);
  EXPECT_EQ(kernel_loaded.value().shape(), (Shape{2, 1, 3, 3}));
  EXPECT_EQ(kernel_loaded.value()(1, 0, 2, 2), 17.0f);
  Parameter<float> flat("conv.weight", Tensor<float>(Shape{2, 9})), scalar_again("scale", Tensor<float>::scalar(0));
  EXPECT_THROW(load_checkpoint(path("ranks.safetensors"), named_parameters<float>({&scalar_again, &flat})), IoError);
}

// ---- damaged files ----

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

// Rewrites a checkpoint's header with `edit` applied, keeping the data as it is.
template <class Edit>
std::string with_header(const std::string& bytes, Edit edit) {
  std::uint64_t size = 0;
  std::memcpy(&size, bytes.data(), 8);  // little-endian host, as in these tests' CI
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, size));
  edit(header);
  const std::string text = header.dump();
  std::string out(8, '\0');
  const std::uint64_t new_size = text.size();
  std::memcpy(out.data(), &new_size, 8);
  return out + text + bytes.substr(8 + size);
}

class CheckpointDamage : public CheckpointTest {
 protected:
  void SetUp() override {
    CheckpointTest::SetUp();
    good_ = path("good.safetensors");
    Mlp<float> source = model<float>(1);
    Adam<float> adam(source.parameters());
    train(source, adam, 2);
    save_checkpoint(good_, source.named_parameters(), &adam);
    bytes_ = read_bytes(good_);
  }

  // Loading `file` throws an IoError naming the file and containing `problem`, and
  // leaves the model and its optimizer bit for bit as they were.
  void expect_refused(const fs::path& file, const std::string& problem, std::vector<std::size_t> sizes = {2, 5, 3}) {
    Mlp<float> target = model<float>(9, sizes);
    Adam<float> adam(target.parameters());
    train(target, adam, 1);
    const auto values = snapshot(values_of(target)), state = snapshot(state_of<float>(adam));
    try {
      load_checkpoint(file, target.named_parameters(), &adam);
      ADD_FAILURE() << "no IoError for " << problem;
    } catch (const IoError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(file.string()), std::string::npos) << message;
      EXPECT_NE(message.find(problem), std::string::npos) << message;
    }
    EXPECT_TRUE(same_bits(values, snapshot(values_of(target)))) << problem;
    EXPECT_TRUE(same_bits(state, snapshot(state_of<float>(adam)))) << problem;
    EXPECT_EQ(adam.step_count(), 1u);
  }
  // Writes `bytes` to a new file and expects it refused.
  void expect_refused_bytes(const std::string& bytes, const std::string& problem) {
    const fs::path file = path("damaged.safetensors");
    write_bytes(file, bytes);
    expect_refused(file, problem);
  }

  fs::path good_;
  std::string bytes_;
};

TEST_F(CheckpointDamage, GoodFileLoads) { EXPECT_NO_THROW(load_checkpoint(good_, model<float>(9).named_parameters())); }

TEST_F(CheckpointDamage, MissingFile) { expect_refused(path("absent.safetensors"), "cannot open"); }

TEST_F(CheckpointDamage, EmptyFile) { expect_refused_bytes("", "empty"); }

TEST_F(CheckpointDamage, TruncatedAnywhere) {
  expect_refused_bytes(bytes_.substr(0, 5), "truncated");
  expect_refused_bytes(bytes_.substr(0, 40), "truncated");        // inside the header
  expect_refused_bytes(bytes_.substr(0, bytes_.size() - 4), "not a range within");  // inside the data
}

TEST_F(CheckpointDamage, FlippedDataByteFailsTheChecksum) {
  std::string bytes = bytes_;
  bytes[bytes.size() - 3] ^= 0x10;
  expect_refused_bytes(bytes, "checksum");
}

TEST_F(CheckpointDamage, HeaderIsNotJson) {
  std::string bytes = bytes_;
  bytes[8] = '[';
  expect_refused_bytes(bytes, "not valid JSON");
}

TEST_F(CheckpointDamage, OffsetsOutOfRange) {
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["data_offsets"][1] = 1u << 30; }), "not a range within");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["data_offsets"] = {8, 4}; }), "not a range within");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["data_offsets"][1] = h["0.bias"]["data_offsets"][0].template get<int>() + 4;
  }), "bytes of data");
}

// Read as uint64, -1 wraps to 2^64 - 1: a shape of [-1,-5] F32 would need (2^64-1)(2^64-5) =
// 5 elements mod 2^64, exactly 0.bias's 20 bytes. Fractions were truncated.
TEST_F(CheckpointDamage, NegativeOrFractionalNumbersInTheHeader) {
  const std::string problem = "not a list of non-negative integers";
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["shape"] = {-1, -5}; }), "shape [-1,-5], " + problem);
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["shape"] = {1.0, 5.0}; }), problem);
  expect_refused_bytes(with_header(bytes_, [](auto& h) {
    auto& offsets = h["0.bias"]["data_offsets"];
    offsets[0] = -offsets[1].template get<std::int64_t>();
  }), "data_offsets [-");
}

// [5, 2^62 + 1] F32 is 4 * (5 * 2^62 + 5) bytes, which wraps to 20 in 64 bits: 0.bias's range.
TEST_F(CheckpointDamage, ShapeWhoseByteCountOverflows) {
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["shape"] = {5, (std::uint64_t{1} << 62) + 1}; }),
                       "needs more bytes than 64 bits can count");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["shape"] = {std::uint64_t{1} << 32, std::uint64_t{1} << 32}; }),
                       "needs more bytes than 64 bits can count");
}

// safetensors: the tensors' data_offsets tile the data section exactly, no overlap, no gap.
TEST_F(CheckpointDamage, OverlappingDataRanges) {
  // 1.bias ([1,3], 12 bytes) reads the first 12 bytes of 0.bias.
  expect_refused_bytes(with_header(bytes_, [](auto& h) {
    const auto begin = h["0.bias"]["data_offsets"][0].template get<std::uint64_t>();
    h["1.bias"]["data_offsets"] = {begin, begin + 12};
  }), "overlap");
}

TEST_F(CheckpointDamage, DataBytesThatBelongToNoTensor) {
  // Four bytes after the last tensor (found before the checksum is compared).
  expect_refused_bytes(bytes_ + std::string(4, '\0'), "bytes [");
  expect_refused_bytes(bytes_ + std::string(4, '\0'), "belong to no tensor");
  // Four bytes before the first tensor, every range moved past them.
  std::string shifted = with_header(bytes_, [](auto& h) {
    for (auto item : h.items())
      if (item.key() != "__metadata__")
        for (auto& offset : item.value()["data_offsets"]) offset = offset.template get<std::uint64_t>() + 4;
  });
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, shifted.data(), 8);
  shifted.insert(8 + header_size, 4, '\0');
  expect_refused_bytes(shifted, "bytes [0, 4) of the");
}

TEST_F(CheckpointDamage, FieldsOfTheWrongType) {
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["shape"] = "five"; }), "shape \"five\", not a list");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"].erase("dtype"); }), "unexpected header content");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["0.bias"]["dtype"] = "I64"; }), "I64");
}

TEST_F(CheckpointDamage, NotOurFormatOrVersion) {
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h.erase("__metadata__"); }), "no __metadata__");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["__metadata__"]["format"] = "pt"; }), "not a cgrad checkpoint");
  expect_refused_bytes(with_header(bytes_, [](auto& h) { h["__metadata__"]["version"] = "2"; }), "version '2'");
}

TEST_F(CheckpointDamage, WrongDtype) {
  const fs::path file = path("f64.safetensors");
  save_checkpoint(file, model<double>(1).named_parameters());
  expect_refused(file, "is F64, the model's is F32");
}

TEST_F(CheckpointDamage, WrongShapeMissingOrExtraTensor) {
  expect_refused(good_, "tensor '0.weight' is [2,5], the model's is [2,6]", {2, 6, 3});
  expect_refused(good_, "has no tensor '2.weight'", {2, 5, 3, 3});
  expect_refused(good_, "holds tensor '1.bias'", {2, 5});
}

TEST_F(CheckpointDamage, OptimizerStateMissingOrOfAnotherOptimizer) {
  Mlp<float> target = model<float>(9);
  const fs::path bare = path("bare.safetensors");
  save_checkpoint(bare, target.named_parameters());
  expect_refused(bare, "holds no optimizer state");
  Sgd<float> sgd(target.parameters(), {.momentum = 0.5});
  const auto values = snapshot(values_of(target));
  EXPECT_THROW(load_checkpoint(good_, target.named_parameters(), &sgd), IoError);  // holds Adam's
  EXPECT_TRUE(same_bits(values, snapshot(values_of(target))));
}

// ---- atomic writes ----

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  return files;
}

fs::path* g_checked_file = nullptr;
Snapshot<float>* g_old_values = nullptr;

// Runs where a crash would hit: the new file is complete, the old one still in place.
void check_old_file_then_crash(const fs::path& temporary) {
  EXPECT_TRUE(fs::exists(temporary));
  Mlp<float> reader = model<float>(7);
  load_checkpoint(*g_checked_file, reader.named_parameters());
  EXPECT_TRUE(same_bits(*g_old_values, snapshot(values_of(reader))));
  throw std::runtime_error("simulated crash before rename");
}

TEST_F(CheckpointTest, SaveInterruptedBeforeRenameLeavesTheOldFile) {
  fs::path file = path("model.safetensors");
  Mlp<float> m = model<float>(1);
  save_checkpoint(file, m.named_parameters());
  Snapshot<float> old_values = snapshot(values_of(m));
  m.parameters()[0]->mutable_value()[0] += 1;  // the model moves on
  g_checked_file = &file;
  g_old_values = &old_values;
  detail::checkpoint_before_rename_hook = &check_old_file_then_crash;
  EXPECT_THROW(save_checkpoint(file, m.named_parameters()), std::runtime_error);
  detail::checkpoint_before_rename_hook = nullptr;
  Mlp<float> reader = model<float>(7);
  load_checkpoint(file, reader.named_parameters());
  EXPECT_TRUE(same_bits(old_values, snapshot(values_of(reader))));
  // A real crash leaves the temporary file behind; it does not disturb the next save.
  write_bytes(fs::path(file.string() + ".tmp." + std::to_string(::getpid())), "stale half-written bytes");
  load_checkpoint(file, reader.named_parameters());
  save_checkpoint(file, m.named_parameters());
  load_checkpoint(file, reader.named_parameters());
  EXPECT_TRUE(same_bits(snapshot(values_of(m)), snapshot(values_of(reader))));
  EXPECT_EQ(files_in(dir_), std::vector<fs::path>{"model.safetensors"});
}

TEST_F(CheckpointTest, FailedSaveThrowsIoErrorAndLeavesNoTemporaryFile) {
  Mlp<float> m = model<float>(1);
  fs::create_directories(path("occupied/child"));  // rename cannot replace a non-empty directory
  EXPECT_THROW(save_checkpoint(path("occupied"), m.named_parameters()), IoError);
  EXPECT_EQ(files_in(dir_), std::vector<fs::path>{"occupied"});
  EXPECT_THROW(save_checkpoint(path("no/such/dir/model.safetensors"), m.named_parameters()), IoError);
}

TEST_F(CheckpointTest, ReservedOrRepeatedNamesAreRefused) {
  Parameter<float> a("optimizer.x", Tensor<float>(1, 1)), b("w", Tensor<float>(1, 1));
  EXPECT_THROW(save_checkpoint<float>(path("x"), {{"optimizer.x", &a}}), ValueError);
  EXPECT_THROW(save_checkpoint<float>(path("x"), {{"__metadata__", &a}}), ValueError);
  EXPECT_THROW(save_checkpoint<float>(path("x"), {{"w", &a}, {"w", &b}}), ValueError);
  EXPECT_THROW(save_checkpoint<float>(path("x"), {{"", &a}}), ValueError);
  save_checkpoint<float>(path("x"), {{"w", &b}});
  EXPECT_THROW(load_checkpoint<float>(path("x"), {{"w", &a}, {"w", &b}}), ValueError);
}

}  // namespace
}  // namespace cgrad
