// Reading the conformance suite (testdata/conformance, format: its README.md), shared by the
// runners of the C++ API and of the C interface. Header-only and free of ward's libraries, so
// that a runner that may use nothing of ward but its public interface can include it.

#ifndef WARD_POLICY_LANG_TESTING_CONFORMANCE_FILES_H_
#define WARD_POLICY_LANG_TESTING_CONFORMANCE_FILES_H_

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "nlohmann/json.hpp"

namespace ward::conformance {

// The names of the *.json files in `dir`, sorted.
inline std::vector<std::string> CaseFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string ReadText(const std::string& path);

// The files listed in `dir`/MANIFEST (one name per line; `#` starts a comment), in order.
// Every runner runs exactly these and checks their number.
inline std::vector<std::string> ManifestFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::istringstream in(ReadText(dir + "/MANIFEST"));
  for (std::string line; std::getline(in, line);) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) files.push_back(line);
  }
  return files;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A source's `text`: a string, or a list of lines (each ended by "\n").
inline std::string SourceText(const nlohmann::json& text) {
  if (text.is_string()) return text.get<std::string>();
  std::string joined;
  for (const nlohmann::json& line : text) joined += line.get<std::string>() + "\n";
  return joined;
}

// Compile errors and warnings are compared as sets of (source, line, column).
using Position = std::tuple<std::string, int, int>;

inline std::set<Position> Positions(const nlohmann::json& list) {
  std::set<Position> positions;
  for (const nlohmann::json& p : list) {
    positions.insert(
        {p.at("source").get<std::string>(), p.at("line").get<int>(), p.at("column").get<int>()});
  }
  return positions;
}

inline std::string Show(const std::set<Position>& positions) {
  std::string out;
  for (const auto& [source, line, column] : positions) {
    out += source + ":" + std::to_string(line) + ":" + std::to_string(column) + " ";
  }
  return out.empty() ? "(none)" : out;
}

// A decision as compared: the contract's keys only (the policy hash is not part of it),
// error messages dropped, `errors` defaulting to [].
inline nlohmann::json Comparable(nlohmann::json decision) {
  decision.erase("policy");
  if (!decision.contains("errors")) decision["errors"] = nlohmann::json::array();
  for (nlohmann::json& error : decision["errors"]) error.erase("message");
  return decision;
}

}  // namespace ward::conformance

#endif  // WARD_POLICY_LANG_TESTING_CONFORMANCE_FILES_H_
