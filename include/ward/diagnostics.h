// Compile diagnostics: errors and warnings with a source position, rendered as
// `file:line:col: error: message`, the source line, and a caret under the column.

#ifndef WARD_DIAGNOSTICS_H_
#define WARD_DIAGNOSTICS_H_

#include <string>
#include <vector>

namespace ward {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string source;       // the source name the caller gave
  int line = 0;             // 1-based; 0 when the diagnostic concerns no position
  int column = 0;           // 1-based, in characters (UTF-8 code points)
  std::string message;      // lower case, no final period, user input in backticks
  std::string source_line;  // the text of `line`, without its newline; may be empty
};

// "file:3:14: error: unknown attribute `clearence`; did you mean `clearance`?" followed by the
// source line and a caret line, each line ending in '\n'.
std::string FormatDiagnostic(const Diagnostic& diagnostic);
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

// True when any of `diagnostics` is an error (warnings do not stop a compile).
bool HasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace ward

#endif  // WARD_DIAGNOSTICS_H_
