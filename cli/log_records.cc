#include "cli/log_records.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "lib/internal/json_util.h"
#include "ward/value.h"

namespace ward::cli {

bool ForEachLogRecord(
    const std::string& command, const std::string& path, SkippedLines* skipped,
    const std::function<std::optional<std::string>(const nlohmann::json&)>& on_record) {
  FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    absl::FPrintF(stderr, "ward %s: %s: cannot open the file\n", command, path);
    return false;
  }
  // The limits of requests: a line nested deeper is no record, and must not exhaust the stack.
  constexpr size_t kMaxLine = size_t{1} << 20;
  constexpr size_t kMaxDepth = 32;
  ForEachLine(in, kMaxLine, [&](std::optional<absl::string_view> line, size_t number) {
    std::optional<std::string> why;
    if (!line.has_value()) {
      why = absl::StrCat("longer than ", kMaxLine, " bytes");
    } else if (!line->empty()) {
      absl::StatusOr<nlohmann::json> parsed = internal::ParseJson(*line, line->size(), kMaxDepth);
      if (!parsed.ok()) {
        why = absl::StrCat("not JSON: ", parsed.status().message());
      } else if (!parsed->is_object()) {
        why = "not a JSON object";
      } else if (auto version = parsed->find("v"); version == parsed->end() || *version != 1) {
        why = "not a version 1 decision record";
      } else {
        why = on_record(*parsed);
      }
    }
    if (why.has_value() && skipped->count++ == 0) {
      skipped->first = absl::StrCat(path, ":", number, ": ", *why);
    }
  });
  if (in != stdin) std::fclose(in);
  return true;
}

void ReportSkippedLines(const std::string& command, const SkippedLines& skipped) {
  if (skipped.count == 0) return;
  absl::FPrintF(stderr, "ward %s: skipped %d line(s) that are not decision records (%s)\n", command,
                skipped.count, skipped.first);
}

namespace {

std::optional<std::pair<std::string, std::string>> IdentityOf(const nlohmann::json& value) {
  if (!value.is_object()) return std::nullopt;
  auto kind = value.find("kind");
  auto id = value.find("id");
  if (kind == value.end() || id == value.end() || !kind->is_string() || !id->is_string()) {
    return std::nullopt;
  }
  return std::make_pair(kind->get<std::string>(), id->get<std::string>());
}

}  // namespace

std::optional<std::string> ScanActivity(const nlohmann::json& record, ActivityScan* scan) {
  auto time_text = record.find("time");
  if (time_text == record.end() || !time_text->is_string()) return "no `time`";
  absl::StatusOr<absl::Time> time = ParseTimestamp(time_text->get<std::string>());
  if (!time.ok()) return "`time` is not RFC 3339";
  std::optional<std::pair<std::string, std::string>> subject =
      IdentityOf(record.value("subject", nlohmann::json()));
  if (!subject.has_value()) return "no `subject`";
  std::vector<std::pair<std::string, std::string>> principals = {*subject};
  auto chain = record.find("on_behalf_of");
  if (chain != record.end() && chain->is_array()) {
    for (const nlohmann::json& hop : *chain) {
      if (auto identity = IdentityOf(hop)) principals.push_back(*identity);
    }
  }
  std::string tried = record.value("action", std::string());
  if (auto resource = record.find("resource"); resource != record.end() && resource->is_object()) {
    absl::StrAppend(&tried, " ", resource->value("type", std::string()), ":",
                    resource->value("id", std::string()));
  }
  std::optional<std::pair<std::string, std::string>> unknown;
  if (record.value("reason", std::string()) == "unknown_identity") {
    unknown = IdentityOf(record.value("denied_by", nlohmann::json()));
  }
  ++scan->records;
  if (principals.size() > 1) {
    PathSeen& path = scan->paths[principals];
    path.first = std::min(path.first, *time);
    path.last = std::max(path.last, *time);
    ++path.decisions;
    if (record.value("effect", std::string()) == "ALLOW") ++path.allowed;
  }
  for (const auto& principal : principals) {
    Seen& seen = scan->identities[principal];
    seen.first = std::min(seen.first, *time);
    seen.last = std::max(seen.last, *time);
    ++seen.decisions;
    ++seen.tried[tried];
    if (unknown.has_value() && *unknown == principal) seen.named_unknown = true;
  }
  return std::nullopt;
}

bool IsOwnershipPath(const DelegationPath& path, const EntityStore& inventory) {
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Identity* hop = inventory.FindIdentity(path[i].second);
    if (hop == nullptr || SubjectKindName(hop->kind) != path[i].first || !hop->owner.has_value() ||
        *hop->owner != path[i + 1].second) {
      return false;
    }
  }
  return true;
}

std::string PathText(const DelegationPath& path) {
  std::string text;
  for (const auto& [kind, id] : path)
    absl::StrAppend(&text, text.empty() ? "" : " > ", kind, ":", id);
  return text;
}

bool ScanActivityLogs(const std::string& command, const std::vector<std::string>& paths,
                      ActivityScan* scan) {
  for (const std::string& path : paths) {
    const bool read = ForEachLogRecord(command, path, &scan->skipped, [&](const nlohmann::json& r) {
      return ScanActivity(r, scan);
    });
    if (!read) return false;
  }
  return true;
}

std::vector<std::pair<const std::pair<std::string, std::string>*, const Seen*>> ShadowIdentities(
    const ActivityScan& scan, const EntityStore* inventory) {
  std::vector<std::pair<const std::pair<std::string, std::string>*, const Seen*>> shadow;
  for (const auto& [identity, seen] : scan.identities) {
    bool known = !seen.named_unknown;
    if (inventory != nullptr) {
      const Identity* found = inventory->FindIdentity(identity.second);
      known = found != nullptr && SubjectKindName(found->kind) == identity.first;
    }
    if (!known) shadow.emplace_back(&identity, &seen);
  }
  std::stable_sort(shadow.begin(), shadow.end(),
                   [](const auto& a, const auto& b) { return a.second->last > b.second->last; });
  return shadow;
}

std::vector<std::pair<const Identity*, const Seen*>> DormantIdentities(const ActivityScan& scan,
                                                                       const EntityStore& inventory,
                                                                       absl::Time cutoff) {
  std::vector<std::pair<const Identity*, const Seen*>> dormant;
  for (const auto& [id, identity] : inventory.identities()) {
    if (identity.status != IdentityStatus::kActive) continue;
    auto found = scan.identities.find({std::string(SubjectKindName(identity.kind)), id});
    const Seen* seen = found == scan.identities.end() ? nullptr : &found->second;
    if (seen == nullptr || seen->last < cutoff) dormant.emplace_back(&identity, seen);
  }
  std::sort(dormant.begin(), dormant.end(), [](const auto& a, const auto& b) {
    const absl::Time a_last = a.second ? a.second->last : absl::InfinitePast();
    const absl::Time b_last = b.second ? b.second->last : absl::InfinitePast();
    if (a_last != b_last) return a_last < b_last;
    return a.first->id < b.first->id;
  });
  return dormant;
}

}  // namespace ward::cli
