#ifndef PODWALL_BASE_SHA256_H_
#define PODWALL_BASE_SHA256_H_

// SHA-256 (FIPS 180-4), for names derived from input an attacker chooses
// (label selectors a namespace owner writes): finding two inputs with the
// same digest prefix is infeasible, unlike with FNV.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace podwall::base {

std::array<uint8_t, 32> Sha256(std::string_view data);

// The first `hex_chars` (at most 64) lowercase hex digits of the digest.
std::string Sha256Hex(std::string_view data, std::size_t hex_chars = 64);

}  // namespace podwall::base

#endif  // PODWALL_BASE_SHA256_H_
