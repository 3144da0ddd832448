#ifndef PODWALL_POLICY_SCHEMA_IP_PREFIX_H_
#define PODWALL_POLICY_SCHEMA_IP_PREFIX_H_

// IPv4/IPv6 addresses and CIDR prefixes as values: parsing, containment and
// canonical text. Shared by validation (ipBlock), the compiler's interval
// arithmetic and everything that names a pod's address.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace podwall::schema {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

// An address of either family. IPv4 uses the first 4 bytes of `bytes`.
struct IpAddress {
  IpFamily family = IpFamily::kV4;
  std::array<uint8_t, 16> bytes{};

  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text.
  static std::optional<IpAddress> Parse(std::string_view text);

  int bit_length() const { return family == IpFamily::kV4 ? 32 : 128; }
  std::string ToString() const;

  // The next / previous address of the same family; nullopt past the end.
  std::optional<IpAddress> Next() const;
  std::optional<IpAddress> Prev() const;

  auto operator<=>(const IpAddress&) const = default;
};

// A network prefix; `address` has its host bits cleared.
struct IpPrefix {
  IpAddress address;
  int length = 0;

  // Parses "addr/len". Host bits are allowed in the text (as Kubernetes
  // accepts "10.0.0.1/8") and cleared in the result.
  static std::optional<IpPrefix> Parse(std::string_view text);

  bool Contains(const IpAddress& ip) const;
  // The last address inside the prefix.
  IpAddress Last() const;
  // True when `other` lies inside this prefix (same family, not shorter).
  bool Contains(const IpPrefix& other) const;
  std::string ToString() const;

  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_IP_PREFIX_H_
