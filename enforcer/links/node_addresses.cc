#include "enforcer/links/node_addresses.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstring>

namespace podwall::links {

std::set<schema::IpAddress> NodeAddresses() {
  std::set<schema::IpAddress> out;
  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) != 0) return out;
  for (ifaddrs* a = addrs; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    schema::IpAddress ip;
    if (a->ifa_addr->sa_family == AF_INET) {
      ip.family = schema::IpFamily::kV4;
      std::memcpy(ip.bytes.data(),
                  &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      ip.family = schema::IpFamily::kV6;
      std::memcpy(ip.bytes.data(),
                  &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.insert(ip);
  }
  freeifaddrs(addrs);
  return out;
}

}  // namespace podwall::links
