#pragma once
// The one exception hierarchy of cgrad. Everything the library refuses is thrown as a
// subclass of cgrad::Error, so callers can catch one type; the subclass says which kind
// of mistake it was. Messages are built with fmt and name the op and what was wrong.
#include <stdexcept>
#include <string>

namespace cgrad {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Operands whose shapes an op cannot combine.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A value outside its allowed range: a label, a hyperparameter, a size.
class ValueError : public Error {
 public:
  using Error::Error;
};

// Misuse of the graph: a stale or foreign Var, backward on a non-scalar, ...
class GraphError : public Error {
 public:
  using Error::Error;
};

// A NaN or Inf met in anomaly mode.
class NumericError : public Error {
 public:
  using Error::Error;
};

// Reading or writing files (checkpoints).
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace cgrad
