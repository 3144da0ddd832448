#include "enforcer/flowlog/flow_event.h"

#include <netinet/in.h>

#include <cstring>

namespace podwall::flowlog {

bool ParsePacketTuple(const uint8_t* p, std::size_t len, FiveTuple& out) {
  if (len < 1) return false;
  std::size_t l4 = 0;
  uint8_t proto = 0;
  const int version = p[0] >> 4;
  if (version == 4) {
    if (len < 20) return false;
    const std::size_t ihl = (p[0] & 0x0f) * 4u;
    if (ihl < 20 || len < ihl) return false;
    proto = p[9];
    out.src = {schema::IpFamily::kV4, {}};
    out.dst = {schema::IpFamily::kV4, {}};
    std::memcpy(out.src.bytes.data(), p + 12, 4);
    std::memcpy(out.dst.bytes.data(), p + 16, 4);
    // Only the first fragment carries ports.
    const uint16_t frag = static_cast<uint16_t>((p[6] << 8) | p[7]) & 0x1fff;
    l4 = frag == 0 ? ihl : len;
  } else if (version == 6) {
    if (len < 40) return false;
    proto = p[6];
    out.src = {schema::IpFamily::kV6, {}};
    out.dst = {schema::IpFamily::kV6, {}};
    std::memcpy(out.src.bytes.data(), p + 8, 16);
    std::memcpy(out.dst.bytes.data(), p + 24, 16);
    l4 = 40;  // Extension headers are not followed: ports stay zero.
  } else {
    return false;
  }
  out.proto = proto;
  out.sport = out.dport = 0;
  if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) &&
      len >= l4 + 4) {
    out.sport = static_cast<uint16_t>((p[l4] << 8) | p[l4 + 1]);
    out.dport = static_cast<uint16_t>((p[l4 + 2] << 8) | p[l4 + 3]);
  }
  return true;
}

}  // namespace podwall::flowlog
