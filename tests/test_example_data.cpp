// The model zoo's data loaders (examples/data): the real digits file of data/, IDX files the
// tests write (plain and gzipped), word lists, and the splits.
#include <zlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "digits.h"
#include "graph/error.h"
#include "idx.h"
#include "words.h"

namespace cgrad::data {
namespace {

const std::filesystem::path kDigits = std::filesystem::path(CGRAD_DATA_DIR) / "digits.csv.gz";

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" + name);
}

void write_bytes(const std::filesystem::path& file, const std::string& bytes, bool gzip) {
  if (gzip) {
    gzFile out = gzopen(file.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(out);
  } else {
    std::ofstream(file, std::ios::binary) << bytes;
  }
}

// An IDX header for unsigned bytes with the given dimensions, big-endian.
std::string idx_header(const std::vector<std::uint32_t>& dims) {
  std::string bytes{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  return bytes;
}

std::map<std::int32_t, std::size_t> class_counts(const Dataset<double>& data) {
  std::map<std::int32_t, std::size_t> counts;
  for (std::int32_t label : data.labels()) ++counts[label];
  return counts;
}

TEST(Digits, LoadsTheUciFileWithItsKnownClassCounts) {
  const Dataset<double> digits = load_digits<double>(kDigits);
  ASSERT_EQ(digits.size(), 1797U);
  EXPECT_EQ(digits.features().shape(), (Shape{1797, 64}));
  // The counts scikit-learn documents for load_digits().
  const std::map<std::int32_t, std::size_t> expected = {{0, 178}, {1, 182}, {2, 177}, {3, 183}, {4, 181},
                                                        {5, 182}, {6, 181}, {7, 179}, {8, 174}, {9, 180}};
  EXPECT_EQ(class_counts(digits), expected);
  // The first line of the file: 0,0,5,13,9,1,0,0,... class 0.
  EXPECT_EQ(digits.labels()[0], 0);
  EXPECT_DOUBLE_EQ(digits.features()(0, 2), 5.0 / 16);
  EXPECT_DOUBLE_EQ(digits.features()(0, 3), 13.0 / 16);
  EXPECT_EQ(digits.labels().back(), 8);
  for (double v : digits.features().span()) {
    ASSERT_GE(v, 0.0);
    ASSERT_LE(v, 1.0);
  }
}

TEST(Digits, BadLinesNameTheFileAndLine) {
  const std::filesystem::path file = temp_path("digits.csv");
  std::string good_line;
  for (int i = 0; i < 64; ++i) good_line += "1,";
  write_bytes(file, good_line + "3\n" + good_line + "17\n", false);
  try {
    load_digits<float>(file);
    FAIL() << "a class of 17 was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(":2: class 17 is outside 0..9"), std::string::npos) << e.what();
  }
  write_bytes(file, "1,2,3\n", true);
  EXPECT_THROW(load_digits<float>(file), IoError);
  EXPECT_THROW(load_digits<float>(temp_path("missing.csv")), IoError);
  std::filesystem::remove(file);
}

TEST(Digits, StratifiedSplitKeepsEveryClassShareAndIsFixedBySeed) {
  const Dataset<double> digits = load_digits<double>(kDigits);
  const auto [train, test] = stratified_split(digits, 0.2, 7);
  EXPECT_EQ(train.size() + test.size(), digits.size());
  const auto all_counts = class_counts(digits);
  const auto test_counts = class_counts(test);
  for (const auto& [label, count] : all_counts) {
    const double share = static_cast<double>(test_counts.at(label)) / static_cast<double>(count);
    EXPECT_NEAR(share, 0.2, 0.5 / static_cast<double>(count)) << "class " << label;
  }
  // Same seed, same split; another seed, another split.
  const auto again = stratified_split(digits, 0.2, 7);
  EXPECT_EQ(again.second.labels(), test.labels());
  EXPECT_TRUE(std::equal(again.second.features().span().begin(), again.second.features().span().end(),
                         test.features().span().begin()));
  const auto other = stratified_split(digits, 0.2, 8);
  EXPECT_FALSE(std::equal(other.second.features().span().begin(), other.second.features().span().end(),
                          test.features().span().begin()));
  EXPECT_THROW(stratified_split(digits, 0.0, 7), ValueError);
  EXPECT_THROW(stratified_split(digits, 1.0, 7), ValueError);
}

TEST(Idx, ReadsImagesAndLabelsPlainAndGzipped) {
  for (const bool gzip : {false, true}) {
    const std::filesystem::path images = temp_path(gzip ? "images.gz" : "images");
    const std::filesystem::path labels = temp_path(gzip ? "labels.gz" : "labels");
    std::string pixels = idx_header({2, 2, 3});
    for (int i = 0; i < 12; ++i) pixels.push_back(static_cast<char>(i * 20));
    write_bytes(images, pixels, gzip);
    write_bytes(labels, idx_header({2}) + std::string{'\x07', '\x02'}, gzip);
    const Dataset<double> data = load_idx<double>(images, labels);
    EXPECT_EQ(data.features().shape(), (Shape{2, 6}));
    EXPECT_EQ(data.labels(), (std::vector<std::int32_t>{7, 2}));
    EXPECT_DOUBLE_EQ(data.features()(1, 5), 220.0 / 255);
    std::filesystem::remove(images);
    std::filesystem::remove(labels);
  }
}

TEST(Idx, FindsTheMnistLayoutInADirectory) {
  const std::filesystem::path dir = temp_path("mnist");
  std::filesystem::create_directories(dir);
  write_bytes(dir / "t10k-images-idx3-ubyte.gz", idx_header({1, 28, 28}) + std::string(784, '\x01'), true);
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_header({1}) + std::string(1, '\x05'), false);
  const Dataset<float> test = load_mnist<float>(dir, "t10k");
  EXPECT_EQ(test.features().shape(), (Shape{1, 784}));
  EXPECT_EQ(test.labels()[0], 5);
  EXPECT_THROW(load_mnist<float>(dir, "train"), IoError);  // no train files
  EXPECT_THROW(load_mnist<float>(dir, "test"), ValueError);
  std::filesystem::remove_all(dir);
}

TEST(Idx, MalformedFilesAreRefusedWithTheReason) {
  const std::filesystem::path file = temp_path("bad.idx");
  const std::array<std::pair<std::string, std::string>, 4> cases = {{
      {"PK\x03\x04", "bad magic number"},
      {std::string{'\0', '\0', '\x0d', '\x01', '\0', '\0', '\0', '\x01'} + "abcd", "0x0d is not supported"},
      {std::string{'\0', '\0', '\x08', '\x03', '\0'}, "truncated IDX header"},
      {idx_header({2, 2}) + "abc", "but 3 bytes follow it"},
  }};
  for (const auto& [bytes, reason] : cases) {
    write_bytes(file, bytes, false);
    try {
      read_idx(file);
      ADD_FAILURE() << "accepted: " << reason;
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove(file);
}

TEST(Words, KeepsLowerCaseLetterWordsOnceInFileOrder) {
  const std::filesystem::path file = temp_path("words");
  write_bytes(file, "Aachen\nabbey\nabbey's\nzoo\r\nabbey\ncafé\nx-ray\n\nquiz", false);
  EXPECT_EQ(load_words(file), (std::vector<std::string>{"abbey", "zoo", "quiz"}));
  write_bytes(file, "Aachen\nA's\n", false);
  EXPECT_THROW(load_words(file), IoError);
  std::filesystem::remove(file);
}

TEST(Words, SplitIsAShuffledPartitionFixedBySeed) {
  std::vector<std::string> words;
  for (int i = 0; i < 100; ++i) words.push_back(fmt::format("w{}", i));
  const WordSplit split = split_words(words, 0.1, 3);
  EXPECT_EQ(split.validation.size(), 10U);
  EXPECT_EQ(split.train.size(), 90U);
  std::set<std::string> all(split.train.begin(), split.train.end());
  all.insert(split.validation.begin(), split.validation.end());
  EXPECT_EQ(all.size(), 100U);
  EXPECT_EQ(split_words(words, 0.1, 3).validation, split.validation);
  EXPECT_NE(split_words(words, 0.1, 4).validation, split.validation);
  EXPECT_THROW(split_words(words, 0.001, 3), ValueError);
}

}  // namespace
}  // namespace cgrad::data
