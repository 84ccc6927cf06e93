// libFuzzer target: any bytes as a policy source, through the parser and the checker. Every
// input must end in a policy or in diagnostics: never a crash, a hang or unbounded memory.

#include <cstddef>
#include <cstdint>
#include <string>

#include "ward/compile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ward::SourceFile source{"fuzz.ward", std::string(reinterpret_cast<const char*>(data), size)};
  ward::CompileResult result = ward::Compile({source});
  // Rendering exercises the caret placement on arbitrary bytes.
  const std::string text = ward::FormatDiagnostics(result.diagnostics);
  if (result.policy == nullptr && result.diagnostics.empty()) __builtin_trap();
  return text.empty() ? 0 : 0;
}
