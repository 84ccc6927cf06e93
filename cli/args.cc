#include "cli/args.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ward::cli {

std::string ParsedArgs::Get(absl::string_view name, absl::string_view fallback) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::string(fallback);
  return it->second.back();
}

const std::vector<std::string>& ParsedArgs::GetAll(absl::string_view name) const {
  static const std::vector<std::string>* const kEmpty = new std::vector<std::string>();
  auto it = values.find(name);
  return it == values.end() ? *kEmpty : it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<OptionSpec>& specs) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg == "-" || !absl::StartsWith(arg, "-")) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    std::string name;
    if (absl::StartsWith(arg, "--")) {
      name = arg.substr(2);
    } else {
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) {
        return arg.size() == 2 && s.short_name != 0 && s.short_name == arg[1];
      });
      if (spec == specs.end()) {
        return absl::InvalidArgumentError(absl::StrCat("unknown option `", arg, "`"));
      }
      name = spec->name;
    }
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option `--", name, "`"));
    }
    std::string value;
    if (spec->value_name.empty()) {
      if (inline_value) {
        return absl::InvalidArgumentError(absl::StrCat("`--", name, "` takes no value"));
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("`--", name, "` needs a value (", spec->value_name, ")"));
    }
    auto& slot = parsed.values[name];
    if (!slot.empty() && !spec->repeatable) {
      return absl::InvalidArgumentError(absl::StrCat("`--", name, "` given more than once"));
    }
    slot.push_back(std::move(value));
  }
  return parsed;
}

std::string UsageText(absl::string_view subcommand, absl::string_view synopsis,
                      absl::string_view summary, const std::vector<OptionSpec>& specs) {
  std::string text = absl::StrCat("Usage: ward ", subcommand, " ", synopsis, "\n\n", summary, "\n");
  if (specs.empty()) return text;
  absl::StrAppend(&text, "\nOptions:\n");
  size_t width = 0;
  std::vector<std::string> heads;
  for (const OptionSpec& spec : specs) {
    std::string head = absl::StrCat("--", spec.name);
    if (!spec.value_name.empty()) absl::StrAppend(&head, " ", spec.value_name);
    width = std::max(width, head.size());
    heads.push_back(std::move(head));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    absl::StrAppend(&text, "  ", heads[i], std::string(width - heads[i].size() + 2, ' '),
                    specs[i].help, specs[i].repeatable ? " (repeatable)" : "", "\n");
  }
  return text;
}

}  // namespace ward::cli
