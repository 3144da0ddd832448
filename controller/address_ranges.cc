#include "controller/address_ranges.h"

#include <algorithm>

namespace podwall::controller {

using schema::IpAddress;
using schema::IpPrefix;

std::vector<ir::AddressRange> NormalizeRanges(
    std::vector<ir::AddressRange> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<ir::AddressRange> out;
  for (const ir::AddressRange& r : ranges) {
    if (!out.empty() && out.back().last.family == r.first.family) {
      ir::AddressRange& prev = out.back();
      std::optional<IpAddress> after = prev.last.Next();
      if (r.first <= prev.last || (after && *after == r.first)) {
        if (r.last > prev.last) prev.last = r.last;
        continue;
      }
    }
    out.push_back(r);
  }
  return out;
}

std::vector<ir::AddressRange> IpBlockRanges(const schema::IPBlock& block) {
  std::optional<IpPrefix> cidr = IpPrefix::Parse(block.cidr);
  if (!cidr) return {};
  std::vector<ir::AddressRange> holes;
  for (const std::string& text : block.except) {
    std::optional<IpPrefix> e = IpPrefix::Parse(text);
    if (!e || !cidr->Contains(*e)) continue;
    holes.push_back({e->address, e->Last()});
  }
  holes = NormalizeRanges(std::move(holes));
  std::vector<ir::AddressRange> out;
  IpAddress cursor = cidr->address;
  const IpAddress last = cidr->Last();
  bool done = false;
  for (const ir::AddressRange& h : holes) {
    if (h.first > cursor) {
      out.push_back({cursor, *h.first.Prev()});
    }
    std::optional<IpAddress> next = h.last.Next();
    if (!next || h.last >= last) {
      done = true;
      break;
    }
    cursor = *next;
  }
  if (!done) out.push_back({cursor, last});
  return out;
}

bool RangesContain(const std::vector<ir::AddressRange>& ranges,
                   const IpAddress& ip) {
  // First range whose end is >= ip.
  auto it = std::lower_bound(
      ranges.begin(), ranges.end(), ip,
      [](const ir::AddressRange& r, const IpAddress& a) { return r.last < a; });
  return it != ranges.end() && it->first <= ip && ip <= it->last;
}

}  // namespace podwall::controller
