// The errors the Python module raises, as C++ exceptions: code that builds requests or loads
// policies throws them wherever it finds the problem, and one translator (ward_module.cc)
// turns each into the matching Python class of the module, so that every failure reaches
// Python as an ordinary exception with its message, never as a crash.

#ifndef WARD_BINDINGS_PYTHON_ERRORS_H_
#define WARD_BINDINGS_PYTHON_ERRORS_H_

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ward/diagnostics.h"
#include "ward/errors.h"

namespace ward::python {

class WardError : public std::runtime_error {
 public:
  // An error of the library's category `category` (ward/errors.h); the translator in
  // ward_module.cc raises the package's class for it (ExceptionClassName).
  WardError(ErrorCategory category, const std::string& message, std::vector<Diagnostic> issues = {})
      : std::runtime_error(message), category_(category), issues_(std::move(issues)) {}

  // EngineClosedError: a call on a closed engine (no library error has this meaning).
  static WardError Closed() {
    WardError error(ErrorCategory::kInvalidArgument, "the engine is closed");
    error.closed_ = true;
    return error;
  }

  ErrorCategory category() const { return category_; }
  bool closed() const { return closed_; }
  // Compile diagnostics (errors and warnings), for kPolicy.
  const std::vector<Diagnostic>& issues() const { return issues_; }

 private:
  ErrorCategory category_;
  bool closed_ = false;
  std::vector<Diagnostic> issues_;
};

}  // namespace ward::python

#endif  // WARD_BINDINGS_PYTHON_ERRORS_H_
