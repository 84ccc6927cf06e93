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

#include "policy_lang/diagnostics.h"

namespace ward::python {

class WardError : public std::runtime_error {
 public:
  // Each kind names an exception class of the package (ward/_errors.py).
  enum class Kind {
    kPolicy,     // PolicyError: the policy set does not compile
    kBundle,     // BundleError (a PolicyError): an invalid, unsigned or badly signed bundle
    kEntity,     // EntityError: entities that do not load or do not fit the schema
    kRequest,    // RequestError: a request the exchange format rejects
    kNotFound,   // NotFoundError: an entity update names an entity that does not exist
    kClosed,     // EngineClosedError: a call on a closed engine
    kKey,        // SigningKeyError: a key that is not an Ed25519 key of the expected half
    kRedaction,  // RedactionError: a redaction that cannot be applied; release nothing
  };

  WardError(Kind kind, const std::string& message, std::vector<Diagnostic> issues = {})
      : std::runtime_error(message), kind_(kind), issues_(std::move(issues)) {}

  Kind kind() const { return kind_; }
  // Compile diagnostics (errors and warnings), for kPolicy.
  const std::vector<Diagnostic>& issues() const { return issues_; }

 private:
  Kind kind_;
  std::vector<Diagnostic> issues_;
};

}  // namespace ward::python

#endif  // WARD_BINDINGS_PYTHON_ERRORS_H_
