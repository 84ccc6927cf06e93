#include "cli/policy_test/junit.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "policy_lang/lexer.h"

namespace ward::cli::policy_test {
namespace {

// Text for XML 1.0 content and attributes: markup escaped, and what XML cannot hold
// (control characters other than tab and line breaks, U+FFFE, U+FFFF, invalid UTF-8)
// replaced by U+FFFD.
std::string XmlEscape(absl::string_view text) {
  constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text.front());
    if (c >= 0x80) {
      uint32_t code_point = 0;
      const int length = DecodeUtf8(text, &code_point);
      if (length == 0 || code_point == 0xFFFE || code_point == 0xFFFF) {
        out.append(kReplacement.data(), kReplacement.size());
        text.remove_prefix(length == 0 ? 1 : length);
      } else {
        out.append(text.data(), length);
        text.remove_prefix(length);
      }
      continue;
    }
    text.remove_prefix(1);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out.append(kReplacement.data(), kReplacement.size());
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

}  // namespace

std::string JunitXml(const std::vector<FileResult>& files) {
  int tests = 0, failures = 0, errors = 0;
  for (const FileResult& file : files) {
    if (!file.errors.empty()) {
      ++tests;
      ++errors;
      continue;
    }
    for (const CaseResult& c : file.cases) {
      ++tests;
      if (!c.passed) ++failures;
    }
  }
  std::string xml = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ward test\" tests=\"", tests,
      "\" failures=\"", failures, "\" errors=\"", errors, "\">\n");
  for (const FileResult& file : files) {
    const std::string suite = XmlEscape(file.path);
    if (!file.errors.empty()) {
      const std::string text = absl::StrJoin(file.errors, "\n");
      absl::StrAppend(&xml, "  <testsuite name=\"", suite,
                      "\" tests=\"1\" failures=\"0\" errors=\"1\">\n", "    <testcase name=\"",
                      "(load)", "\" classname=\"", suite, "\">\n      <error message=\"",
                      XmlEscape(file.errors.front()), "\">", XmlEscape(text),
                      "</error>\n    </testcase>\n  </testsuite>\n");
      continue;
    }
    int suite_failures = 0;
    for (const CaseResult& c : file.cases) suite_failures += c.passed ? 0 : 1;
    absl::StrAppend(&xml, "  <testsuite name=\"", suite, "\" tests=\"", file.cases.size(),
                    "\" failures=\"", suite_failures, "\" errors=\"0\">\n");
    for (const CaseResult& c : file.cases) {
      absl::StrAppend(&xml, "    <testcase name=\"", XmlEscape(c.name), "\" classname=\"", suite,
                      "\"");
      if (c.passed) {
        absl::StrAppend(&xml, "/>\n");
      } else {
        absl::StrAppend(&xml, ">\n      <failure message=\"", XmlEscape(c.message), "\">",
                        XmlEscape(c.details), "</failure>\n    </testcase>\n");
      }
    }
    absl::StrAppend(&xml, "  </testsuite>\n");
  }
  absl::StrAppend(&xml, "</testsuites>\n");
  return xml;
}

}  // namespace ward::cli::policy_test
