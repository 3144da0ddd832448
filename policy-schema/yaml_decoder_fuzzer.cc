// libFuzzer target: arbitrary bytes through the YAML path of the manifest
// pipeline (decode, default, validate, locate errors). Any crash, leak or
// sanitizer report is a bug.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy-schema/decode.h"
#include "policy-schema/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)podwall::schema::DecodeYaml(text, "fuzz.yaml");
  (void)podwall::schema::ParseManifests(text, "fuzz.yaml");
  return 0;
}
