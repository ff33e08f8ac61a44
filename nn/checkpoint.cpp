#include "nn/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "graph/error.h"

namespace cgrad {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::string_view kFormat = "cgrad";
constexpr std::string_view kVersion = "1";
constexpr std::string_view kChecksumPrefix = "fnv1a64:";
constexpr std::string_view kOptimizerPrefix = "optimizer.";

template <Real T>
constexpr std::string_view dtype_code() {
  return sizeof(T) == 4 ? "F32" : "F64";
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string checksum_text(std::string_view data) { return fmt::format("{}{:016x}", kChecksumPrefix, fnv1a64(data)); }

// Appends (or reads) values as little-endian bytes whatever the host's byte order.
template <Real T>
void append_le(std::string& out, const Tensor<T>& t) {
  const std::size_t begin = out.size();
  out.resize(begin + t.size() * sizeof(T));
  if (t.size() > 0) std::memcpy(out.data() + begin, t.data(), t.size() * sizeof(T));
  if constexpr (std::endian::native == std::endian::big)
    for (std::size_t i = begin; i < out.size(); i += sizeof(T)) std::reverse(out.begin() + i, out.begin() + i + sizeof(T));
}

template <Real T>
void read_le(std::string_view bytes, Tensor<T>& t) {
  if (t.size() > 0) std::memcpy(t.data(), bytes.data(), t.size() * sizeof(T));
  if constexpr (std::endian::native == std::endian::big) {
    auto* raw = reinterpret_cast<unsigned char*>(t.data());
    for (std::size_t i = 0; i < t.size() * sizeof(T); i += sizeof(T)) std::reverse(raw + i, raw + i + sizeof(T));
  }
}

[[noreturn]] void fail(const fs::path& file, std::string_view problem) {
  throw IoError(fmt::format("checkpoint '{}': {}", file.string(), problem));
}

// ---- writing ----

// Removes the temporary file unless the rename consumed it.
struct TemporaryFile {
  fs::path path;
  bool renamed = false;
  ~TemporaryFile() {
    if (!renamed) ::unlink(path.c_str());
  }
};

void write_all(const fs::path& file, const fs::path& path, int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(file, fmt::format("cannot write '{}': {}", path.string(), std::strerror(errno)));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The file's bytes go to disk before the rename makes them the checkpoint, and the
// directory entry goes to disk after it.
void write_atomically(const fs::path& file, std::string_view bytes) {
  TemporaryFile temporary{fs::path(fmt::format("{}.tmp.{}", file.string(), ::getpid()))};
  const int fd = ::open(temporary.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(file, fmt::format("cannot create '{}': {}", temporary.path.string(), std::strerror(errno)));
  try {
    write_all(file, temporary.path, fd, bytes);
    if (::fsync(fd) != 0) fail(file, fmt::format("cannot sync '{}': {}", temporary.path.string(), std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail(file, fmt::format("cannot close '{}': {}", temporary.path.string(), std::strerror(errno)));
  if (detail::checkpoint_before_rename_hook) detail::checkpoint_before_rename_hook(temporary.path);
  if (::rename(temporary.path.c_str(), file.c_str()) != 0)
    fail(file, fmt::format("cannot rename '{}' over it: {}", temporary.path.string(), std::strerror(errno)));
  temporary.renamed = true;
  const fs::path directory = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) fail(file, fmt::format("written, but cannot open its directory to sync it: {}", std::strerror(errno)));
  // Some file systems cannot sync a directory (EINVAL); the data itself is already safe.
  const bool synced = ::fsync(dir_fd) == 0 || errno == EINVAL;
  const int sync_errno = errno;
  ::close(dir_fd);
  if (!synced) fail(file, fmt::format("written, but its directory could not be synced: {}", std::strerror(sync_errno)));
}

void check_name(std::string_view name, std::string_view what) {
  if (name.empty()) throw ValueError(fmt::format("save_checkpoint: a {} has an empty name", what));
  if (name.starts_with(kOptimizerPrefix) || name.starts_with("__"))
    throw ValueError(fmt::format("save_checkpoint: {} name '{}' is reserved (it starts with '{}' or '__')", what,
                                 name, kOptimizerPrefix));
}

// ---- reading ----

std::string read_file(const fs::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) fail(file, fmt::format("cannot open: {}", std::strerror(errno)));
  std::string bytes;
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.append(buffer, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) fail(file, "cannot read");
  return bytes;
}

struct Entry {
  std::string dtype;
  Shape shape;
  std::string_view bytes;  // into the file's data section
};

// Parses and checks the whole file: header, metadata, checksum and every entry's offsets.
struct ParsedFile {
  std::string bytes;
  std::map<std::string, Entry> entries;
  std::map<std::string, std::string> metadata;
};

std::uint64_t read_u64_le(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  return value;
}

std::size_t dtype_size(std::string_view dtype) { return dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0; }

// A header field that must be a list of non-negative JSON integers. Read as uint64 without
// this check, -1 would wrap to 2^64 - 1 and 2.5 would become 2.
std::vector<std::uint64_t> unsigned_list(const fs::path& file, const std::string& name, const char* field,
                                         const json& value) {
  const json& list = value.at(field);
  const bool valid =
      list.is_array() && std::all_of(list.begin(), list.end(), [](const json& v) { return v.is_number_unsigned(); });
  if (!valid)
    fail(file, fmt::format("corrupted: tensor '{}' has {} {}, not a list of non-negative integers", name, field,
                           list.dump()));
  return list.get<std::vector<std::uint64_t>>();
}

struct ByteRange {
  std::uint64_t begin, end;
  std::string name;
};

// Checks one header entry (dtype, shape, data_offsets) against the data section's size and
// returns it with its byte range. The byte count the shape needs is computed without
// overflow, so no wrapped product can match a small range.
Entry check_entry(const fs::path& file, const std::string& name, const json& value, std::string_view data,
                  ByteRange& range) {
  Entry entry{value.at("dtype").get<std::string>(), {}, {}};
  const auto shape = unsigned_list(file, name, "shape", value);
  const auto offsets = unsigned_list(file, name, "data_offsets", value);
  const std::size_t element_bytes = dtype_size(entry.dtype);
  if (element_bytes == 0) fail(file, fmt::format("tensor '{}' has dtype {}; cgrad reads F32 and F64", name, entry.dtype));
  if (shape.size() > kMaxRank)
    fail(file, fmt::format("tensor '{}' has {} dimensions; cgrad reads at most {}", name, shape.size(), kMaxRank));
  if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data.size())
    fail(file, fmt::format("corrupted: tensor '{}' has data_offsets {}, not a range within the {}-byte data", name,
                           value.at("data_offsets").dump(), data.size()));
  std::uint64_t bytes = element_bytes;
  for (const std::uint64_t extent : shape)
    if (__builtin_mul_overflow(bytes, extent, &bytes))
      fail(file, fmt::format("corrupted: tensor '{}' of shape {} {} needs more bytes than 64 bits can count", name,
                             value.at("shape").dump(), entry.dtype));
  if (offsets[1] - offsets[0] != bytes)
    fail(file, fmt::format("corrupted: tensor '{}' of {} {} has {} bytes of data", name, value.at("shape").dump(),
                           entry.dtype, offsets[1] - offsets[0]));
  entry.shape = Shape{};
  for (const std::uint64_t dim : shape) entry.shape.push_back(static_cast<std::size_t>(dim));
  entry.bytes = data.substr(offsets[0], offsets[1] - offsets[0]);
  range = {offsets[0], offsets[1], name};
  return entry;
}

// As the safetensors format requires, the entries' byte ranges tile the data section
// exactly: no byte belongs to two tensors, none to no tensor.
void check_tiling(const fs::path& file, std::vector<ByteRange> ranges, std::size_t data_size) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& x, const ByteRange& y) { return std::tie(x.begin, x.end) < std::tie(y.begin, y.end); });
  std::uint64_t covered = 0;
  const ByteRange* previous = nullptr;
  for (const ByteRange& range : ranges) {
    if (range.begin < covered)
      fail(file, fmt::format("corrupted: the data of tensors '{}' and '{}' overlap ([{}, {}) and [{}, {}))",
                             previous->name, range.name, previous->begin, previous->end, range.begin, range.end));
    if (range.begin > covered)
      fail(file, fmt::format("corrupted: bytes [{}, {}) of the {}-byte data belong to no tensor", covered, range.begin,
                             data_size));
    covered = range.end;
    previous = &range;
  }
  if (covered != data_size)
    fail(file, fmt::format("corrupted: bytes [{}, {}) of the {}-byte data belong to no tensor", covered, data_size,
                           data_size));
}

ParsedFile parse(const fs::path& file) {
  ParsedFile parsed{read_file(file), {}, {}};
  const std::string_view bytes = parsed.bytes;
  if (bytes.empty()) fail(file, "the file is empty");
  if (bytes.size() < 8) fail(file, fmt::format("truncated: {} bytes, less than the 8-byte header length", bytes.size()));
  const std::uint64_t header_size = read_u64_le(bytes);
  if (header_size > bytes.size() - 8)
    fail(file, fmt::format("truncated: the header needs {} bytes but only {} follow", header_size, bytes.size() - 8));
  const std::string_view header_text = bytes.substr(8, header_size);
  const std::string_view data = bytes.substr(8 + header_size);
  json header;
  try {
    header = json::parse(header_text);
  } catch (const json::exception& e) {
    fail(file, fmt::format("corrupted: the header is not valid JSON ({})", e.what()));
  }
  try {
    if (!header.is_object()) fail(file, "corrupted: the header is not a JSON object");
    if (!header.contains("__metadata__")) fail(file, "not a cgrad checkpoint (no __metadata__)");
    parsed.metadata = header.at("__metadata__").get<std::map<std::string, std::string>>();
    const auto meta = [&](const char* key) {
      const auto it = parsed.metadata.find(key);
      return it == parsed.metadata.end() ? std::string("(missing)") : it->second;
    };
    if (meta("format") != kFormat) fail(file, fmt::format("not a cgrad checkpoint (format '{}')", meta("format")));
    if (meta("version") != kVersion)
      fail(file, fmt::format("version '{}' is not one this build reads ('{}')", meta("version"), kVersion));
    std::vector<ByteRange> ranges;
    for (const auto& [name, value] : header.items()) {
      if (name == "__metadata__") continue;
      ByteRange range{};
      parsed.entries.emplace(name, check_entry(file, name, value, data, range));
      ranges.push_back(range);
    }
    check_tiling(file, std::move(ranges), data.size());
    // After the offsets, so a cut-off data section is reported as that.
    if (meta("checksum") != checksum_text(data))
      fail(file, fmt::format("corrupted: the data's checksum is {}, the header says {}", checksum_text(data), meta("checksum")));
  } catch (const json::exception& e) {  // a field of the wrong JSON type
    fail(file, fmt::format("corrupted: unexpected header content ({})", e.what()));
  }
  return parsed;
}

// Copies entry `name` into `out`, checking dtype and shape against `expected`.
template <Real T>
void take(const fs::path& file, ParsedFile& parsed, const std::string& name, const Shape& expected, Tensor<T>& out) {
  const auto it = parsed.entries.find(name);
  if (it == parsed.entries.end()) fail(file, fmt::format("has no tensor '{}'", name));
  const Entry& entry = it->second;
  if (entry.dtype != dtype_code<T>())
    fail(file, fmt::format("tensor '{}' is {}, the model's is {}", name, entry.dtype, dtype_code<T>()));
  if (entry.shape != expected) fail(file, fmt::format("tensor '{}' is {}, the model's is {}", name, entry.shape, expected));
  out.resize(expected);
  read_le(entry.bytes, out);
  parsed.entries.erase(it);
}

std::uint64_t parse_step(const fs::path& file, const std::string& text) {
  std::uint64_t step = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), step);
  if (error != std::errc() || end != text.data() + text.size())
    fail(file, fmt::format("corrupted: optimizer_step '{}' is not a step count", text));
  return step;
}

// A tensor to save or to load into: a parameter's value (written through
// mutable_value(), so its version moves) or a buffer.
template <Real T>
struct Slot {
  std::string name;
  Parameter<T>* parameter = nullptr;
  Tensor<T>* buffer = nullptr;
  const Tensor<T>& value() const { return parameter != nullptr ? parameter->value() : *buffer; }
  const char* kind() const { return parameter != nullptr ? "parameter" : "buffer"; }
};

template <Real T>
std::vector<Slot<T>> slots_of(const std::vector<NamedParameter<T>>& parameters, std::string_view caller) {
  std::vector<Slot<T>> slots;
  for (const auto& [name, parameter] : parameters) {
    if (parameter == nullptr) throw ValueError(fmt::format("{}: parameter '{}' is a null pointer", caller, name));
    slots.push_back({name, parameter, nullptr});
  }
  return slots;
}

template <Real T>
std::vector<Slot<T>> slots_of(const Module<T>& module, std::string_view caller) {
  std::vector<Slot<T>> slots = slots_of(module.named_parameters(), caller);
  for (const auto& [name, buffer] : module.named_buffers()) slots.push_back({name, nullptr, buffer});
  return slots;
}

template <Real T>
void save_slots(const fs::path& file, const std::vector<Slot<T>>& slots, const Optimizer<T>* optimizer) {
  std::vector<std::pair<std::string, const Tensor<T>*>> tensors;
  for (const Slot<T>& slot : slots) {
    check_name(slot.name, slot.kind());
    tensors.emplace_back(slot.name, &slot.value());
  }
  if (optimizer != nullptr)
    for (const auto& [name, tensor] : optimizer->state()) tensors.emplace_back(fmt::format("{}{}", kOptimizerPrefix, name), tensor);

  json header = json::object();
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    if (header.contains(name)) throw ValueError(fmt::format("save_checkpoint: two tensors are named '{}'", name));
    const std::size_t begin = data.size();
    append_le(data, *tensor);
    header[name] = {{"dtype", dtype_code<T>()},
                    {"shape", std::vector<std::size_t>(tensor->shape().dims().begin(), tensor->shape().dims().end())},
                    {"data_offsets", {begin, data.size()}}};
  }
  json metadata = {{"format", kFormat}, {"version", kVersion}, {"checksum", checksum_text(data)}};
  if (optimizer != nullptr) {
    metadata["optimizer"] = optimizer->name();
    metadata["optimizer_step"] = std::to_string(optimizer->step_count());
  }
  header["__metadata__"] = std::move(metadata);

  std::string header_text = header.dump();
  header_text.resize((header_text.size() + 7) / 8 * 8, ' ');  // keeps the data 8-byte aligned
  std::string bytes(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header_text.size() >> (8 * i)) & 0xff);
  bytes += header_text;
  bytes += data;
  write_atomically(file, bytes);
}

template <Real T>
void load_slots(const fs::path& file, const std::vector<Slot<T>>& slots, Optimizer<T>* optimizer) {
  for (std::size_t i = 0; i < slots.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (slots[j].name == slots[i].name)
        throw ValueError(fmt::format("load_checkpoint: two tensors are named '{}'", slots[i].name));
  ParsedFile parsed = parse(file);

  // Everything goes into temporaries first; the model changes only once all is well.
  std::vector<Tensor<T>> values(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) take(file, parsed, slots[i].name, slots[i].value().shape(), values[i]);

  std::vector<std::pair<std::string, Tensor<T>*>> state;
  std::vector<Tensor<T>> state_values;
  std::uint64_t step = 0;
  if (optimizer != nullptr) {
    const auto saved = parsed.metadata.find("optimizer");
    if (saved == parsed.metadata.end()) fail(file, fmt::format("holds no optimizer state to load into {}", optimizer->name()));
    if (saved->second != optimizer->name())
      fail(file, fmt::format("holds the state of {}, not of {}", saved->second, optimizer->name()));
    const auto step_text = parsed.metadata.find("optimizer_step");
    step = parse_step(file, step_text == parsed.metadata.end() ? std::string() : step_text->second);
    state = optimizer->state();
    state_values.resize(state.size());
    for (std::size_t i = 0; i < state.size(); ++i)
      take(file, parsed, fmt::format("{}{}", kOptimizerPrefix, state[i].first), state[i].second->shape(), state_values[i]);
  }
  for (const auto& [name, entry] : parsed.entries)
    if (optimizer != nullptr || !name.starts_with(kOptimizerPrefix))
      fail(file, fmt::format("holds tensor '{}', which the model does not have", name));

  // Swaps cannot throw: from here on, nothing can fail halfway.
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].parameter != nullptr)
      slots[i].parameter->mutable_value().swap(values[i]);
    else
      slots[i].buffer->swap(values[i]);
  }
  for (std::size_t i = 0; i < state.size(); ++i) state[i].second->swap(state_values[i]);
  if (optimizer != nullptr) optimizer->set_step_count(step);
}

}  // namespace

template <Real T>
void save_checkpoint(const fs::path& file, const std::vector<NamedParameter<T>>& parameters, const Optimizer<T>* optimizer) {
  save_slots(file, slots_of(parameters, "save_checkpoint"), optimizer);
}

template <Real T>
void load_checkpoint(const fs::path& file, const std::vector<NamedParameter<T>>& parameters, Optimizer<T>* optimizer) {
  load_slots(file, slots_of(parameters, "load_checkpoint"), optimizer);
}

template <Real T>
void save_checkpoint(const fs::path& file, const Module<T>& module, const Optimizer<T>* optimizer) {
  save_slots(file, slots_of(module, "save_checkpoint"), optimizer);
}

template <Real T>
void load_checkpoint(const fs::path& file, Module<T>& module, Optimizer<T>* optimizer) {
  load_slots(file, slots_of(module, "load_checkpoint"), optimizer);
}

template void save_checkpoint(const fs::path&, const std::vector<NamedParameter<float>>&, const Optimizer<float>*);
template void save_checkpoint(const fs::path&, const std::vector<NamedParameter<double>>&, const Optimizer<double>*);
template void load_checkpoint(const fs::path&, const std::vector<NamedParameter<float>>&, Optimizer<float>*);
template void load_checkpoint(const fs::path&, const std::vector<NamedParameter<double>>&, Optimizer<double>*);
template void save_checkpoint(const fs::path&, const Module<float>&, const Optimizer<float>*);
template void save_checkpoint(const fs::path&, const Module<double>&, const Optimizer<double>*);
template void load_checkpoint(const fs::path&, Module<float>&, Optimizer<float>*);
template void load_checkpoint(const fs::path&, Module<double>&, Optimizer<double>*);

}  // namespace cgrad
