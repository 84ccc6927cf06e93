#include "cli/repl/repl_parse.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/internal/json_util.h"
#include "nlohmann/json.hpp"
#include "policy_lang/diagnostics.h"
#include "policy_lang/lexer.h"

namespace ward::cli {
namespace {

constexpr absl::string_view kOnBehalfOf = "on_behalf_of";
constexpr absl::string_view kArgs = "args";
constexpr absl::string_view kContext = "context";

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsIdentifier(absl::string_view text) {
  if (text.empty() || !(absl::ascii_isalpha(text[0]) || text[0] == '_')) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

// A blank-separated word of a line, quotes kept: `tool:"calendar read"` is one word.
struct Word {
  size_t begin = 0;
  size_t end = 0;
  absl::string_view text;
  bool unterminated = false;  // a quote opened in the word is not closed
};

// Scans the word that starts at `pos` (not a blank). A `"` opens a JSON string, in which
// blanks and `\"` do not end the word.
Word ScanWord(absl::string_view line, size_t pos) {
  Word word;
  word.begin = pos;
  while (pos < line.size() && !IsBlank(line[pos])) {
    if (line[pos] != '"') {
      ++pos;
      continue;
    }
    ++pos;
    while (pos < line.size() && line[pos] != '"') pos += line[pos] == '\\' ? 2 : 1;
    if (pos >= line.size()) {
      pos = line.size();
      word.unterminated = true;
      break;
    }
    ++pos;  // the closing quote
  }
  word.end = pos;
  word.text = line.substr(word.begin, word.end - word.begin);
  return word;
}

size_t SkipBlanks(absl::string_view line, size_t pos) {
  while (pos < line.size() && IsBlank(line[pos])) ++pos;
  return pos;
}

// Where the JSON object that starts with the `{` at `begin` ends: just past the `}` that
// closes it, brackets counted outside strings (whose escapes are skipped); npos when the line
// ends first. It only finds the end: the JSON parser then validates the text.
size_t JsonObjectEnd(absl::string_view line, size_t begin) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = begin; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return absl::string_view::npos;
}

// A word, or a JSON object from its `{` to the `}` that closes it (unterminated when the line
// ends first): a JSON object with blanks inside is one word to completion.
Word ScanWordOrObject(absl::string_view line, size_t pos) {
  if (line[pos] != '{') return ScanWord(line, pos);
  Word word;
  word.begin = pos;
  word.end = JsonObjectEnd(line, pos);
  if (word.end == absl::string_view::npos) {
    word.end = line.size();
    word.unterminated = true;
  }
  word.text = line.substr(word.begin, word.end - word.begin);
  return word;
}

// A problem at a column; the parser's functions return it instead of a value.
struct LineError {
  size_t offset;
  std::string message;
};

// Decodes an id written bare (`a17`) or as one JSON string (`"calendar read"`).
absl::StatusOr<std::string> DecodeId(absl::string_view text, size_t* error_offset) {
  *error_offset = 0;
  if (text.empty()) return absl::InvalidArgumentError("expected an id");
  if (text.front() == '"') {
    nlohmann::json value = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                                 /*allow_exceptions=*/false);
    if (value.is_discarded() || !value.is_string()) {
      return absl::InvalidArgumentError(
          "a quoted id is one JSON string (escapes: \\\" \\\\ \\n \\uXXXX ...)");
    }
    return value.get<std::string>();
  }
  const size_t quote = text.find('"');
  if (quote != absl::string_view::npos) {
    *error_offset = quote;
    return absl::InvalidArgumentError("quote the whole id: \"...\"");
  }
  const size_t colon = text.find(':');
  if (colon != absl::string_view::npos) {
    *error_offset = colon;
    return absl::InvalidArgumentError("an id holding `:` is written in double quotes");
  }
  return std::string(text);
}

// The validation of a JSON object of the line (the args, the context): a SAX handler that
// builds nothing and records where the JSON text stops being valid (nlohmann reports the
// position only to a SAX handler or in an exception, and ward does not use exceptions).
class ObjectChecker : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool key(string_t&) override { return true; }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0) not_object_ = true;
    ++depth_;
    return !not_object_;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    error_position_ = position;
    // "[json.exception.parse_error.101] parse error at ...: syntax error while parsing value
    // - invalid literal; last read: ..." is told as "invalid literal".
    absl::string_view what = error.what();
    if (size_t dash = what.find(" - "); dash != absl::string_view::npos) {
      what.remove_prefix(dash + 3);
    }
    error_description_ = std::string(what.substr(0, what.find(';')));
    return false;
  }

  bool not_object() const { return not_object_; }
  // 1-based: the character at which the text stopped being JSON.
  std::optional<size_t> error_position() const { return error_position_; }
  const std::string& error_description() const { return error_description_; }

 private:
  // A scalar at the top level is not an object.
  bool Value() {
    if (depth_ == 0) not_object_ = true;
    return !not_object_;
  }

  int depth_ = 0;
  bool not_object_ = false;
  std::optional<size_t> error_position_;
  std::string error_description_;
};

class RequestLineParser {
 public:
  explicit RequestLineParser(absl::string_view line) : line_(line) {}

  absl::StatusOr<Request> Parse(int* error_column) {
    std::optional<LineError> error = ParseWords();
    if (!error) error = BuildRequest();
    if (error) {
      // An offset past the end (a missing word) is a column past the end.
      *error_column = ColumnAt(line_, error->offset) +
                      static_cast<int>(error->offset - std::min(error->offset, line_.size()));
      return absl::InvalidArgumentError(error->message);
    }
    *error_column = 0;
    return std::move(request_);
  }

 private:
  // A JSON object of the line: the args or the context.
  struct Object {
    absl::string_view name;  // "args", "context"
    std::string text;        // from `{` to its `}` (to the end of the line when never closed)
    size_t offset = 0;       // of the `{`
    bool given = false;
  };

  // Where a missing word should have been: at a JSON object's `{` when one follows, else one
  // blank after the text (which may be past the end of the line).
  size_t EndOffset() const {
    if (pos_ < line_.size() && line_[pos_] == '{') return pos_;
    size_t end = line_.size();
    while (end > 0 && IsBlank(line_[end - 1])) --end;
    return end + 1;
  }

  // The next word, without consuming it; none at the end of the line or at a `{`.
  std::optional<Word> PeekWord() const {
    const size_t pos = SkipBlanks(line_, pos_);
    if (pos >= line_.size() || line_[pos] == '{') return std::nullopt;
    return ScanWord(line_, pos);
  }

  std::optional<Word> NextWord() {
    std::optional<Word> word = PeekWord();
    pos_ = word ? word->end : SkipBlanks(line_, pos_);
    return word;
  }

  static Object NamedObject(absl::string_view name) {
    Object object;
    object.name = name;
    return object;
  }

  // `args` or `context` at `pos`, followed by a blank, a `{` or the end of the line.
  std::optional<Word> KeywordAt(size_t pos) const {
    for (absl::string_view keyword : {kArgs, kContext}) {
      if (!absl::StartsWith(line_.substr(pos), keyword)) continue;
      const size_t end = pos + keyword.size();
      if (end < line_.size() && !IsBlank(line_[end]) && line_[end] != '{') continue;
      Word word;
      word.begin = pos;
      word.end = end;
      word.text = keyword;
      return word;
    }
    return std::nullopt;
  }

  std::optional<LineError> Id(const Word& word, size_t skip, std::string* id) {
    size_t error_offset = 0;
    absl::StatusOr<std::string> decoded = DecodeId(word.text.substr(skip), &error_offset);
    if (!decoded.ok()) {
      return LineError{word.begin + skip + error_offset, std::string(decoded.status().message())};
    }
    *id = *std::move(decoded);
    return std::nullopt;
  }

  std::optional<LineError> Kind(absl::string_view text, size_t offset, std::string* kind) {
    if (ParseSubjectKind(text).has_value()) {
      *kind = std::string(text);
      return std::nullopt;
    }
    return LineError{offset, absl::StrCat("unknown kind `", internal::Abbreviate(text),
                                          "`: expected user, agent or builder",
                                          DidYouMean(text, {"user", "agent", "builder"}))};
  }

  // `PREFIX:ID`; `what` names the prefix in messages ("kind", "resource type").
  std::optional<LineError> Ref(const Word& word, absl::string_view what, absl::string_view example,
                               std::string* prefix, std::string* id) {
    const size_t colon = word.text.find(':');
    const size_t quote = word.text.find('"');
    if (colon == absl::string_view::npos || (quote != absl::string_view::npos && quote < colon)) {
      return LineError{word.begin,
                       absl::StrCat("expected ", what, ":ID, e.g. `", example, "`; found `",
                                    internal::Abbreviate(word.text), "`")};
    }
    *prefix = std::string(word.text.substr(0, colon));
    if (!IsIdentifier(*prefix)) {
      return LineError{word.begin, absl::StrCat("`", internal::Abbreviate(*prefix), "` is not a ",
                                                what, " name")};
    }
    if (colon + 1 == word.text.size()) {
      return LineError{word.end, absl::StrCat("expected an id after `", *prefix, ":`")};
    }
    return Id(word, colon + 1, id);
  }

  std::optional<LineError> ParseWords() {
    // The subject: `KIND ID` or `KIND:ID`.
    std::optional<Word> first = NextWord();
    if (!first) return LineError{pos_, "expected a request: KIND ID ACTION TYPE:ID"};
    if (first->unterminated) return Unterminated(*first);
    if (first->text.find(':') != absl::string_view::npos && first->text.front() != '"') {
      if (auto error = Ref(*first, "kind", "agent:a17", &subject_kind_, &subject_id_)) {
        return error;
      }
      if (auto error = Kind(subject_kind_, first->begin, &subject_kind_)) return error;
    } else {
      if (auto error = Kind(first->text, first->begin, &subject_kind_)) return error;
      std::optional<Word> id = NextWord();
      if (!id) {
        return LineError{EndOffset(), absl::StrCat("expected the id of the ", subject_kind_,
                                                   " after `", subject_kind_, "`")};
      }
      if (id->unterminated) return Unterminated(*id);
      if (auto error = Id(*id, 0, &subject_id_)) return error;
    }

    std::optional<Word> action = NextWord();
    if (!action) return LineError{EndOffset(), "expected an action after the subject"};
    if (!IsIdentifier(action->text)) {
      return LineError{action->begin, absl::StrCat("`", internal::Abbreviate(action->text),
                                                   "` is not an action name")};
    }
    action_ = std::string(action->text);

    std::optional<Word> resource = NextWord();
    if (!resource) {
      return LineError{EndOffset(), "expected the resource after the action: TYPE:ID"};
    }
    if (resource->unterminated) return Unterminated(*resource);
    if (auto error =
            Ref(*resource, "resource type", "tool:search", &resource_type_, &resource_id_)) {
      return error;
    }

    // Then `on_behalf_of KIND:ID...`: the identities up to the end, a `{`, `args` or `context`.
    std::optional<Word> word = PeekWord();
    if (word && word->text == kOnBehalfOf) {
      pos_ = word->end;
      const size_t keyword_end = word->end;
      while ((word = PeekWord()) && !KeywordAt(word->begin)) {
        pos_ = word->end;
        if (word->unterminated) return Unterminated(*word);
        if (word->text == kOnBehalfOf) {
          return LineError{word->begin, "`on_behalf_of` is given once, followed by the chain"};
        }
        if (absl::Status s = CheckChainLength("on_behalf_of", chain_.size() + 1); !s.ok()) {
          return LineError{word->begin, std::string(s.message())};
        }
        std::string kind;
        std::string id;
        if (auto error = Ref(*word, "kind", "user:u3", &kind, &id)) return error;
        if (auto error = Kind(kind, word->begin, &kind)) return error;
        chain_.emplace_back(std::move(kind), std::move(id));
      }
      if (chain_.empty()) {
        const size_t next = SkipBlanks(line_, pos_);
        return LineError{next < line_.size() ? next : keyword_end + 1,
                         "expected the identities after `on_behalf_of`: KIND:ID..."};
      }
    }

    // Then `args {...}` and `context {...}` (or a bare `{...}`, the context), each at most
    // once, in either order.
    while ((pos_ = SkipBlanks(line_, pos_)) < line_.size()) {
      if (line_[pos_] == '{') {
        if (auto error = ReadObject(&context_, pos_)) return error;
        continue;
      }
      const Word part = KeywordAt(pos_).value_or(ScanWord(line_, pos_));
      Object* object = part.text == kArgs ? &args_ : part.text == kContext ? &context_ : nullptr;
      if (object == nullptr) {
        if (part.text == kOnBehalfOf) {
          return LineError{part.begin,
                           chain_.empty()
                               ? "`on_behalf_of` and its chain come before args and context"
                               : "`on_behalf_of` is given once, followed by the chain"};
        }
        return LineError{part.begin, absl::StrCat("unexpected `", internal::Abbreviate(part.text),
                                                  "`: expected ", ExpectedParts())};
      }
      pos_ = SkipBlanks(line_, part.end);
      if (pos_ >= line_.size() || line_[pos_] != '{') {
        return LineError{pos_ < line_.size() ? pos_ : part.end + 1,
                         absl::StrCat("expected a JSON object {...} after `", part.text, "`")};
      }
      if (auto error = ReadObject(object, part.begin)) return error;
    }
    return std::nullopt;
  }

  // What may come next, for messages: the parts of the line not given yet.
  std::string ExpectedParts() const {
    std::vector<std::string> parts;
    if (chain_.empty() && !args_.given && !context_.given) parts.emplace_back("`on_behalf_of`");
    if (!args_.given) parts.emplace_back("`args {...}`");
    if (!context_.given) parts.push_back("`context {...}`");
    if (parts.empty()) return "the end of the line";
    if (parts.size() == 1) return parts[0];
    return absl::StrCat(absl::StrJoin(parts.begin(), parts.end() - 1, ", "), " or ", parts.back());
  }

  LineError Unterminated(const Word& word) {
    return LineError{word.begin + word.text.find('"'), "unterminated string"};
  }

  // The JSON object that starts at the `{` at pos_, into `object`; `part_offset` is where the
  // part begins (its keyword, or the `{` of a bare context), for the error when it repeats.
  std::optional<LineError> ReadObject(Object* object, size_t part_offset) {
    if (object->given) {
      return LineError{part_offset, absl::StrCat("the ", object->name, " is given once")};
    }
    object->given = true;
    object->offset = pos_;
    const size_t end = JsonObjectEnd(line_, pos_);
    if (end == absl::string_view::npos) {
      // Never closed: the JSON parser tells what is wrong with the rest of the line.
      object->text = std::string(absl::StripTrailingAsciiWhitespace(line_.substr(pos_)));
      pos_ = line_.size();
    } else {
      object->text = std::string(line_.substr(pos_, end - pos_));
      pos_ = end;
    }
    ObjectChecker checker;
    nlohmann::json::sax_parse(object->text, &checker);
    if (checker.not_object()) {
      return LineError{object->offset,
                       absl::StrCat("the ", object->name, " must be a JSON object")};
    }
    if (std::optional<size_t> position = checker.error_position()) {
      size_t offset = std::min(object->text.size(), *position > 0 ? *position - 1 : 0);
      // nlohmann stops inside a bad literal (`tru}` at the `}`): point at its start.
      if (absl::StrContains(checker.error_description(), "literal")) {
        while (offset > 0 && absl::ascii_isalnum(object->text[offset - 1])) --offset;
      }
      return LineError{object->offset + offset, absl::StrCat("invalid JSON in the ", object->name,
                                                             ": ", checker.error_description())};
    }
    // What the SAX pass does not check (a repeated key, the depth), reported for this object.
    const RequestLimits limits;
    absl::StatusOr<nlohmann::json> parsed =
        internal::ParseJson(object->text, limits.max_bytes, limits.max_json_depth - 1);
    if (!parsed.ok()) {
      return LineError{object->offset,
                       absl::StrCat("in the ", object->name, ": ", parsed.status().message())};
    }
    return std::nullopt;
  }

  // The checks and conversions of `ward eval` apply to the line as they do to request JSON:
  // the line is written out as request JSON and parsed by ParseRequestJson. The args go in
  // as typed, so that the approval digest covers exactly them.
  std::optional<LineError> BuildRequest() {
    auto ref = [](absl::string_view key1, absl::string_view value1, absl::string_view key2,
                  absl::string_view value2) {
      return absl::StrCat("{\"", key1, "\":", internal::JsonQuote(value1), ",\"", key2,
                          "\":", internal::JsonQuote(value2), "}");
    };
    std::vector<std::string> chain;
    for (const auto& [kind, id] : chain_) chain.push_back(ref("kind", kind, "id", id));
    std::string json =
        absl::StrCat("{\"subject\":", ref("kind", subject_kind_, "id", subject_id_),
                     ",\"action\":", internal::JsonQuote(action_),
                     ",\"resource\":", ref("type", resource_type_, "id", resource_id_));
    if (!chain.empty())
      absl::StrAppend(&json, ",\"on_behalf_of\":[", absl::StrJoin(chain, ","), "]");
    if (context_.given) absl::StrAppend(&json, ",\"context\":", context_.text);
    if (args_.given) absl::StrAppend(&json, ",\"args\":", args_.text);
    absl::StrAppend(&json, "}");
    absl::StatusOr<Request> request = ParseRequestJson(json);
    if (!request.ok()) {
      // Point at the object the message names, if any.
      const absl::string_view message = request.status().message();
      size_t offset = 0;
      if (args_.given && absl::StrContains(message, "args")) {
        offset = args_.offset;
      } else if (context_.given) {
        offset = context_.offset;
      }
      return LineError{offset, std::string(message)};
    }
    request_ = *std::move(request);
    return std::nullopt;
  }

  absl::string_view line_;
  size_t pos_ = 0;
  std::string subject_kind_;
  std::string subject_id_;
  std::string action_;
  std::string resource_type_;
  std::string resource_id_;
  std::vector<std::pair<std::string, std::string>> chain_;
  Object args_ = NamedObject(kArgs);
  Object context_ = NamedObject(kContext);
  Request request_;
};

// The words of `before_cursor` (a JSON object is one word); the last one is the word being
// completed (empty when the text ends in a blank).
std::vector<Word> CompletionWords(absl::string_view before_cursor) {
  std::vector<Word> words;
  size_t pos = SkipBlanks(before_cursor, 0);
  while (pos < before_cursor.size()) {
    words.push_back(ScanWordOrObject(before_cursor, pos));
    pos = SkipBlanks(before_cursor, words.back().end);
  }
  if (words.empty() || words.back().end < before_cursor.size()) {
    Word empty;
    empty.begin = empty.end = before_cursor.size();
    words.push_back(empty);
  }
  return words;
}

void AddMatching(absl::string_view prefix, const std::vector<std::string>& words,
                 std::vector<std::string>* out) {
  for (const std::string& word : words) {
    if (absl::StartsWith(word, prefix)) out->push_back(word);
  }
}

std::vector<std::string> IdentityIds(const CompletionData& data, std::optional<SubjectKind> kind) {
  std::vector<std::string> ids;
  for (const auto& [identity_kind, id] : data.identities) {
    if (!kind || identity_kind == *kind) ids.push_back(QuoteIdIfNeeded(id));
  }
  return ids;
}

std::vector<std::string> IdentityRefs(const CompletionData& data) {
  std::vector<std::string> refs;
  for (const auto& [kind, id] : data.identities) {
    refs.push_back(FormatRef(SubjectKindName(kind), id));
  }
  return refs;
}

std::vector<std::string> Actions(const CompletionData& data) {
  std::vector<std::string> actions;
  if (data.schema != nullptr) {
    for (const auto& [action, types] : data.schema->actions) actions.push_back(action);
  }
  return actions;
}

// `TYPE:ID` of the stored resources the action applies to, and `TYPE:` for the declared
// types without stored resources (an id may still be typed after it).
std::vector<std::string> ResourceRefs(const CompletionData& data, absl::string_view action) {
  auto applies = [&](absl::string_view type) {
    if (data.schema == nullptr) return true;
    auto it = data.schema->actions.find(action);
    return it == data.schema->actions.end() || it->second.count(type) > 0;
  };
  std::vector<std::string> refs;
  std::vector<std::string> types_with_resources;
  for (const auto& [type, id] : data.resources) {
    if (!applies(type)) continue;
    refs.push_back(FormatRef(type, id));
    types_with_resources.push_back(type);
  }
  if (data.schema != nullptr) {
    for (const auto& [type, attributes] : data.schema->resource_types) {
      if (applies(type) && std::find(types_with_resources.begin(), types_with_resources.end(),
                                     type) == types_with_resources.end()) {
        refs.push_back(absl::StrCat(type, ":"));
      }
    }
  }
  return refs;
}

// After the resource: `on_behalf_of` and its identities, then `args` and `context` (each once,
// and only where a JSON object may follow them). `first` is the index of the first word after
// the resource.
void TailCompletions(const std::vector<Word>& words, size_t first, const CompletionData& data,
                     std::vector<std::string>* out) {
  const Word& current = words.back();
  if (absl::StartsWith(current.text, "{")) return;  // inside a JSON object
  bool in_chain = false;
  size_t chain_refs = 0;
  bool args = false;
  bool context = false;
  bool wants_object = false;  // the previous word is `args` or `context`
  for (size_t i = first; i + 1 < words.size(); ++i) {
    const absl::string_view word = words[i].text;
    const bool keyword_before = wants_object;
    wants_object = false;
    if (word == kOnBehalfOf && !in_chain && !args && !context) {
      in_chain = true;
    } else if (word == kArgs || word == kContext) {
      (word == kArgs ? args : context) = true;
      wants_object = true;
      in_chain = false;
    } else if (absl::StartsWith(word, "{")) {
      if (!keyword_before) context = true;  // a bare object is the context
      in_chain = false;
    } else if (in_chain) {
      ++chain_refs;
    } else {
      return;  // the line is wrong here already
    }
  }
  if (wants_object) return;  // a `{` comes next
  const absl::string_view prefix = current.text;
  if (in_chain) {
    AddMatching(prefix, IdentityRefs(data), out);
    if (chain_refs == 0) return;
  } else if (!args && !context && chain_refs == 0) {
    AddMatching(prefix, {std::string(kOnBehalfOf)}, out);
  }
  if (!args) AddMatching(prefix, {std::string(kArgs)}, out);
  if (!context) AddMatching(prefix, {std::string(kContext)}, out);
}

void RequestLineCompletions(const std::vector<Word>& words, const CompletionData& data,
                            std::vector<std::string>* out) {
  const size_t index = words.size() - 1;
  const absl::string_view prefix = words.back().text;
  const std::vector<std::string> kinds = {"agent", "builder", "user"};
  if (index == 0) {
    if (prefix.find(':') != absl::string_view::npos) {
      AddMatching(prefix, IdentityRefs(data), out);
    } else {
      AddMatching(prefix, kinds, out);
    }
    return;
  }
  // Where the action is depends on how the subject was written.
  const bool subject_in_one_word = words[0].text.find(':') != absl::string_view::npos;
  const size_t action_index = subject_in_one_word ? 1 : 2;
  if (!subject_in_one_word && index == 1) {
    AddMatching(prefix, IdentityIds(data, ParseSubjectKind(words[0].text)), out);
  } else if (index == action_index) {
    AddMatching(prefix, Actions(data), out);
  } else if (index == action_index + 1) {
    AddMatching(prefix, ResourceRefs(data, words[action_index].text), out);
  } else if (index >= action_index + 2) {
    TailCompletions(words, action_index + 2, data, out);
  }
}

}  // namespace

absl::StatusOr<Request> ParseRequestLine(absl::string_view line, int* error_column) {
  return RequestLineParser(line).Parse(error_column);
}

std::string QuoteIdIfNeeded(absl::string_view id) {
  const bool bare =
      !id.empty() && id.front() != '{' && std::none_of(id.begin(), id.end(), [](char c) {
        return IsBlank(c) || c == '"' || c == ':' || static_cast<unsigned char>(c) < 0x20;
      });
  return bare ? std::string(id) : internal::JsonQuote(id);
}

std::string FormatRef(absl::string_view kind_or_type, absl::string_view id) {
  return absl::StrCat(kind_or_type, ":", QuoteIdIfNeeded(id));
}

absl::StatusOr<std::vector<std::string>> SplitArguments(absl::string_view text) {
  std::vector<std::string> arguments;
  for (size_t pos = SkipBlanks(text, 0); pos < text.size();) {
    const Word word = ScanWord(text, pos);
    if (word.unterminated) {
      return absl::InvalidArgumentError(
          absl::StrCat("unterminated string in `", internal::Abbreviate(word.text), "`"));
    }
    if (word.text.front() == '"') {
      nlohmann::json value = nlohmann::json::parse(word.text.begin(), word.text.end(), nullptr,
                                                   /*allow_exceptions=*/false);
      if (value.is_discarded() || !value.is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat("`", internal::Abbreviate(word.text), "` is not one JSON string"));
      }
      arguments.push_back(value.get<std::string>());
    } else {
      arguments.emplace_back(word.text);
    }
    pos = SkipBlanks(text, word.end);
  }
  return arguments;
}

std::string QuoteArgument(absl::string_view argument) {
  const bool bare = !argument.empty() && argument.front() != '"' &&
                    std::none_of(argument.begin(), argument.end(), [](char c) {
                      return IsBlank(c) || c == '"' || static_cast<unsigned char>(c) < 0x20;
                    });
  return bare ? std::string(argument) : internal::JsonQuote(argument);
}

bool StartsPolicyText(absl::string_view line) {
  line = absl::StripLeadingAsciiWhitespace(line);
  if (absl::StartsWith(line, "@")) return true;
  size_t end = 0;
  while (end < line.size() && (absl::ascii_isalnum(line[end]) || line[end] == '_')) ++end;
  const absl::string_view word = line.substr(0, end);
  return word == "permit" || word == "forbid" || word == "require_approval" || word == "schema";
}

bool PolicyTextComplete(absl::string_view text) {
  std::vector<LexError> errors;
  std::vector<ast::Comment> comments;
  const std::vector<Token> tokens = Tokenize(text, &errors, &comments);
  // A block comment that is not closed runs to the end of the text; more lines may close it.
  for (const ast::Comment& comment : comments) {
    if (absl::StartsWith(comment.text, "/*") &&
        (comment.text.size() < 4 || !absl::EndsWith(comment.text, "*/"))) {
      return false;
    }
  }
  if (!errors.empty()) return true;
  int depth = 0;
  TokenKind last = TokenKind::kEof;
  for (const Token& token : tokens) {
    switch (token.kind) {
      case TokenKind::kLeftBrace:
      case TokenKind::kLeftParen:
      case TokenKind::kLeftBracket:
        ++depth;
        break;
      case TokenKind::kRightBrace:
      case TokenKind::kRightParen:
      case TokenKind::kRightBracket:
        --depth;
        break;
      default:
        break;
    }
    if (token.kind != TokenKind::kEof) last = token.kind;
  }
  // A closing bracket too many is an error that more lines cannot mend.
  if (depth < 0) return true;
  return depth == 0 && (last == TokenKind::kSemicolon || last == TokenKind::kRightBrace);
}

int ColumnAt(absl::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int column = 1;
  for (size_t i = 0; i < offset; ++i) {
    // Continuation bytes of a UTF-8 sequence do not start a character.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

Completion Complete(absl::string_view before_cursor, const CompletionData& data) {
  const std::vector<Word> words = CompletionWords(before_cursor);
  Completion completion;
  completion.word_start = words.back().begin;
  const absl::string_view prefix = words.back().text;
  std::vector<std::string>& out = completion.candidates;
  const size_t index = words.size() - 1;

  if (absl::StartsWith(words[0].text, ":") || (index == 0 && prefix.empty())) {
    if (index == 0) {
      AddMatching(prefix, data.commands, &out);
      // An empty line may also start a request.
      if (prefix.empty()) AddMatching(prefix, {"agent", "builder", "user"}, &out);
    } else {
      const absl::string_view command = words[0].text;
      if (command == ":whynot" && index == 1) {
        std::vector<std::string> rules;
        for (const std::string& rule : data.rules) rules.push_back(QuoteArgument(rule));
        AddMatching(prefix, rules, &out);
      } else if (command == ":revoke" && index == 1) {
        AddMatching(prefix, IdentityIds(data, std::nullopt), &out);
      } else if (command == ":approve" && index == 1) {
        AddMatching(prefix, IdentityIds(data, SubjectKind::kUser), &out);
      } else if (command == ":set" && index == 1) {
        AddMatching(prefix, {"identity"}, &out);
      } else if ((command == ":load" ||
                  ((command == ":entities" || command == ":test") && index == 1)) &&
                 data.list_files) {
        out = data.list_files(prefix);
      }
    }
  } else {
    RequestLineCompletions(words, data, &out);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() == 1 && (absl::EndsWith(out[0], "/") || absl::EndsWith(out[0], ":"))) {
    completion.append_blank = false;
  }
  return completion;
}

std::string CommonPrefix(const std::vector<std::string>& words) {
  if (words.empty()) return "";
  size_t length = words[0].size();
  for (const std::string& word : words) {
    size_t i = 0;
    while (i < length && i < word.size() && word[i] == words[0][i]) ++i;
    length = i;
  }
  // Never cut a UTF-8 sequence in two.
  while (length > 0 && length < words[0].size() &&
         (static_cast<unsigned char>(words[0][length]) & 0xC0) == 0x80) {
    --length;
  }
  return words[0].substr(0, length);
}

}  // namespace ward::cli
