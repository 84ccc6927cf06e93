#include "ward/bundle.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lib/internal/crypto.h"
#include "lib/internal/files.h"
#include "lib/internal/json_util.h"
#include "lib/internal/policy_access.h"
#include "lib/internal/program.h"
#include "lib/proto/bundle.pb.h"
#include "ward/errors.h"

namespace ward {
namespace {

using internal::Program;

namespace pb = ::ward::bundle;

// ---- Writing ----

void WriteAttributes(const AttributeSpecs& attributes,
                     google::protobuf::RepeatedPtrField<pb::Attribute>* out) {
  for (const auto& [name, spec] : attributes) {
    pb::Attribute* attribute = out->Add();
    attribute->set_name(name);
    attribute->set_type(static_cast<pb::Type>(spec.type));
    attribute->set_optional(spec.optional);
    for (const std::string& member : spec.members) attribute->add_members(member);
  }
}

void WriteSchema(const Schema& schema, pb::Schema* out) {
  WriteAttributes(schema.subject_attributes[0], out->mutable_user());
  WriteAttributes(schema.subject_attributes[1], out->mutable_agent());
  WriteAttributes(schema.subject_attributes[2], out->mutable_builder());
  for (const auto& [name, attributes] : schema.resource_types) {
    pb::ResourceType* type = out->add_resource_types();
    type->set_name(name);
    WriteAttributes(attributes, type->mutable_attributes());
  }
  for (const auto& [name, types] : schema.actions) {
    pb::Action* action = out->add_actions();
    action->set_name(name);
    for (const std::string& type : types) action->add_resource_types(type);
  }
  WriteAttributes(schema.context, out->mutable_context());
  WriteAttributes(schema.args, out->mutable_args());
}

void WriteLiteral(const Value& value, pb::Literal* out) {
  switch (value.kind()) {
    case Value::Kind::kString:
      out->set_string_value(value.string_value());
      break;
    case Value::Kind::kInt:
      out->set_int_value(value.int_value());
      break;
    case Value::Kind::kBool:
      out->set_bool_value(value.bool_value());
      break;
    case Value::Kind::kTimestamp: {
      const absl::Time time = value.timestamp_value();
      const int64_t seconds = absl::ToUnixSeconds(time);
      out->set_timestamp_seconds(seconds);
      out->set_timestamp_nanos(
          static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
      break;
    }
    case Value::Kind::kStringSet:
      for (const std::string& item : value.string_set()) {
        out->mutable_string_set()->add_items(item);
      }
      out->mutable_string_set();  // an empty set is still a set
      break;
    case Value::Kind::kIntSet:
      for (int64_t item : value.int_set()) out->mutable_int_set()->add_items(item);
      out->mutable_int_set();
      break;
    case Value::Kind::kOpaque:
      break;  // literals are never opaque
  }
}

void WriteKey(const internal::IndexKey& key, pb::IndexKey* out) {
  out->set_kind_action(key.kind_action);
  out->set_resource_type(key.resource_type);
  out->set_subject(key.subject);
  out->set_resource(key.resource);
}

void WriteList(internal::RuleList list, pb::RuleList* out) {
  out->set_begin(list.begin);
  out->set_size(list.size);
}

auto KeyTuple(const internal::IndexKey& key) {
  return std::make_tuple(key.kind_action, key.resource_type, key.subject, key.resource);
}

// What WriteProgram writes: everything, or (for the program's hash) only what decides, without
// where each rule was written.
enum class ProgramPart { kAll, kMeaning };

pb::Program WriteProgram(const Program& program, ProgramPart part = ProgramPart::kAll) {
  pb::Program out;
  WriteSchema(program.schema, out.mutable_schema());
  for (const std::string& symbol : program.symbols) out.add_symbols(symbol);
  for (const internal::ProgramRule& rule : program.rules) {
    pb::Rule* r = out.add_rules();
    r->set_name(rule.name);
    if (part == ProgramPart::kAll) {
      r->set_source(rule.source);
      r->set_line(rule.line);
    }
    r->set_effect(static_cast<uint32_t>(rule.effect));
    r->set_when_begin(rule.when.begin);
    r->set_when_end(rule.when.end);
    r->set_unless_begin(rule.unless.begin);
    r->set_unless_end(rule.unless.end);
    r->set_when_text(rule.when_text);
    r->set_unless_text(rule.unless_text);
    r->set_head_text(rule.head_text);
    r->set_shadow(rule.shadow);
    for (const Redaction& redaction : rule.obligations.redact) {
      pb::Redaction* entry = r->add_redact();
      entry->set_pattern(redaction.pattern);
      entry->set_replacement(redaction.replacement);
    }
    for (const auto& [name, value] : rule.obligations.limits) {
      pb::Limit* limit = r->add_limits();
      limit->set_name(name);
      limit->set_value(value);
    }
    r->set_log(static_cast<uint32_t>(rule.obligations.log));
  }
  for (const internal::Instruction& instruction : program.code) {
    out.add_code_ops(static_cast<uint32_t>(instruction.op));
    out.add_code_args(instruction.arg);
  }
  for (const Value& literal : program.literals) WriteLiteral(literal, out.add_literals());
  for (const internal::AttributeRef& ref : program.attributes) {
    pb::AttributeRef* a = out.add_attributes();
    a->set_root(static_cast<uint32_t>(ref.root));
    a->set_name(ref.name);
    a->set_type(static_cast<pb::Type>(ref.type));
    a->set_builtin(static_cast<uint32_t>(ref.builtin));
    for (int32_t slot : ref.kind_slot) a->add_kind_slot(slot);
    a->set_slot(ref.slot);
  }
  for (const std::string& pattern : program.regex_patterns) out.add_regex_patterns(pattern);
  for (uint32_t rule : program.rule_lists) out.add_rule_lists(rule);

  // Hash maps are written in key order, so that the bytes do not depend on hashing.
  std::vector<std::pair<internal::IndexKey, internal::RuleList>> exact(program.exact.begin(),
                                                                       program.exact.end());
  std::sort(exact.begin(), exact.end(),
            [](const auto& a, const auto& b) { return KeyTuple(a.first) < KeyTuple(b.first); });
  for (const auto& [key, list] : exact) {
    pb::ExactEntry* entry = out.add_exact();
    WriteKey(key, entry->mutable_key());
    WriteList(list, entry->mutable_rules());
  }
  std::vector<const internal::IndexKey*> selector_keys;
  for (const auto& [key, index] : program.selectors) selector_keys.push_back(&key);
  std::sort(selector_keys.begin(), selector_keys.end(),
            [](const auto* a, const auto* b) { return KeyTuple(*a) < KeyTuple(*b); });
  for (const internal::IndexKey* key : selector_keys) {
    const internal::SelectorIndex& index = program.selectors.at(*key);
    pb::SelectorEntry* entry = out.add_selectors();
    WriteKey(*key, entry->mutable_key());
    for (const auto& [prefix, list] : index.prefixes) {
      pb::PrefixEntry* p = entry->add_prefixes();
      p->set_prefix(prefix);
      WriteList(list, p->mutable_rules());
    }
    for (const auto& [regex, list] : index.patterns) {
      pb::PatternEntry* p = entry->add_patterns();
      p->set_regex(regex);
      WriteList(list, p->mutable_rules());
    }
  }
  std::vector<std::pair<uint64_t, internal::BucketInfo>> buckets(program.buckets.begin(),
                                                                 program.buckets.end());
  std::sort(buckets.begin(), buckets.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, info] : buckets) {
    pb::BucketEntry* entry = out.add_buckets();
    entry->set_key(key);
    for (uint8_t flags : info.flags) entry->add_flags(flags);
  }
  for (const std::string& type : program.path_resource_types) out.add_path_resource_types(type);
  if (part == ProgramPart::kAll) out.set_hash(program.hash);
  return out;
}

// ---- Reading, with every index checked ----

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("invalid bundle: ", what));
}

absl::Status ReadType(pb::Type type, Type* out) {
  if (type < pb::TYPE_STRING || type > pb::TYPE_INT_SET) return Corrupt("unknown attribute type");
  *out = static_cast<Type>(type);
  return absl::OkStatus();
}

// `always_optional` for context and args entries, which a request may always leave out.
absl::Status ReadAttributes(const google::protobuf::RepeatedPtrField<pb::Attribute>& in,
                            bool always_optional, AttributeSpecs* out) {
  for (const pb::Attribute& attribute : in) {
    AttributeSpec spec;
    if (absl::Status s = ReadType(attribute.type(), &spec.type); !s.ok()) return s;
    spec.optional = always_optional || attribute.optional();
    spec.members.assign(attribute.members().begin(), attribute.members().end());
    if (!spec.members.empty() && spec.type != Type::kString) {
      return Corrupt("enum members on an attribute that is not a string");
    }
    // Membership tests binary-search the members.
    if (!std::is_sorted(spec.members.begin(), spec.members.end()) ||
        std::adjacent_find(spec.members.begin(), spec.members.end()) != spec.members.end()) {
      return Corrupt("enum members not sorted and unique");
    }
    if (!out->emplace(attribute.name(), std::move(spec)).second) {
      return Corrupt("duplicate attribute");
    }
  }
  return absl::OkStatus();
}

absl::Status ReadSchema(const pb::Schema& in, Schema* out) {
  if (absl::Status s = ReadAttributes(in.user(), false, &out->subject_attributes[0]); !s.ok())
    return s;
  if (absl::Status s = ReadAttributes(in.agent(), false, &out->subject_attributes[1]); !s.ok())
    return s;
  if (absl::Status s = ReadAttributes(in.builder(), false, &out->subject_attributes[2]); !s.ok()) {
    return s;
  }
  for (const pb::ResourceType& type : in.resource_types()) {
    auto [it, added] = out->resource_types.try_emplace(type.name());
    if (!added) return Corrupt("duplicate resource type");
    if (absl::Status s = ReadAttributes(type.attributes(), false, &it->second); !s.ok()) return s;
  }
  for (const pb::Action& action : in.actions()) {
    auto [it, added] = out->actions.try_emplace(action.name());
    if (!added) return Corrupt("duplicate action");
    for (const std::string& type : action.resource_types()) it->second.insert(type);
  }
  if (absl::Status s = ReadAttributes(in.context(), true, &out->context); !s.ok()) return s;
  return ReadAttributes(in.args(), true, &out->args);
}

absl::StatusOr<Value> ReadLiteral(const pb::Literal& in) {
  switch (in.value_case()) {
    case pb::Literal::kStringValue:
      return Value::String(in.string_value());
    case pb::Literal::kIntValue:
      return Value::Int(in.int_value());
    case pb::Literal::kBoolValue:
      return Value::Bool(in.bool_value());
    case pb::Literal::kTimestampSeconds:
      if (in.timestamp_nanos() < 0 || in.timestamp_nanos() >= 1000000000) {
        return Corrupt("a timestamp literal's nanoseconds out of range");
      }
      return Value::Timestamp(absl::FromUnixSeconds(in.timestamp_seconds()) +
                              absl::Nanoseconds(in.timestamp_nanos()));
    // Sets are written sorted and unique (as Value keeps them), so that reading changes
    // nothing and the bytes of a bundle are the only ones for its program.
    case pb::Literal::kStringSet:
      if (std::adjacent_find(in.string_set().items().begin(), in.string_set().items().end(),
                             std::greater_equal<>()) != in.string_set().items().end()) {
        return Corrupt("a set literal that is not sorted and unique");
      }
      return Value::StringSet({in.string_set().items().begin(), in.string_set().items().end()});
    case pb::Literal::kIntSet:
      if (std::adjacent_find(in.int_set().items().begin(), in.int_set().items().end(),
                             std::greater_equal<>()) != in.int_set().items().end()) {
        return Corrupt("a set literal that is not sorted and unique");
      }
      return Value::IntSet({in.int_set().items().begin(), in.int_set().items().end()});
    case pb::Literal::VALUE_NOT_SET:
      break;
  }
  return Corrupt("a literal without a value");
}

class ProgramReader {
 public:
  ProgramReader(const pb::Program& in, const BundleLoadOptions& options)
      : in_(in), options_(options) {}

  absl::StatusOr<std::shared_ptr<const Program>> Read() {
    auto program = std::make_shared<Program>();
    Program& p = *program;
    if (absl::Status s = ReadSchema(in_.schema(), &p.schema); !s.ok()) return s;
    if (in_.symbols_size() >= (1 << 30)) return Corrupt("too many symbols");
    p.symbols.assign(in_.symbols().begin(), in_.symbols().end());
    p.regex_patterns.assign(in_.regex_patterns().begin(), in_.regex_patterns().end());

    for (const pb::Literal& literal : in_.literals()) {
      absl::StatusOr<Value> value = ReadLiteral(literal);
      if (!value.ok()) return value.status();
      p.literals.push_back(*std::move(value));
    }
    for (const pb::AttributeRef& a : in_.attributes()) {
      internal::AttributeRef ref;
      if (a.root() > static_cast<uint32_t>(internal::Root::kArgs)) {
        return Corrupt("unknown attribute root");
      }
      ref.root = static_cast<internal::Root>(a.root());
      ref.name = a.name();
      if (absl::Status s = ReadType(a.type(), &ref.type); !s.ok()) return s;
      if (a.builtin() > static_cast<uint32_t>(internal::AttributeRef::Builtin::kGroups)) {
        return Corrupt("unknown built-in attribute");
      }
      ref.builtin = static_cast<internal::AttributeRef::Builtin>(a.builtin());
      if (a.kind_slot_size() != kNumSubjectKinds) return Corrupt("attribute slots per kind");
      for (int k = 0; k < kNumSubjectKinds; ++k) {
        const int32_t slot = a.kind_slot(k);
        if (slot < -1 || slot >= static_cast<int32_t>(p.schema.subject_attributes[k].size())) {
          return Corrupt("attribute slot out of range");
        }
        ref.kind_slot[k] = slot;
      }
      ref.slot = a.slot();
      p.attributes.push_back(std::move(ref));
    }
    if (in_.code_ops_size() != in_.code_args_size()) return Corrupt("code");
    for (int i = 0; i < in_.code_ops_size(); ++i) {
      if (in_.code_ops(i) > static_cast<uint32_t>(internal::OpCode::kUnder)) {
        return Corrupt("unknown instruction");
      }
      p.code.push_back({static_cast<internal::OpCode>(in_.code_ops(i)), in_.code_args(i)});
    }
    for (const pb::Rule& r : in_.rules()) {
      internal::ProgramRule rule;
      rule.name = r.name();
      rule.source = r.source();
      rule.line = r.line();
      if (r.effect() > static_cast<uint32_t>(internal::RuleEffect::kRequireApproval)) {
        return Corrupt("unknown rule effect");
      }
      rule.effect = static_cast<internal::RuleEffect>(r.effect());
      rule.when = {r.when_begin(), r.when_end()};
      rule.unless = {r.unless_begin(), r.unless_end()};
      rule.when_text = r.when_text();
      rule.unless_text = r.unless_text();
      rule.head_text = r.head_text();
      rule.shadow = r.shadow();
      for (const pb::Redaction& redaction : r.redact()) {
        rule.obligations.redact.push_back({redaction.pattern(), redaction.replacement(), nullptr});
      }
      for (const pb::Limit& limit : r.limits()) {
        rule.obligations.limits.emplace_back(limit.name(), limit.value());
      }
      if (r.log() > static_cast<uint32_t>(LogLevel::kFull)) return Corrupt("unknown log level");
      rule.obligations.log = static_cast<LogLevel>(r.log());
      p.rules.push_back(std::move(rule));
    }
    for (uint32_t rule : in_.rule_lists()) {
      if (rule >= p.rules.size()) return Corrupt("rule index out of range");
      p.rule_lists.push_back(rule);
    }
    for (const pb::ExactEntry& entry : in_.exact()) {
      internal::IndexKey key;
      if (absl::Status s = ReadKey(p, entry.key(), true, &key); !s.ok()) return s;
      absl::StatusOr<internal::RuleList> list = ReadList(p, entry.rules());
      if (!list.ok()) return list.status();
      if (!p.exact.emplace(key, *list).second) return Corrupt("duplicate index key");
    }
    for (const pb::SelectorEntry& entry : in_.selectors()) {
      internal::IndexKey key;
      if (absl::Status s = ReadKey(p, entry.key(), false, &key); !s.ok()) return s;
      internal::SelectorIndex index;
      for (const pb::PrefixEntry& prefix : entry.prefixes()) {
        absl::StatusOr<internal::RuleList> list = ReadList(p, prefix.rules());
        if (!list.ok()) return list.status();
        if (!index.prefixes.empty() && index.prefixes.back().first >= prefix.prefix()) {
          return Corrupt("prefixes out of order");
        }
        index.prefixes.emplace_back(prefix.prefix(), *list);
      }
      for (const pb::PatternEntry& pattern : entry.patterns()) {
        if (pattern.regex() >= p.regex_patterns.size()) return Corrupt("regex out of range");
        absl::StatusOr<internal::RuleList> list = ReadList(p, pattern.rules());
        if (!list.ok()) return list.status();
        index.patterns.push_back({pattern.regex(), *list});
      }
      index.Finish();
      if (!p.selectors.emplace(key, std::move(index)).second) {
        return Corrupt("duplicate index key");
      }
    }
    for (const pb::BucketEntry& entry : in_.buckets()) {
      if (entry.flags_size() != 3) return Corrupt("bucket flags");
      internal::BucketInfo info;
      for (int i = 0; i < 3; ++i) {
        if (entry.flags(i) > 7) return Corrupt("bucket flags");
        info.flags[i] = static_cast<uint8_t>(entry.flags(i));
      }
      p.buckets[entry.key()] = info;
    }
    for (const std::string& type : in_.path_resource_types()) {
      if (!p.schema.resource_types.count(type)) return Corrupt("path type is not a resource type");
      if (!p.path_resource_types.empty() && p.path_resource_types.back() >= type) {
        return Corrupt("path types out of order");
      }
      p.path_resource_types.push_back(type);
    }
    // Nothing interprets the program (its dump and hash, its patterns) before it is verified.
    if (absl::Status s = internal::VerifyProgram(p); !s.ok()) return Corrupt(s.message());
    internal::RegexBudget budget;
    budget.max_count = options_.max_regex_count;
    budget.max_total_bytes = options_.max_total_regex_bytes;
    budget.max_memory_each = options_.max_regex_memory;
    if (absl::Status s = internal::FinishProgram(&p, budget); !s.ok()) {
      return Corrupt(s.message());
    }
    if (p.hash != in_.hash()) {
      return Corrupt(absl::StrFormat(
          "the program's hash is %016x, not the %016x it was written with (written by another "
          "version?)",
          p.hash, in_.hash()));
    }
    return std::shared_ptr<const Program>(std::move(program));
  }

 private:
  absl::Status ReadKey(const Program& p, const pb::IndexKey& in, bool exact,
                       internal::IndexKey* out) {
    const size_t symbols = p.symbols.size();
    if ((in.kind_action() >> 30) >= kNumSubjectKinds) return Corrupt("index key kind");
    const uint32_t selector = in.subject() >> 30;
    if ((in.kind_action() & 0x3fffffff) >= symbols || in.resource_type() >= symbols ||
        selector > 2 || (selector != 0 && (in.subject() & 0x3fffffff) >= symbols)) {
      return Corrupt("index key symbol out of range");
    }
    if (in.resource() != internal::kAllResources && (!exact || in.resource() >= symbols)) {
      return Corrupt("index key resource out of range");
    }
    *out = {in.kind_action(), in.resource_type(), in.subject(), in.resource()};
    return absl::OkStatus();
  }

  absl::StatusOr<internal::RuleList> ReadList(const Program& p, const pb::RuleList& in) {
    if (in.begin() > p.rule_lists.size() || in.size() > p.rule_lists.size() - in.begin()) {
      return Corrupt("rule list out of range");
    }
    // The decider takes a list's rules as they are: in rule order, each once.
    for (uint32_t i = 1; i < in.size(); ++i) {
      if (p.rule_lists[in.begin() + i - 1] >= p.rule_lists[in.begin() + i]) {
        return Corrupt("a rule list out of order or with a rule twice");
      }
    }
    return internal::RuleList{in.begin(), in.size()};
  }

  const pb::Program& in_;
  const BundleLoadOptions& options_;
};

// What a bundle's signature covers: a domain prefix, the format version and the program.
std::string SignedBytes(uint32_t format_version, absl::string_view program) {
  std::string message("ward-bundle-v1");
  message.push_back('\0');
  for (int shift = 0; shift < 32; shift += 8) {
    message.push_back(static_cast<char>((format_version >> shift) & 0xff));
  }
  message.append(program.data(), program.size());
  return message;
}

pb::Bundle Envelope(const Policy& policy) {
  std::string program;
  WriteProgram(internal::ProgramOf(policy)).SerializeToString(&program);
  pb::Bundle bundle;
  bundle.set_format_version(kBundleFormatVersion);
  bundle.set_checksum(internal::Fnv1a64(program));
  bundle.set_program(std::move(program));
  return bundle;
}

std::string Bytes(const pb::Bundle& bundle) {
  std::string bytes;
  bundle.SerializeToString(&bytes);
  return bytes;
}

absl::Status CheckSignature(const pb::Bundle& bundle, const BundleLoadOptions& options) {
  if (options.trusted_keys.empty()) return absl::OkStatus();
  std::vector<internal::Ed25519PublicKey> keys;
  for (size_t i = 0; i < options.trusted_keys.size(); ++i) {
    absl::StatusOr<internal::Ed25519PublicKey> key =
        internal::Ed25519PublicKey::FromPem(options.trusted_keys[i]);
    if (!key.ok()) {
      return WithCategory(absl::InvalidArgumentError(
                              absl::StrCat("trusted key ", i + 1, ": ", key.status().message())),
                          ErrorCategory::kKey);
    }
    keys.push_back(*std::move(key));
  }
  if (bundle.signature().empty()) {
    return absl::PermissionDeniedError(
        "the bundle is not signed, and this loader only accepts bundles signed by a trusted key "
        "(sign it with `ward compile --sign KEY`)");
  }
  for (const internal::Ed25519PublicKey& key : keys) {
    if (key.KeyId() != bundle.key_id()) continue;
    if (key.Verify(SignedBytes(bundle.format_version(), bundle.program()), bundle.signature())) {
      return absl::OkStatus();
    }
    return absl::PermissionDeniedError(
        "the bundle's signature does not verify (the bundle was changed after it was signed)");
  }
  return absl::PermissionDeniedError(
      absl::StrCat("the bundle is signed by a key that is not trusted (key id `",
                   internal::Abbreviate(bundle.key_id(), 32), "`)"));
}

}  // namespace

namespace internal {

namespace {

// Feeds what protobuf serialises straight into a SHA-256, so that hashing a large program never
// holds its serialised bytes.
class HashingOutput : public google::protobuf::io::CopyingOutputStream {
 public:
  explicit HashingOutput(Sha256Stream* hash) : hash_(hash) {}
  bool Write(const void* buffer, int size) override {
    hash_->Update(absl::string_view(static_cast<const char*>(buffer), static_cast<size_t>(size)));
    return true;
  }

 private:
  Sha256Stream* hash_;
};

}  // namespace

uint64_t ProgramHash(const Program& program) {
  Sha256Stream hash;
  HashingOutput output(&hash);
  google::protobuf::io::CopyingOutputStreamAdaptor adaptor(&output);
  {
    google::protobuf::io::CodedOutputStream coded(&adaptor);  // hands back unused room when done
    coded.SetSerializationDeterministic(true);
    WriteProgram(program, ProgramPart::kMeaning).SerializeToCodedStream(&coded);
  }
  adaptor.Flush();
  const std::array<uint8_t, 32> digest = hash.Finish();
  uint64_t first_bytes = 0;
  for (int i = 0; i < 8; ++i) first_bytes = (first_bytes << 8) | digest[i];
  return first_bytes;
}

}  // namespace internal

std::string SerializeBundle(const Policy& policy) { return Bytes(Envelope(policy)); }

absl::StatusOr<std::string> SerializeSignedBundle(const Policy& policy,
                                                  absl::string_view private_key_pem) {
  return WithCategory(
      [&]() -> absl::StatusOr<std::string> {
        absl::StatusOr<internal::Ed25519PrivateKey> key =
            internal::Ed25519PrivateKey::FromPem(private_key_pem);
        if (!key.ok()) return key.status();
        pb::Bundle bundle = Envelope(policy);
        bundle.set_signature(key->Sign(SignedBytes(bundle.format_version(), bundle.program())));
        bundle.set_key_id(key->PublicKey().KeyId());
        return Bytes(bundle);
      }(),
      ErrorCategory::kKey);
}

absl::StatusOr<std::shared_ptr<const Policy>> LoadBundle(absl::string_view bytes,
                                                         const BundleLoadOptions& options) {
  return WithCategory(
      [&]() -> absl::StatusOr<std::shared_ptr<const Policy>> {
        if (bytes.size() > kMaxBundleBytes) {
          return absl::InvalidArgumentError(absl::StrCat("the bundle is ", bytes.size(),
                                                         " bytes; the limit is ", kMaxBundleBytes));
        }
        pb::Bundle bundle;
        if (!bundle.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return Corrupt("not a ward bundle (or truncated)");
        }
        if (absl::Status signed_ok = CheckSignature(bundle, options); !signed_ok.ok())
          return signed_ok;
        if (bundle.format_version() < kOldestReadableBundleFormatVersion ||
            bundle.format_version() > kBundleFormatVersion) {
          return Corrupt(absl::StrCat("format version ", bundle.format_version(),
                                      "; this library reads ", kOldestReadableBundleFormatVersion,
                                      " to ", kBundleFormatVersion));
        }
        if (internal::Fnv1a64(bundle.program()) != bundle.checksum()) {
          return Corrupt("checksum mismatch (truncated or corrupted)");
        }
        pb::Program program;
        if (!program.ParseFromString(bundle.program())) return Corrupt("unreadable program");
        absl::StatusOr<std::shared_ptr<const Program>> loaded =
            ProgramReader(program, options).Read();
        if (!loaded.ok()) return loaded.status();
        return internal::PolicyAccess::FromProgram(*std::move(loaded));
      }(),
      ErrorCategory::kBundle);
}

absl::StatusOr<std::shared_ptr<const Policy>> LoadBundleFile(const std::string& path,
                                                             const BundleLoadOptions& options) {
  absl::StatusOr<std::string> bytes = internal::ReadFile(path, kMaxBundleBytes);
  if (!bytes.ok()) return WithCategory(bytes.status(), ErrorCategory::kIo);
  absl::StatusOr<std::shared_ptr<const Policy>> policy = LoadBundle(*bytes, options);
  if (!policy.ok()) {
    return WithCategory(
        absl::Status(policy.status().code(), absl::StrCat(path, ": ", policy.status().message())),
        CategoryOf(policy.status()));
  }
  return policy;
}

}  // namespace ward
