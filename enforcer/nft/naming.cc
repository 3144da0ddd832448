#include "enforcer/nft/naming.h"

#include "absl/strings/str_cat.h"
#include "base/sha256.h"

namespace podwall::nft {
namespace {

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

std::string EndpointChainName(const std::string& endpoint_id,
                              ir::Direction direction) {
  const char* prefix = direction == ir::Direction::kIngress ? "in_" : "out_";
  // Namespace and pod names are valid nft identifier characters; very long
  // ones (chain names stop at 255 bytes) fall back to a hash.
  if (endpoint_id.size() <= 200) return prefix + endpoint_id;
  return absl::StrCat(prefix, "h", base::Sha256Hex(endpoint_id, 32));
}

std::string AfterAdminChainName(const std::string& endpoint_id,
                                ir::Direction direction) {
  const char* prefix =
      direction == ir::Direction::kIngress ? "innp_" : "outnp_";
  if (endpoint_id.size() <= 200) return prefix + endpoint_id;
  return absl::StrCat(prefix, "h", base::Sha256Hex(endpoint_id, 32));
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
