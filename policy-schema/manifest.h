#ifndef PODWALL_POLICY_SCHEMA_MANIFEST_H_
#define PODWALL_POLICY_SCHEMA_MANIFEST_H_

// The whole path from manifest files to objects podwall can trust: read,
// decode (YAML or JSON by content), default, validate, and reject duplicates.
// A file is all or nothing: any error rejects it whole, and every error is
// reported as `file:line: field.path: message`.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "policy-schema/api_types.h"
#include "policy-schema/decode.h"

namespace podwall::schema {

struct SourcedObject {
  Object object;       // Defaulted and valid.
  std::string source;  // File name as given (or "<stdin>").
  // Finds positions in the source when asked: an error or a warning that
  // names the object pays for it, never every object of a large file.
  std::shared_ptr<const FieldLocator> locator;

  // Where the object starts; 0 if unknown.
  int line() const;
};

struct ManifestSet {
  std::vector<SourcedObject> objects;
  std::vector<std::string> warnings;
};

// Decodes, defaults and validates `text` read from `source`.
// InvalidArgument lists every problem, one per line.
absl::StatusOr<ManifestSet> ParseManifests(std::string_view text,
                                           std::string_view source);

// The files `paths` stand for: files as given ("-" is standard input), and
// for each directory its *.yaml, *.yml and *.json files in name order,
// skipping hidden files and editors' temporaries. Not recursive.
absl::StatusOr<std::vector<std::string>> ExpandManifestPaths(
    const std::vector<std::string>& paths);

// Reads one file (or "-") and parses it.
absl::StatusOr<ManifestSet> LoadManifestFile(const std::string& path);

// Loads every file `paths` expand to. Fails on the first unreadable file or
// any invalid one (listing all problems), and when two files define the same
// kind/namespace/name.
absl::StatusOr<ManifestSet> LoadManifests(
    const std::vector<std::string>& paths);

// True for a file name a directory source reads: a .yaml, .yml or .json
// name that is not an editor's temporary.
bool IsManifestFileName(std::string_view file_name);

// True for names an editor or tool writes beside the real file (".x.swp",
// "x~", "#x#", ".#x", "x.tmp", "4913"): directory sources ignore them.
bool IsEditorTemporary(std::string_view file_name);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_MANIFEST_H_
