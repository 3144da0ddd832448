#include "policy-schema/manifest.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy-schema/decode.h"
#include "policy-schema/defaults.h"
#include "policy-schema/status_macros.h"
#include "policy-schema/validation.h"

namespace podwall::schema {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  if (path == "-") {
    std::ostringstream out;
    out << std::cin.rdbuf();
    return out.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

int SourcedObject::line() const {
  return locator ? locator->Locate(FieldPath()).line : 0;
}

bool IsEditorTemporary(std::string_view name) {
  if (name.empty()) return true;
  if (name.front() == '.' || name.front() == '#') return true;  // .x.swp, #x#
  if (name.back() == '~') return true;
  if (name == "4913") return true;  // vim's write-permission probe.
  for (std::string_view suffix : {".swp", ".swx", ".tmp", ".bak"}) {
    if (name.ends_with(suffix)) return true;
  }
  return false;
}

bool IsManifestFileName(std::string_view name) {
  if (IsEditorTemporary(name)) return false;
  return name.ends_with(".yaml") || name.ends_with(".yml") ||
         name.ends_with(".json");
}

absl::StatusOr<ManifestSet> ParseManifests(std::string_view text,
                                           std::string_view source) {
  ASSIGN_OR_RETURN(DecodeResult decoded, DecodeManifest(text, source));
  ManifestSet set;
  set.warnings = std::move(decoded.warnings);
  std::vector<std::string> errors;
  for (DecodedObject& d : decoded.objects) {
    ApplyDefaults(d.object);
    FieldErrors errs = ValidateObject(d.object);
    if (!errs.empty()) {
      errors.push_back(FormatFieldErrors(source, *d.locator, errs));
      continue;
    }
    for (const auto& [path, why] : UnenforcedFields(d.object)) {
      set.warnings.push_back(absl::StrCat(std::string(source), ":",
                                          d.locator->Locate(path).line, ": ",
                                          path.str(), ": ", why));
    }
    set.objects.push_back(
        {std::move(d.object), std::string(source), std::move(d.locator)});
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return set;
}

absl::StatusOr<std::vector<std::string>> ExpandManifestPaths(
    const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (path == "-" || !fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const fs::path& p = entry.path();
      if (!entry.is_regular_file(ec) ||
          !IsManifestFileName(p.filename().string())) {
        continue;
      }
      found.push_back(p.string());
    }
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot list directory: ", ec.message()));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

absl::StatusOr<ManifestSet> LoadManifestFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadAll(path));
  return ParseManifests(text, path == "-" ? "<stdin>" : path);
}

absl::StatusOr<ManifestSet> LoadManifests(
    const std::vector<std::string>& paths) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandManifestPaths(paths));
  ManifestSet all;
  std::vector<std::string> errors;
  // kind, namespace, name -> first definition.
  std::map<std::tuple<std::string, std::string, std::string>,
           const SourcedObject*>
      seen;
  std::vector<ManifestSet> per_file;
  per_file.reserve(files.size());
  for (const std::string& file : files) {
    absl::StatusOr<ManifestSet> set = LoadManifestFile(file);
    if (!set.ok()) {
      errors.push_back(std::string(set.status().message()));
      continue;
    }
    per_file.push_back(*std::move(set));
  }
  for (ManifestSet& set : per_file) {
    for (SourcedObject& o : set.objects) {
      const ObjectMeta& meta = MetadataOf(o.object);
      auto [it, inserted] = seen.try_emplace(
          std::make_tuple(KindName(o.object), meta.namespace_, meta.name), &o);
      if (!inserted) {
        const SourcedObject& first = *it->second;
        errors.push_back(absl::StrCat(
            o.source, ":", o.line(), ": ", KindName(o.object), " ",
            meta.namespace_.empty() ? "" : absl::StrCat(meta.namespace_, "/"),
            meta.name, " is already defined at ", first.source, ":",
            first.line()));
      }
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  for (ManifestSet& set : per_file) {
    for (auto& w : set.warnings) all.warnings.push_back(std::move(w));
    for (auto& o : set.objects) all.objects.push_back(std::move(o));
  }
  return all;
}

}  // namespace podwall::schema
