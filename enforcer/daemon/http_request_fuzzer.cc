// libFuzzer target: arbitrary bytes from a control-socket or metrics
// client through the request parser, whole and cut at every length a
// read could end at (the server parses what has arrived so far).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "enforcer/daemon/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t cut = 0; cut <= text.size(); cut += 1 + cut / 4) {
    auto request = podwall::daemon::ParseHttpRequest(text.substr(0, cut));
    if (request.ok() && request->has_value()) {
      (void)podwall::daemon::SerializeHttpResponse(
          {200, "text/plain", (*request)->body, false});
    }
  }
  return 0;
}
