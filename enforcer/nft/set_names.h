#ifndef PODWALL_ENFORCER_NFT_SET_NAMES_H_
#define PODWALL_ENFORCER_NFT_SET_NAMES_H_

// SetNames: the kernel names of the IR's sets, "pods_", "cidr_" or "named_",
// a digest of the set's ID, and the family ("_v4", "_v6").
//
// A set's ID is made of what a namespace owner writes (label selectors,
// ipBlocks), so it is attacker input: two IDs whose names clashed would
// share one kernel set, and one namespace's policy would allow what
// another's selects. The digest is 128 bits of SHA-256, so aiming at another
// set's name is infeasible; and should two live IDs of a kind still share a
// digest, they are told apart by a suffix ("_1", "_2", ...) given in the
// order of their IDs. Names never merge two sets, and depend only on which
// IDs are live, not on the order they came in (a restarted daemon renders
// the same names and adopts its table).
//
// Not thread-safe; the sync loop owns one.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::nft {

enum class SetKind : uint8_t { kPods, kCidr, kPorts };

class SetNames {
 public:
  // A set ID's digest, as text valid in an nft identifier.
  using Digest = std::function<std::string(std::string_view id)>;
  // 32 hex digits of the ID's SHA-256.
  static std::string Sha256Digest(std::string_view id);

  explicit SetNames(Digest digest = Sha256Digest);

  // A live set appeared, or went. Returns whether another live set's name
  // changed with it (a shared digest appeared or went away): the rules that
  // name it must then be rendered again.
  bool Add(SetKind kind, const std::string& id);
  bool Remove(SetKind kind, const std::string& id);
  // The live sets are exactly those of `policy`.
  void Reset(const ir::NodePolicy& policy);

  // A set's kernel name for one family; an ID that is not live gets the
  // name it would have alone.
  std::string Name(SetKind kind, const std::string& id,
                   schema::IpFamily family) const;

 private:
  using Group = std::pair<SetKind, std::string>;  // (kind, digest)
  // Each ID's position in its group, before and after a change.
  std::map<std::string, std::size_t> Positions(const Group& group) const;

  Digest digest_;
  std::map<Group, std::set<std::string>> groups_;  // Live IDs, sorted.
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_SET_NAMES_H_
