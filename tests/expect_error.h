#pragma once
// message_of<E>(action): the message of the cgrad::Error that `action` throws, which must
// be exactly an E; records a test failure otherwise.
#include <cstdio>
#include <exception>
#include <string>

#include <gtest/gtest.h>

#include "graph/error.h"

namespace cgrad::test {

// The message of the exception `action` throws, which must be exactly an E (caught as
// cgrad::Error, so the hierarchy is checked too); records a failure otherwise.
template <class E, class Action>
std::string message_of(Action action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_TRUE(dynamic_cast<const E*>(&e) != nullptr) << "wrong Error subclass; message: " << e.what();
    std::printf("refused: %s\n", e.what());  // the log shows every refusal's text
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw something that is not a cgrad::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "did not throw";
  return {};
}

}  // namespace cgrad::test
