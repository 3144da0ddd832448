// libFuzzer target: arbitrary bytes through the JSON decoder, the manifest
// pipeline and the watch-event decoder.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy-schema/decode.h"
#include "policy-schema/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)podwall::schema::DecodeJson(text, "fuzz.json");
  (void)podwall::schema::ParseManifests(text, "fuzz.json");
  (void)podwall::schema::DecodeWatchEvent(text);
  return 0;
}
