#include "lib/internal/json_positions.h"

#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ward::internal {
namespace {

// A forward scanner over valid JSON that keeps the line and column of where it is.
class Scanner {
 public:
  Scanner(absl::string_view text, const absl::flat_hash_set<std::string>& wanted,
          absl::flat_hash_map<std::string, JsonPosition>* found)
      : text_(text), wanted_(wanted), found_(found) {}

  void Run() {
    SkipSpace();
    Value("");
  }

 private:
  bool Done() const { return pos_ >= text_.size() || found_->size() == wanted_.size(); }

  void Advance() {
    const unsigned char c = static_cast<unsigned char>(text_[pos_++]);
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++column_;
    }
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      Advance();
    }
  }

  // Scans a string literal and returns its unescaped value (only keys need it).
  std::string String(bool unescape) {
    const size_t begin = pos_;
    Advance();  // the opening quote
    bool escaped_any = false;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') {
        escaped_any = true;
        Advance();
        if (pos_ >= text_.size()) break;
      }
      Advance();
    }
    if (pos_ < text_.size()) Advance();  // the closing quote
    if (!unescape) return "";
    const absl::string_view literal = text_.substr(begin, pos_ - begin);
    if (!escaped_any) return std::string(literal.substr(1, literal.size() - 2));
    try {
      return nlohmann::json::parse(literal).get<std::string>();
    } catch (const std::exception&) {
      return "";
    }
  }

  void Value(const std::string& pointer) {
    if (Done()) return;
    if (wanted_.contains(pointer)) found_->emplace(pointer, JsonPosition{line_, column_});
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      const bool object = c == '{';
      const char close = object ? '}' : ']';
      Advance();
      SkipSpace();
      size_t index = 0;
      while (!Done() && text_[pos_] != close) {
        std::string child;
        if (object) {
          const std::string key = String(/*unescape=*/true);
          SkipSpace();
          if (pos_ < text_.size()) Advance();  // ':'
          SkipSpace();
          child = JsonPointerChild(pointer, key);
        } else {
          child = JsonPointerChild(pointer, index);
        }
        ++index;
        Value(child);
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          Advance();
          SkipSpace();
        }
      }
      if (pos_ < text_.size()) Advance();
      return;
    }
    if (c == '"') {
      String(/*unescape=*/false);
      return;
    }
    // A number, true, false or null.
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']' &&
           text_[pos_] != ' ' && text_[pos_] != '\n' && text_[pos_] != '\t' &&
           text_[pos_] != '\r') {
      Advance();
    }
  }

  absl::string_view text_;
  const absl::flat_hash_set<std::string>& wanted_;
  absl::flat_hash_map<std::string, JsonPosition>* found_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace

std::string JsonPointerChild(absl::string_view pointer, absl::string_view key) {
  std::string out(pointer);
  out.push_back('/');
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string JsonPointerChild(absl::string_view pointer, size_t index) {
  return absl::StrCat(pointer, "/", index);
}

absl::flat_hash_map<std::string, JsonPosition> FindJsonPositions(
    absl::string_view text, const absl::flat_hash_set<std::string>& pointers) {
  absl::flat_hash_map<std::string, JsonPosition> found;
  if (pointers.empty()) return found;
  Scanner(text, pointers, &found).Run();
  return found;
}

}  // namespace ward::internal
