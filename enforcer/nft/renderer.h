#ifndef PODWALL_ENFORCER_NFT_RENDERER_H_
#define PODWALL_ENFORCER_NFT_RENDERER_H_

// Renders a NodePolicy into the nftables objects that enforce it.
//
// Layout (per-packet cost independent of the number of pods and policies):
//   chain forward (hook forward, priority filter, policy accept)
//     ct state established,related accept
//     ip saddr vmap @egress_v4      -> jump out_<ns>/<pod>   (isolated only)
//     ip6 saddr vmap @egress_v6
//     ip daddr vmap @ingress_v4     -> jump in_<ns>/<pod>
//     ip6 daddr vmap @ingress_v6
//   chain out_<ns>/<pod> / in_<ns>/<pod>
//     ct state invalid drop
//     one rule per (peer set, port range) of each bound rule: ... return
//     counter drop
// An allowed egress returns to the forward chain, which then checks the
// destination's ingress. Pods no policy isolates have no map entry and pass.
// Peer sets are shared named sets (hash sets of pod addresses, interval
// sets for CIDRs, address . protocol . port sets for egress named ports),
// split by family. Node <-> pod traffic never crosses the forward hook.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enforcer/nft/ruleset.h"
#include "enforcer/nft/set_names.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::nft {

// The numbers connections are marked with, by rule ID (flow logs). The
// renderer only reads them; whoever keeps them (sync::RuleNumbers) updates
// them before a render.
class RuleNumberLookup {
 public:
  virtual ~RuleNumberLookup() = default;
  // The rule's number (1..65534), stable for as long as the rule exists;
  // nullopt when it has none (every number taken).
  virtual std::optional<uint16_t> NumberOf(
      const std::string& rule_id) const = 0;
};

// The mark of a rule without a number: its connections are still recorded
// as allowed, without the rule's name.
inline constexpr uint16_t kUnnumberedRule = 0xffff;

// Flow logs: each allow rule records its number on the connection's ct
// mark (egress in the high 16 bits, ingress in the low 16), which conntrack
// events carry to the daemon; each endpoint chain logs what it is about to
// deny to NFLOG `deny_group`, rate-limited in the kernel.
struct FlowLogOptions {
  uint16_t deny_group = 2;
  uint32_t deny_rate = 1000;  // Logged denied packets per second per chain.
  // Rule numbers; null: every rule is unnumbered. Must outlive rendering.
  const RuleNumberLookup* rule_numbers = nullptr;
};

inline constexpr char kDenyLogPrefix[] = "podwall deny ";    // + direction
inline constexpr char kAuditLogPrefix[] = "podwall audit ";  // + direction

struct RenderOptions {
  // Audit mode: nothing is dropped. An endpoint chain's final rule counts
  // and returns instead of dropping (the other side's checks still run),
  // and invalid packets are left alone.
  bool audit = false;
  std::optional<FlowLogOptions> flow_log;
  // The kernel names of the IR's sets (must outlive rendering). Null:
  // RenderRuleset names the sets of the policy it renders; RenderPatch
  // gives every set the name it would have alone.
  const SetNames* set_names = nullptr;
  // Node-local pod networks (a Docker host's bridge subnets) in which every
  // address must belong to a known local pod: a new connection to or from
  // any other address there is dropped, so a container the daemon has not
  // heard of yet cannot be reached, nor reach anything.
  std::vector<schema::IpPrefix> guarded_networks;
};

Ruleset RenderRuleset(const ir::NodePolicy& policy,
                      const RenderOptions& options = {});

using RuleLookup = std::function<const ir::Rule*(const std::string& id)>;

// What a compiler delta changes in the rendered ruleset, rendered from the
// IR as it stands after the delta: sets created and deleted, the endpoints
// the delta touches (directly, or through a rule they bind), and set
// element changes. Its cost follows the delta, not the IR.
RulesetPatch RenderPatch(const ir::NodePolicyDelta& delta,
                         const ir::NodePolicyView& view,
                         const RenderOptions& options = {});

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_RENDERER_H_
