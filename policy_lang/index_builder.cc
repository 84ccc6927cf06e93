#include "policy_lang/index_builder.h"

#include <optional>

namespace ward::internal {

void IndexBuilder::Add(const Rule& rule, uint32_t index) {
  std::vector<SubjectKind> kinds;
  if (rule.subject.subject_kind) {
    kinds.push_back(*rule.subject.subject_kind);
  } else {
    kinds.assign(kAllSubjectKinds.begin(), kAllSubjectKinds.end());
  }
  const Symbol type = Intern(rule.resource_type);
  uint32_t subject = SubjectKey(SubjectSelectorKind::kAll, 0);
  if (rule.subject.kind == SubjectSelector::Kind::kId) {
    subject = SubjectKey(SubjectSelectorKind::kId, Intern(rule.subject.value));
  } else if (rule.subject.kind == SubjectSelector::Kind::kGroup) {
    subject = SubjectKey(SubjectSelectorKind::kGroup, Intern(rule.subject.value));
  }
  std::optional<uint32_t> pattern;
  if (rule.resource.kind == ResourceSelector::Kind::kPattern) {
    pattern = AddRegexPattern(program_, rule.resource.pattern_text);
  }
  for (SubjectKind kind : kinds) {
    for (const std::string& action : rule.actions) {
      const Symbol action_symbol = Intern(action);
      uint8_t& flags = program_->buckets[BucketKey(kind, action_symbol, type)]
                           .flags[static_cast<int>(rule.subject.kind)];
      IndexKey key{KindAction(kind, action_symbol), type, subject, kAllResources};
      switch (rule.resource.kind) {
        case ResourceSelector::Kind::kAll:
          flags |= BucketInfo::kAllResources;
          exact_[key].push_back(index);
          break;
        case ResourceSelector::Kind::kIds:
          flags |= BucketInfo::kResourceIds;
          for (const std::string& id : rule.resource.values) {
            IndexKey by_id = key;
            by_id.resource = Intern(id);
            exact_[by_id].push_back(index);
          }
          break;
        case ResourceSelector::Kind::kPrefixes:
          flags |= BucketInfo::kSelectors;
          for (const std::string& prefix : rule.resource.values) {
            selectors_[key].prefixes[prefix].push_back(index);
          }
          break;
        case ResourceSelector::Kind::kPattern:
          flags |= BucketInfo::kSelectors;
          selectors_[key].patterns.push_back({*pattern, {index}});
          break;
      }
    }
  }
}

RuleList IndexBuilder::AddList(const std::vector<uint32_t>& rules) {
  RuleList list{static_cast<uint32_t>(program_->rule_lists.size()),
                static_cast<uint32_t>(rules.size())};
  program_->rule_lists.insert(program_->rule_lists.end(), rules.begin(), rules.end());
  return list;
}

void IndexBuilder::Finish() {
  for (const auto& [key, rules] : exact_) program_->exact[key] = AddList(rules);
  for (const auto& [key, pending] : selectors_) {
    SelectorIndex& index = program_->selectors[key];
    for (const auto& [prefix, rules] : pending.prefixes) {
      index.prefixes.emplace_back(prefix, AddList(rules));
    }
    for (const auto& [regex, rules] : pending.patterns) {
      index.patterns.push_back({regex, AddList(rules)});
    }
    index.Finish();
  }
  // The index under construction is copied into the program: free it before the hash.
  exact_.clear();
  selectors_.clear();
}

}  // namespace ward::internal
