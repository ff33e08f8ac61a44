#pragma once
// Every chars model as a GoogleTest parameter, each test named by its model: the chars
// suites that run once per model share these.
#include <string>

#include <gtest/gtest.h>

#include "char_model.h"

namespace cgrad::testing {

inline auto every_char_model() { return ::testing::ValuesIn(cgrad::chars::kModelKinds); }

inline std::string char_model_test_name(const ::testing::TestParamInfo<cgrad::chars::ModelKind>& info) {
  return std::string(cgrad::chars::model_name(info.param));
}

}  // namespace cgrad::testing
