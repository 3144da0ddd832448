#include "policy-schema/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>

#include "absl/strings/str_cat.h"

namespace podwall::schema {
namespace {

// Clears every bit past `length`.
void MaskTo(IpAddress& ip, int length) {
  const int total = ip.bit_length() / 8;
  for (int i = 0; i < total; ++i) {
    const int bits_kept = length - i * 8;
    if (bits_kept >= 8) continue;
    ip.bytes[i] &=
        bits_kept <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits_kept));
  }
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton wants a NUL-terminated string; addresses are short.
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    ip.family = IpFamily::kV4;
    if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) return std::nullopt;
  } else {
    ip.family = IpFamily::kV6;
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
  }
  return ip;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == IpFamily::kV4 ? AF_INET : AF_INET6, bytes.data(), buf,
            sizeof(buf));
  return buf;
}

std::optional<IpAddress> IpAddress::Next() const {
  IpAddress next = *this;
  for (int i = bit_length() / 8 - 1; i >= 0; --i) {
    if (++next.bytes[i] != 0) return next;
  }
  return std::nullopt;  // Wrapped: this was the last address.
}

std::optional<IpAddress> IpAddress::Prev() const {
  IpAddress prev = *this;
  for (int i = bit_length() / 8 - 1; i >= 0; --i) {
    if (prev.bytes[i]-- != 0) return prev;
  }
  return std::nullopt;
}

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<IpAddress> ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) return std::nullopt;
  int length = 0;
  auto [end, ec] = std::from_chars(len_text.data(),
                                   len_text.data() + len_text.size(), length);
  if (ec != std::errc() || end != len_text.data() + len_text.size() ||
      length < 0 || length > ip->bit_length()) {
    return std::nullopt;
  }
  MaskTo(*ip, length);
  return IpPrefix{*ip, length};
}

bool IpPrefix::Contains(const IpAddress& ip) const {
  if (ip.family != address.family) return false;
  IpAddress masked = ip;
  MaskTo(masked, length);
  return masked == address;
}

bool IpPrefix::Contains(const IpPrefix& other) const {
  return other.length >= length && Contains(other.address);
}

IpAddress IpPrefix::Last() const {
  IpAddress last = address;
  const int total = last.bit_length() / 8;
  for (int i = 0; i < total; ++i) {
    const int bits_kept = length - i * 8;
    if (bits_kept >= 8) continue;
    last.bytes[i] |=
        bits_kept <= 0 ? 0xff : static_cast<uint8_t>(0xff >> bits_kept);
  }
  return last;
}

std::string IpPrefix::ToString() const {
  return absl::StrCat(address.ToString(), "/", length);
}

}  // namespace podwall::schema
