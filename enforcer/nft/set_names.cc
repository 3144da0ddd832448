#include "enforcer/nft/set_names.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "base/sha256.h"

namespace podwall::nft {
namespace {

const char* Prefix(SetKind kind) {
  switch (kind) {
    case SetKind::kPods:
      return "pods_";
    case SetKind::kCidr:
      return "cidr_";
    case SetKind::kPorts:
      return "named_";
  }
  return "set_";
}

}  // namespace

std::string SetNames::Sha256Digest(std::string_view id) {
  return base::Sha256Hex(id, 32);
}

SetNames::SetNames(Digest digest) : digest_(std::move(digest)) {}

std::map<std::string, std::size_t> SetNames::Positions(
    const Group& group) const {
  std::map<std::string, std::size_t> out;
  auto it = groups_.find(group);
  if (it == groups_.end()) return out;
  std::size_t i = 0;
  for (const std::string& id : it->second) out[id] = i++;
  return out;
}

bool SetNames::Add(SetKind kind, const std::string& id) {
  const Group group{kind, digest_(id)};
  const auto before = Positions(group);
  groups_[group].insert(id);
  const auto after = Positions(group);
  for (const auto& [other, position] : before) {
    if (after.at(other) != position) return true;
  }
  return false;
}

bool SetNames::Remove(SetKind kind, const std::string& id) {
  const Group group{kind, digest_(id)};
  auto it = groups_.find(group);
  if (it == groups_.end() || !it->second.contains(id)) return false;
  const auto before = Positions(group);
  it->second.erase(id);
  if (it->second.empty()) groups_.erase(it);
  const auto after = Positions(group);
  for (const auto& [other, position] : after) {
    if (before.at(other) != position) return true;
  }
  return false;
}

void SetNames::Reset(const ir::NodePolicy& policy) {
  groups_.clear();
  for (const ir::PodSet& s : policy.pod_sets) Add(SetKind::kPods, s.id);
  for (const ir::CidrSet& s : policy.cidr_sets) Add(SetKind::kCidr, s.id);
  for (const ir::PortSet& s : policy.port_sets) Add(SetKind::kPorts, s.id);
}

std::string SetNames::Name(SetKind kind, const std::string& id,
                           schema::IpFamily family) const {
  const std::string digest = digest_(id);
  std::size_t position = 0;
  if (auto it = groups_.find({kind, digest}); it != groups_.end()) {
    if (auto at = it->second.find(id); at != it->second.end()) {
      position =
          static_cast<std::size_t>(std::distance(it->second.begin(), at));
    }
  }
  return absl::StrCat(Prefix(kind), digest,
                      position > 0 ? absl::StrCat("_", position) : "",
                      family == schema::IpFamily::kV4 ? "_v4" : "_v6");
}

}  // namespace podwall::nft
