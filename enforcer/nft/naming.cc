#include "enforcer/nft/naming.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace podwall::nft {
namespace {

std::string Hash12(std::string_view s) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(StableHash(s)));
  return std::string(buf, 12);
}

const char* Suffix(schema::IpFamily f) {
  return f == schema::IpFamily::kV4 ? "_v4" : "_v6";
}

}  // namespace

uint64_t StableHash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string PodSetName(const std::string& id, schema::IpFamily family) {
  return absl::StrCat("pods_", Hash12(id), Suffix(family));
}
std::string CidrSetName(const std::string& id, schema::IpFamily family) {
  return absl::StrCat("cidr_", Hash12(id), Suffix(family));
}
std::string PortSetName(const std::string& id, schema::IpFamily family) {
  return absl::StrCat("named_", Hash12(id), Suffix(family));
}

std::string EndpointChainName(const std::string& endpoint_id,
                              ir::Direction direction) {
  const char* prefix = direction == ir::Direction::kIngress ? "in_" : "out_";
  // Namespace and pod names are valid nft identifier characters; very long
  // ones (chain names stop at 255 bytes) fall back to a hash.
  if (endpoint_id.size() <= 200) return prefix + endpoint_id;
  return absl::StrCat(prefix, "h", Hash12(endpoint_id));
}

std::string VerdictMapName(ir::Direction direction, schema::IpFamily family) {
  return absl::StrCat(
      direction == ir::Direction::kIngress ? "ingress" : "egress",
      Suffix(family));
}

std::string GuardedSetName(schema::IpFamily family) {
  return absl::StrCat("guarded", Suffix(family));
}

std::string KnownSetName(schema::IpFamily family) {
  return absl::StrCat("known", Suffix(family));
}

}  // namespace podwall::nft
