#ifndef PODWALL_POLICY_SCHEMA_JSON_WRITER_H_
#define PODWALL_POLICY_SCHEMA_JSON_WRITER_H_

// A small streaming JSON writer producing compact, deterministic output
// (keys in the order written). Used for API objects, the IR, status and
// flow records. Not thread-safe; one writer per output string.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace podwall::schema {

class JsonWriter {
 public:
  JsonWriter() = default;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Writes a key inside an object; the next call writes its value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value that is already JSON (another writer's complete output).
  JsonWriter& Raw(std::string_view json);

  // The text written so far; complete once every Begin has its End.
  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true once it holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Re-indents compact JSON (as JsonWriter writes it) with two spaces per
// level, one member or element per line; empty containers stay "{}"/"[]".
// For humans and golden files.
std::string PrettyJson(std::string_view compact);

// UTC time as RFC 3339 with microseconds ("2026-11-22T13:45:01.123456Z"),
// as flow records, status and logs write it.
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

// Appends `value` as a JSON string literal (quotes included) to `out`.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_JSON_WRITER_H_
