#include "lib/internal/index.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/internal/json_util.h"
#include "lib/internal/request_check.h"
#include "re2/re2.h"

namespace ward::internal {
namespace {

class CandidateWalk {
 public:
  CandidateWalk(const Program& program, const IndexQuery& query, std::vector<uint32_t>* candidates)
      : program_(program), query_(query), candidates_(candidates) {}

  void Probe(const IndexKey& key, TracePrincipal* trace) {
    auto it = program_.exact.find(key);
    if (it == program_.exact.end()) return;
    AddList(it->second);
    if (trace != nullptr) {
      trace->path.push_back(
          absl::StrCat(KeyDescription(key), " resource=",
                       key.resource == kAllResources ? "*" : JsonQuote(query_.request->resource.id),
                       " -> ", it->second.size, it->second.size == 1 ? " rule" : " rules"));
    }
  }

  void ProbeSelectors(const IndexKey& key, TracePrincipal* trace) {
    auto it = program_.selectors.find(key);
    if (it == program_.selectors.end()) return;
    const SelectorIndex& index = it->second;
    const absl::string_view id = query_.request->resource.id;
    auto found = [&](absl::string_view prefix, RuleList list) {
      AddList(list);
      if (trace != nullptr) {
        trace->path.push_back(absl::StrCat(KeyDescription(key), " resource=under ",
                                           JsonQuote(prefix), " -> ", list.size, " rules"));
      }
    };
    if (index.prefix_map.empty()) {
      for (const auto& [prefix, list] : index.prefixes) {
        if (IsUnderPath(id, prefix)) found(prefix, list);
      }
    } else {
      // Prefixes match whole segments: only lengths that end at a `/` or at the end of the id.
      for (uint32_t length : index.prefix_lengths) {
        if (length > id.size()) break;
        if (length < id.size() && id[length] != '/') continue;
        auto prefix = index.prefix_map.find(id.substr(0, length));
        if (prefix != index.prefix_map.end()) found(prefix->first, prefix->second);
      }
    }
    for (const auto& [regex, list] : index.patterns) {
      if (!RE2::FullMatch(re2::StringPiece(id.data(), id.size()), *program_.regexes[regex])) {
        continue;
      }
      AddList(list);
      if (trace != nullptr) {
        trace->path.push_back(absl::StrCat(KeyDescription(key), " resource=matching /",
                                           program_.regex_patterns[regex], "/ -> ", list.size,
                                           " rules"));
      }
    }
  }

  std::string KeyDescription(const IndexKey& key) const {
    const auto selector = static_cast<SubjectSelectorKind>(key.subject >> 30);
    const Symbol symbol = key.subject & 0x3fffffff;
    std::string subject = selector == SubjectSelectorKind::kAll  ? "*"
                          : selector == SubjectSelectorKind::kId ? "id "
                                                                 : "group ";
    if (selector != SubjectSelectorKind::kAll) {
      absl::StrAppend(&subject, JsonQuote(program_.symbols[symbol]));
    }
    return absl::StrCat(SubjectKindName(static_cast<SubjectKind>(key.kind_action >> 30)), " ",
                        query_.request->action, " ", query_.request->resource.type,
                        " subject=", subject);
  }

  void AddList(const RuleList& list) {
    const uint32_t* begin = program_.rule_lists.data() + list.begin;
    (*candidates_).insert((*candidates_).end(), begin, begin + list.size);
    ++lists_added_;
  }

  void Run(const IdentityRecord& record, TracePrincipal* trace) {
    candidates_->clear();
    lists_added_ = 0;
    if (query_.action == kNoSymbol || query_.resource_type == kNoSymbol) {
      if (trace != nullptr) trace->path.push_back("the action or resource type is in no rule");
      return;
    }
    const SubjectKind kind = record.kind;
    auto bucket = program_.buckets.find(BucketKey(kind, query_.action, query_.resource_type));
    if (bucket == program_.buckets.end()) {
      if (trace != nullptr) {
        trace->path.push_back(absl::StrCat(SubjectKindName(kind), " ", query_.request->action, " ",
                                           query_.request->resource.type, ": no rules"));
      }
      return;
    }
    const BucketInfo& info = bucket->second;
    const uint32_t kind_action = KindAction(kind, query_.action);
    auto probe_subject = [&](SubjectSelectorKind selector, Symbol symbol) {
      const uint8_t flags = info.flags[static_cast<int>(selector)];
      IndexKey key{kind_action, query_.resource_type, SubjectKey(selector, symbol), kAllResources};
      if (flags & BucketInfo::kAllResources) Probe(key, trace);
      if ((flags & BucketInfo::kResourceIds) && query_.resource != kNoSymbol) {
        IndexKey by_id = key;
        by_id.resource = query_.resource;
        Probe(by_id, trace);
      }
      if (flags & BucketInfo::kSelectors) ProbeSelectors(key, trace);
    };
    if (info.flags[0] != 0) probe_subject(SubjectSelectorKind::kAll, 0);
    if (info.flags[1] != 0 && record.id_symbol != kNoSymbol) {
      probe_subject(SubjectSelectorKind::kId, record.id_symbol);
    }
    if (info.flags[2] != 0) {
      for (Symbol group : record.group_symbols()) probe_subject(SubjectSelectorKind::kGroup, group);
    }
    // Rule index order is name order; a rule under two matching prefixes appears twice.
    // Each list is sorted and without repeats (the compiler writes them so, and the bundle
    // loader refuses any other): one list needs nothing more.
    if (lists_added_ <= 1) return;
    std::sort((*candidates_).begin(), (*candidates_).end());
    (*candidates_)
        .erase(std::unique((*candidates_).begin(), (*candidates_).end()), (*candidates_).end());
  }

 private:
  const Program& program_;
  const IndexQuery& query_;
  std::vector<uint32_t>* candidates_;
  int lists_added_ = 0;  // rule lists added to the candidates
};

}  // namespace

void FindCandidates(const Program& program, const IndexQuery& query, const IdentityRecord& record,
                    std::vector<uint32_t>* candidates, TracePrincipal* trace) {
  CandidateWalk(program, query, candidates).Run(record, trace);
}

}  // namespace ward::internal
