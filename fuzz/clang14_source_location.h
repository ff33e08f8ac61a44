#pragma once
// std::source_location for clang 14 with libstdc++ 12, whose <source_location> is empty
// there: it needs __builtin_source_location, which clang gained in version 15. cgrad
// records every op's call site with std::source_location, so the fuzz build (the one
// clang build: libFuzzer is clang's) gets this stand-in, made of the builtins clang 14
// has. The fuzz preset force-includes it (-include); nothing else sees it.
#if defined(__clang__) && !__has_builtin(__builtin_source_location)
#include <cstdint>

#define _GLIBCXX_SRCLOC 1  // libstdc++'s guard: <source_location> then adds nothing

namespace std {  // NOLINT(cert-dcl58-cpp): stands in for the standard header
struct source_location {
  static constexpr source_location current(const char* file = __builtin_FILE(),
                                           const char* function = __builtin_FUNCTION(),
                                           uint_least32_t line = __builtin_LINE(),
                                           uint_least32_t column = __builtin_COLUMN()) noexcept {
    source_location where;
    where.file_ = file;
    where.function_ = function;
    where.line_ = line;
    where.column_ = column;
    return where;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr uint_least32_t line() const noexcept { return line_; }
  constexpr uint_least32_t column() const noexcept { return column_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  uint_least32_t line_ = 0;
  uint_least32_t column_ = 0;
};
}  // namespace std
#endif
