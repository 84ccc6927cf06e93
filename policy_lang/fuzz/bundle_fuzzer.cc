// libFuzzer target: bundles as an attacker could write them (ward/bundle.h). LoadBundle must
// refuse a bundle with an error or load one that the engine can run: never a crash, an
// out-of-bounds read or undefined behaviour, in loading or in deciding.
//
// The custom mutator is structure-aware: it decodes the input as a bundle (or starts from a
// seed, compiled from the examples and the conformance suite), changes the decoded program
// with protobuf reflection (a scalar, an enum or an opcode, an index, a string; an element of
// a repeated field added, removed, duplicated or swapped; an instruction inserted or removed
// with the code ranges and jumps around it kept consistent), and encodes it again with a
// valid checksum and the program hash the loader computes. Neither is a defence, so the
// inputs reach the verifier proper instead of stopping at a checksum.
//
// A loaded bundle decides a handful of requests against entities made from its own schema
// and symbols, so that the conditions run, each into a Decision last used by another engine
// that is gone (Prime): an operand read as a type it does not have reads freed memory.
//
// Seeds: LLVMFuzzerInitialize compiles examples/*/*.ward (one policy per folder), the
// conformance suite's policies and a policy of its own (relative to the working directory,
// the repository root when run by tools/fuzz.sh); with WARD_FUZZ_SEED_DIR set, it writes
// them there as bundle files before the corpus is read.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/program.h"
#include "lib/proto/bundle.pb.h"
#include "nlohmann/json.hpp"
#include "ward/bundle.h"
#include "ward/compile.h"
#include "ward/engine.h"

namespace {

namespace pb = ::ward::bundle;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Rng = std::mt19937_64;

// Every construct the compiler emits code for, in one policy.
constexpr char kOwnPolicy[] = R"(schema {
  user { clearance: int, dept: string, tags: set<string>, codes: set<int>, joined: timestamp,
         active: bool }
  agent { dept: string, scope: set<string>, level: int }
  builder { team: string }
  resource tool { min: int, risk: string, opened: timestamp }
  resource dataset { team: string, level: int }
  action invoke on tool
  action read on dataset
  context { approved: bool, tokens: int, when: timestamp, channel: string }
  args { query: string, count: int }
}
@id("a")
permit user to invoke on tool
  when subject.clearance >= resource.min and subject.dept in ["eng", "hr"]
       and (subject.joined < "2026-01-01T00:00:00Z" or not subject.active)
  unless 3 in subject.codes or subject.tags == [] or subject.codes != [] or 2 in []
  with redact(/(\d{3})-(\d{4})/, "\\2-\\1"), limit(tokens, 100), log(full);
@id("b")
permit agent to invoke on tool matching /t[0-9]+/
  when resource.id in subject.scope and subject.dept matches /e.*/ and subject.id starts_with "a"
  with log(summary);
@id("c")
forbid any to invoke on tool
  when resource.risk == "high" and resource has opened and resource.opened <= now
  unless context has approved and context.approved;
@id("d")
require_approval agent to invoke on tool
  when delegator has clearance and delegator.clearance > 2 and delegator has expires_at
       and delegator.expires_at > now and "2027-01-01T00:00:00Z" > delegator.expires_at
  unless args has count and args.count < 10 and context has channel and context.channel != "x";
@id("e")
permit builder to read on dataset under ["vision/raw", "nlp"]
  when subject.team == resource.team and subject has owner and subject.status == "active"
       and "g" in subject.groups and [1, 2] == [2, 1] and resource.level in [1, 2];
)";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string>& Seeds() {
  static auto* const seeds = new std::vector<std::string>();
  return *seeds;
}

void AddSeed(const std::vector<ward::SourceFile>& sources) {
  absl::StatusOr<std::shared_ptr<const ward::Policy>> policy = ward::CompilePolicy(sources);
  if (policy.ok()) Seeds().push_back(ward::SerializeBundle(**policy));
}

void CompileSeeds() {
  namespace fs = std::filesystem;
  ward::CompileResult own = ward::Compile({{"own.ward", kOwnPolicy}});
  if (own.policy == nullptr) {  // a language change broke it: say so, and go on without it
    std::fprintf(stderr, "bundle_fuzzer: the built-in seed policy does not compile:\n%s\n",
                 ward::FormatDiagnostics(own.diagnostics).c_str());
  } else {
    Seeds().push_back(ward::SerializeBundle(*own.policy));
  }
  std::error_code error;
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator("examples", error)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  for (const fs::path& folder : folders) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      if (entry.path().extension() == ".ward") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<ward::SourceFile> sources;
    for (const std::string& file : files) sources.push_back({file, ReadText(file)});
    if (!sources.empty()) AddSeed(sources);
  }
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator("testdata/conformance", error)) {
    if (entry.path().extension() == ".json") cases.push_back(entry.path().string());
  }
  std::sort(cases.begin(), cases.end());
  for (const std::string& file : cases) {
    const nlohmann::json spec = nlohmann::json::parse(ReadText(file), nullptr, false);
    if (!spec.is_object() || !spec.contains("sources") || spec.contains("expect_compile_errors")) {
      continue;
    }
    std::vector<ward::SourceFile> sources;
    for (const nlohmann::json& source : spec["sources"]) {
      const nlohmann::json& text = source["text"];
      std::string joined;
      if (text.is_string()) {
        joined = text.get<std::string>();
      } else {
        for (const nlohmann::json& line : text) joined += line.get<std::string>() + "\n";
      }
      sources.push_back({source["name"].get<std::string>(), joined});
    }
    AddSeed(sources);
  }
}

// ---- Encoding ----

std::string Encode(const pb::Program& program, pb::Bundle bundle) {
  std::string bytes;
  program.SerializeToString(&bytes);
  bundle.set_checksum(ward::internal::Fnv1a64(bytes));
  bundle.set_program(std::move(bytes));
  std::string out;
  bundle.SerializeToString(&out);
  return out;
}

// Encodes `program`, with the hash the loader computes for it when the loader gets that far.
std::string EncodeWithHash(pb::Program* program, const pb::Bundle& bundle) {
  std::string out = Encode(*program, bundle);
  absl::StatusOr<std::shared_ptr<const ward::Policy>> loaded = ward::LoadBundle(out);
  if (loaded.ok()) return out;
  const std::string message(loaded.status().message());
  const std::string hash_is = "the program's hash is ";
  const size_t at = message.find(hash_is);
  uint64_t hash = 0;
  if (at == std::string::npos ||
      !absl::SimpleHexAtoi(message.substr(at + hash_is.size(), 16), &hash)) {
    return out;
  }
  program->set_hash(hash);
  return Encode(*program, bundle);
}

// ---- Mutations ----

// A value for an integer field: mostly small or near what is there, sometimes a boundary.
int64_t SomeInteger(Rng& rng, int64_t current, int64_t scale) {
  switch (rng() % 8) {
    case 0:  // wraps, as the field's own type would
      return static_cast<int64_t>(static_cast<uint64_t>(current) + 1);
    case 1:
      return static_cast<int64_t>(static_cast<uint64_t>(current) - 1);
    case 2:
      return static_cast<int64_t>(rng() % 8);
    case 3: {
      static constexpr int64_t kBoundaries[] = {0,          -1,         1,
                                                0x7fffffff, 0x3fffffff, 0xfffffffe,
                                                0xffffffff, 1 << 30,    int64_t{1} << 62,
                                                INT64_MIN,  INT64_MAX,  -1000000000};
      return kBoundaries[rng() % (sizeof(kBoundaries) / sizeof(kBoundaries[0]))];
    }
    case 4:
      return static_cast<int64_t>(rng());
    default:
      return scale > 0 ? static_cast<int64_t>(rng() % (scale + 2)) - 1 : 0;
  }
}

bool IsAscii(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Strings worth trying: names the program has, names of built-ins, hostile patterns and
// replacements.
std::string SomeString(Rng& rng, const pb::Program& program, const std::string& current) {
  static const char* const kWords[] = {
      "",           "id",    "owner",  "status",  "expires_at", "groups",  "x",
      "a",          "(",     ".*",     "(a)(b)",  "\\9",        "\\1",     "\\\\",
      "\\pL{50}",   "(?i)k", "[^a]*$", "a{1000}", "\u00e9",     "vision/", "2026-01-01T00:00:00Z",
      "\\b\\d+\\b",
  };
  switch (rng() % 6) {
    case 0:
      return kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
    case 1:
      if (program.symbols_size() > 0) return program.symbols(rng() % program.symbols_size());
      break;
    case 2:
      if (program.attributes_size() > 0) {
        return program.attributes(rng() % program.attributes_size()).name();
      }
      break;
    case 3:
      if (program.rules_size() > 0) return program.rules(rng() % program.rules_size()).name();
      break;
    case 4: {
      // Edits keep the string UTF-8 (protobuf refuses a string field that is not): they
      // change only strings of ASCII, and only into ASCII.
      if (!IsAscii(current)) break;
      std::string out = current;
      const char c = static_cast<char>(' ' + rng() % 95);
      if (!out.empty()) {
        out[rng() % out.size()] = c;
      } else {
        out.push_back(c);
      }
      return out;
    }
    default: {
      if (!IsAscii(current)) break;
      std::string out = current;
      if (!out.empty() && rng() % 2 == 0) {
        out.resize(rng() % out.size());
      } else {
        out += out.empty() ? "y" : out.substr(0, 8);
      }
      return out;
    }
  }
  return current;
}

// A place in the message tree: a singular field, an element of a repeated field, or (index
// -1 with a repeated field) the repeated field as a whole.
struct Location {
  Message* message;
  const FieldDescriptor* field;
  int index;
};

void Collect(Message* message, std::vector<Location>* out, int depth = 0) {
  const Reflection* reflection = message->GetReflection();
  const google::protobuf::Descriptor* descriptor = message->GetDescriptor();
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const FieldDescriptor* field = descriptor->field(f);
    if (field->is_repeated()) {
      out->push_back({message, field, -1});
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (depth < 6)
            Collect(reflection->MutableRepeatedMessage(message, field, i), out, depth + 1);
        } else {
          out->push_back({message, field, i});
        }
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (reflection->HasField(*message, field) && depth < 6) {
        Collect(reflection->MutableMessage(message, field), out, depth + 1);
      } else {
        out->push_back({message, field, -1});  // an absent message, to be set
      }
    } else {
      out->push_back({message, field, -1});
    }
  }
}

// The scale of an integer field: how far its useful values go.
int64_t ScaleOf(const pb::Program& program, const FieldDescriptor* field) {
  const std::string& name = field->name();
  if (name == "code_ops") return 17;
  if (name == "root" || name == "builtin" || name == "effect" || name == "log") return 6;
  if (name == "flags") return 8;
  if (name == "kind_slot" || name == "slot") return 6;
  if (name == "code_args" || name.find("begin") != std::string::npos ||
      name.find("end") != std::string::npos) {
    return program.code_ops_size();
  }
  if (name == "regex") return program.regex_patterns_size();
  if (name == "rule_lists" || name == "size") return program.rules_size();
  return std::max({program.symbols_size(), program.literals_size(), program.attributes_size(),
                   program.rule_lists_size()});
}

void MutateScalar(Rng& rng, const pb::Program& program, const Location& at) {
  Message* message = at.message;
  const Reflection* r = message->GetReflection();
  const FieldDescriptor* field = at.field;
  const bool repeated = at.index >= 0;
  const int64_t scale = ScaleOf(program, field);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const int64_t current =
          repeated ? r->GetRepeatedInt32(*message, field, at.index) : r->GetInt32(*message, field);
      const auto value = static_cast<int32_t>(SomeInteger(rng, current, scale));
      repeated ? r->SetRepeatedInt32(message, field, at.index, value)
               : r->SetInt32(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t current =
          repeated ? r->GetRepeatedInt64(*message, field, at.index) : r->GetInt64(*message, field);
      const int64_t value = SomeInteger(rng, current, scale);
      repeated ? r->SetRepeatedInt64(message, field, at.index, value)
               : r->SetInt64(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const int64_t current = repeated ? r->GetRepeatedUInt32(*message, field, at.index)
                                       : r->GetUInt32(*message, field);
      const auto value = static_cast<uint32_t>(SomeInteger(rng, current, scale));
      repeated ? r->SetRepeatedUInt32(message, field, at.index, value)
               : r->SetUInt32(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const auto current =
          static_cast<int64_t>(repeated ? r->GetRepeatedUInt64(*message, field, at.index)
                                        : r->GetUInt64(*message, field));
      const auto value = static_cast<uint64_t>(SomeInteger(rng, current, scale));
      repeated ? r->SetRepeatedUInt64(message, field, at.index, value)
               : r->SetUInt64(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      repeated ? r->SetRepeatedBool(message, field, at.index,
                                    !r->GetRepeatedBool(*message, field, at.index))
               : r->SetBool(message, field, !r->GetBool(*message, field));
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      // Open enums (proto3): any number, mostly the declared ones.
      const int value = static_cast<int>(rng() % 9) - 1;
      repeated ? r->SetRepeatedEnumValue(message, field, at.index, value)
               : r->SetEnumValue(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string current = repeated ? r->GetRepeatedString(*message, field, at.index)
                                           : r->GetString(*message, field);
      std::string value = SomeString(rng, program, current);
      repeated ? r->SetRepeatedString(message, field, at.index, std::move(value))
               : r->SetString(message, field, std::move(value));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      r->MutableMessage(message, field);  // sets an absent message (a oneof member too)
      break;
    default:
      break;
  }
}

void AddElement(Rng& rng, const pb::Program& program, Message* message,
                const FieldDescriptor* field) {
  const Reflection* r = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      r->AddInt32(message, field,
                  static_cast<int32_t>(SomeInteger(rng, 0, ScaleOf(program, field))));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      r->AddInt64(message, field, SomeInteger(rng, 0, ScaleOf(program, field)));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      r->AddUInt32(message, field,
                   static_cast<uint32_t>(SomeInteger(rng, 0, ScaleOf(program, field))));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      r->AddUInt64(message, field, rng());
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      r->AddBool(message, field, rng() % 2 == 0);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      r->AddEnumValue(message, field, static_cast<int>(rng() % 7));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      r->AddString(message, field, SomeString(rng, program, ""));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      r->AddMessage(message, field);
      break;
    default:
      break;
  }
}

void MutateRepeated(Rng& rng, const pb::Program& program, const Location& at) {
  Message* message = at.message;
  const Reflection* r = message->GetReflection();
  const int size = r->FieldSize(*message, at.field);
  switch (rng() % 4) {
    case 0:  // remove one
      if (size > 0) {
        r->SwapElements(message, at.field, static_cast<int>(rng() % size), size - 1);
        r->RemoveLast(message, at.field);
      }
      break;
    case 1:  // duplicate one, at the end
      if (size > 0 && size < 4096) {
        const int from = static_cast<int>(rng() % size);
        if (at.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          Message* copy = r->AddMessage(message, at.field);
          copy->CopyFrom(r->GetRepeatedMessage(*message, at.field, from));
        } else {
          AddElement(rng, program, message, at.field);
          // Overwrite the new element with a copy of `from` where the type allows it simply.
          if (at.field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
            r->SetRepeatedString(message, at.field, size,
                                 r->GetRepeatedString(*message, at.field, from));
          } else if (at.field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
            r->SetRepeatedUInt32(message, at.field, size,
                                 r->GetRepeatedUInt32(*message, at.field, from));
          }
        }
      }
      break;
    case 2:  // swap two
      if (size > 1) {
        r->SwapElements(message, at.field, static_cast<int>(rng() % size),
                        static_cast<int>(rng() % size));
      }
      break;
    default:  // add a new one
      if (size < 4096) AddElement(rng, program, message, at.field);
      break;
  }
}

bool IsJump(uint32_t op) {
  return op == static_cast<uint32_t>(ward::internal::OpCode::kAnd) ||
         op == static_cast<uint32_t>(ward::internal::OpCode::kOr);
}

// Inserts (or removes) an instruction at `at` in both code arrays, moving the code ranges and
// jump targets past it, so that the program stays consistent but for what the instruction
// itself does to the types.
void InsertInstruction(Rng& rng, pb::Program* p) {
  if (p->code_ops_size() != p->code_args_size()) return;
  const int size = p->code_ops_size();
  const auto at = static_cast<uint32_t>(rng() % (size + 1));
  auto shift = [&](uint32_t value) {
    return value > at || (value == at && rng() % 2) ? value + 1 : value;
  };
  for (pb::Rule& rule : *p->mutable_rules()) {
    const bool when = rule.when_begin() != rule.when_end();
    const bool unless = rule.unless_begin() != rule.unless_end();
    if (when) {
      rule.set_when_begin(rule.when_begin() > at ? rule.when_begin() + 1 : rule.when_begin());
      rule.set_when_end(rule.when_end() >= at ? rule.when_end() + 1 : rule.when_end());
    }
    if (unless) {
      rule.set_unless_begin(rule.unless_begin() > at ? rule.unless_begin() + 1
                                                     : rule.unless_begin());
      rule.set_unless_end(rule.unless_end() >= at ? rule.unless_end() + 1 : rule.unless_end());
    }
  }
  for (int i = 0; i < size; ++i) {
    if (IsJump(p->code_ops(i))) p->set_code_args(i, shift(p->code_args(i)));
  }
  const auto op = static_cast<uint32_t>(rng() % 16);
  uint32_t arg = 0;
  switch (static_cast<ward::internal::OpCode>(op)) {
    case ward::internal::OpCode::kLiteral:
      arg = p->literals_size() > 0 ? rng() % p->literals_size() : 0;
      break;
    case ward::internal::OpCode::kLoad:
    case ward::internal::OpCode::kHas:
      arg = p->attributes_size() > 0 ? rng() % p->attributes_size() : 0;
      break;
    case ward::internal::OpCode::kMatches:
      arg = p->regex_patterns_size() > 0 ? rng() % p->regex_patterns_size() : 0;
      break;
    case ward::internal::OpCode::kAnd:
    case ward::internal::OpCode::kOr:
      arg = at + 1 + static_cast<uint32_t>(rng() % 4);
      break;
    default:
      break;
  }
  p->mutable_code_ops()->Add(op);
  p->mutable_code_args()->Add(arg);
  for (int i = size; i > static_cast<int>(at); --i) {
    p->mutable_code_ops()->SwapElements(i, i - 1);
    p->mutable_code_args()->SwapElements(i, i - 1);
  }
}

void RemoveInstruction(Rng& rng, pb::Program* p) {
  if (p->code_ops_size() != p->code_args_size() || p->code_ops_size() == 0) return;
  const int size = p->code_ops_size();
  const auto at = static_cast<uint32_t>(rng() % size);
  auto shift = [&](uint32_t value) { return value > at ? value - 1 : value; };
  for (pb::Rule& rule : *p->mutable_rules()) {
    rule.set_when_begin(shift(rule.when_begin()));
    rule.set_when_end(shift(rule.when_end()));
    rule.set_unless_begin(shift(rule.unless_begin()));
    rule.set_unless_end(shift(rule.unless_end()));
  }
  for (int i = 0; i < size; ++i) {
    if (IsJump(p->code_ops(i))) p->set_code_args(i, shift(p->code_args(i)));
  }
  for (int i = static_cast<int>(at); i + 1 < size; ++i) {
    p->mutable_code_ops()->SwapElements(i, i + 1);
    p->mutable_code_args()->SwapElements(i, i + 1);
  }
  p->mutable_code_ops()->RemoveLast();
  p->mutable_code_args()->RemoveLast();
}

// Changes one instruction in place: its opcode, its operand, or both.
void ChangeInstruction(Rng& rng, pb::Program* p) {
  if (p->code_ops_size() == 0 || p->code_ops_size() != p->code_args_size()) return;
  const int at = static_cast<int>(rng() % p->code_ops_size());
  if (rng() % 2) p->set_code_ops(at, static_cast<uint32_t>(rng() % 17));
  if (rng() % 2) {
    p->set_code_args(at, static_cast<uint32_t>(SomeInteger(rng, p->code_args(at), 8)));
  }
}

void Mutate(Rng& rng, pb::Program* program) {
  switch (rng() % 8) {
    case 0:
      InsertInstruction(rng, program);
      return;
    case 1:
      RemoveInstruction(rng, program);
      return;
    case 2:
      ChangeInstruction(rng, program);
      return;
    default:
      break;
  }
  std::vector<Location> locations;
  Collect(program, &locations);
  if (locations.empty()) return;
  const Location& at = locations[rng() % locations.size()];
  if (at.field->is_repeated() && at.index < 0) {
    MutateRepeated(rng, *program, at);
  } else {
    MutateScalar(rng, *program, at);
  }
}

// ---- Deciding with a loaded bundle ----

ward::Value ValueOf(ward::Type type, const ward::internal::Program& program, int variant) {
  auto symbol = [&](int i) {
    return program.symbols.empty() ? std::string("x")
                                   : program.symbols[(i + variant) % program.symbols.size()];
  };
  switch (type) {
    case ward::Type::kString:
      return ward::Value::String(symbol(0));
    case ward::Type::kInt:
      return ward::Value::Int(variant % 4);
    case ward::Type::kBool:
      return ward::Value::Bool(variant % 2 == 0);
    case ward::Type::kTimestamp:
      return ward::Value::Timestamp(absl::FromUnixSeconds(1780000000 + 86400 * variant));
    case ward::Type::kStringSet:
      return ward::Value::StringSet({symbol(0), symbol(1), "x"});
    case ward::Type::kIntSet:
      return ward::Value::IntSet({0, variant, 3});
  }
  return ward::Value::Int(0);
}

ward::AttributeMap AttributesOf(const ward::AttributeSpecs& declared,
                                const ward::internal::Program& program, int variant) {
  ward::AttributeMap attributes;
  int i = 0;
  for (const auto& [name, spec] : declared) {
    if ((i++ + variant) % 5 != 4) attributes[name] = ValueOf(spec.type, program, variant + i);
  }
  return attributes;
}

// A policy whose condition leaves views of its entities in the first slots of the decider's
// stack: strings (`text`), sets of strings and sets of ints.
constexpr char kPrimerPolicy[] = R"(schema {
  user { name: string, tags: set<string>, codes: set<int> }
  resource tool {}
  action invoke on tool
}
permit user to invoke on tool
  when ((subject.name in subject.tags) == (3 in subject.codes))
       == ((3 in subject.codes) == (subject.name in subject.tags));
)";

// Decides into `decision` with an engine of its own that is gone when this returns: the
// decider's stack in `decision` keeps views of that engine's entities, freed when `decision`
// is next decided into by another engine. Code that reads an operand as a type it does not
// have (a type confusion the verifier missed) then reads freed memory, and AddressSanitizer
// says so, instead of the read going unnoticed.
void Prime(ward::Decision* decision) {
  static const std::shared_ptr<const ward::Policy> policy = [] {
    absl::StatusOr<std::shared_ptr<const ward::Policy>> compiled =
        ward::CompilePolicy({{"primer.ward", kPrimerPolicy}});
    if (!compiled.ok()) __builtin_trap();
    return *compiled;
  }();
  ward::EntityStore store;
  ward::Identity user;
  user.id = "primer";
  user.attrs["name"] = ward::Value::String(std::string(48, 'n'));
  user.attrs["tags"] =
      ward::Value::StringSet({std::string(48, 'n'), std::string(40, 't'), std::string(44, 'u')});
  user.attrs["codes"] = ward::Value::IntSet({1, 2, 3});
  store.UpsertIdentity(std::move(user));
  absl::StatusOr<std::unique_ptr<ward::Engine>> engine =
      ward::Engine::Create(policy, std::move(store));
  if (!engine.ok()) __builtin_trap();
  ward::Request request;
  request.subject = {ward::SubjectKind::kUser, "primer"};
  request.action = "invoke";
  request.resource = {"tool", "t", {}};
  request.now = absl::FromUnixSeconds(1780000000);
  (*engine)->Decide(request, decision);
  if (decision->effect != ward::Effect::kAllow) __builtin_trap();
}

void Decide(const std::shared_ptr<const ward::Policy>& policy) {
  const ward::internal::Program& program = ward::internal::ProgramOf(*policy);
  const ward::Schema& schema = policy->schema();
  // Identities: u1, a1 and b1, and one per symbol of the first few, of every kind in turn.
  std::vector<ward::IdentityRef> identities = {{ward::SubjectKind::kUser, "u1"},
                                               {ward::SubjectKind::kAgent, "a1"},
                                               {ward::SubjectKind::kBuilder, "b1"}};
  for (size_t i = 0; i < program.symbols.size() && i < 9; ++i) {
    const std::string& id = program.symbols[i];
    if (id.empty() || id == "u1" || id == "a1" || id == "b1") continue;
    identities.push_back({static_cast<ward::SubjectKind>(i % 3), id});
  }
  ward::EntityStore store;
  std::vector<std::string> seen;
  for (size_t i = 0; i < identities.size(); ++i) {
    if (std::find(seen.begin(), seen.end(), identities[i].id) != seen.end()) continue;
    seen.push_back(identities[i].id);
    ward::Identity identity;
    identity.kind = identities[i].kind;
    identity.id = identities[i].id;
    identity.status = i % 7 == 6 ? ward::IdentityStatus::kRevoked : ward::IdentityStatus::kActive;
    if (identity.kind != ward::SubjectKind::kUser) identity.owner = "u1";
    if (i % 4 == 3) identity.expires_at = absl::FromUnixSeconds(1790000000);
    for (size_t g = 0; g < program.symbols.size() && g < 3; ++g) {
      identity.groups.push_back(program.symbols[(g + i) % program.symbols.size()]);
    }
    std::sort(identity.groups.begin(), identity.groups.end());
    identity.groups.erase(std::unique(identity.groups.begin(), identity.groups.end()),
                          identity.groups.end());
    identity.attrs = AttributesOf(schema.subject_attributes[static_cast<int>(identity.kind)],
                                  program, static_cast<int>(i));
    store.UpsertIdentity(std::move(identity));
  }
  std::vector<std::pair<std::string, std::string>> resources;  // type, id
  int variant = 0;
  for (const auto& [type, declared] : schema.resource_types) {
    if (resources.size() >= 8) break;
    for (const std::string& id :
         {std::string("r1"), program.symbols.empty() ? std::string("r2") : program.symbols[0],
          std::string("vision/raw/x")}) {
      ward::Resource resource;
      resource.type = type;
      resource.id = id;
      resource.attrs = AttributesOf(declared, program, ++variant);
      store.UpsertResource(std::move(resource));
      resources.push_back({type, id});
    }
  }
  absl::StatusOr<std::unique_ptr<ward::Engine>> engine = ward::Engine::Create(policy, store);
  if (!engine.ok()) {
    engine = ward::Engine::Create(policy, ward::EntityStore());
    if (!engine.ok()) return;
  }

  std::vector<std::string> actions;
  for (const auto& [action, types] : schema.actions) actions.push_back(action);
  if (actions.empty()) actions.push_back("invoke");
  for (int n = 0; n < 8; ++n) {
    ward::Request request;
    request.subject = identities[n % identities.size()];
    request.action = actions[n % actions.size()];
    if (!resources.empty()) {
      request.resource.type = resources[n % resources.size()].first;
      request.resource.id = resources[n % resources.size()].second;
    } else {
      request.resource.type = "tool";
      request.resource.id = "t1";
    }
    if (n % 4 == 3) {  // a resource the store does not have, described inline
      request.resource.id = "inline";
      auto type = schema.resource_types.find(request.resource.type);
      if (type != schema.resource_types.end()) {
        request.resource.attrs = AttributesOf(type->second, program, n);
      }
    }
    request.context = AttributesOf(schema.context, program, n);
    request.args = AttributesOf(schema.args, program, n + 1);
    if (request.subject.kind != ward::SubjectKind::kUser) {
      request.on_behalf_of.push_back({ward::SubjectKind::kUser, n % 2 ? "u1" : "nobody"});
    }
    request.now = absl::FromUnixSeconds(1780000000 + 3600 * n);
    ward::Decision decision;
    Prime(&decision);
    (*engine)->Decide(request, &decision);
    (*engine)->Decide(request, &decision);  // into reused storage
    if (decision.ToJson().empty()) __builtin_trap();
    if (n % 2 == 0) {
      ward::Trace trace;
      const ward::Decision explained = (*engine)->Explain(request, &trace);
      if (explained.ToJson().empty()) __builtin_trap();
      (void)trace.ToText();  // (empty for an invalid_request)
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  CompileSeeds();
  if (const char* dir = std::getenv("WARD_FUZZ_SEED_DIR"); dir != nullptr && *dir != '\0') {
    std::filesystem::create_directories(dir);
    for (size_t i = 0; i < Seeds().size(); ++i) {
      std::ofstream(absl::StrCat(dir, "/seed_", i, ".bundle"), std::ios::binary) << Seeds()[i];
    }
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  Rng rng(seed);
  pb::Bundle bundle;
  pb::Program program;
  const bool decoded = bundle.ParseFromArray(data, static_cast<int>(size)) &&
                       program.ParseFromString(bundle.program());
  if ((!decoded || rng() % 64 == 0) && !Seeds().empty()) {
    bundle.ParseFromString(Seeds()[rng() % Seeds().size()]);
    program.ParseFromString(bundle.program());
  }
  bundle.clear_signature();
  bundle.clear_key_id();
  if (rng() % 128 == 0) bundle.set_format_version(static_cast<uint32_t>(rng() % 4));
  const int mutations = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < mutations; ++i) Mutate(rng, &program);
  const std::string out = EncodeWithHash(&program, bundle);
  if (out.size() > max_size) return size;
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::shared_ptr<const ward::Policy>> policy = ward::LoadBundle(bytes);
  if (!policy.ok()) {
    if (policy.status().message().empty()) __builtin_trap();
    return 0;
  }
  // What loads writes a bundle that loads again, as the same program.
  absl::StatusOr<std::shared_ptr<const ward::Policy>> again =
      ward::LoadBundle(ward::SerializeBundle(**policy));
  if (!again.ok() || (*again)->hash() != (*policy)->hash()) __builtin_trap();
  (void)(*policy)->Dump();
  Decide(*policy);
  return 0;
}
