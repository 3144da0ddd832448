#ifndef PODWALL_ENFORCER_NFT_RULESET_H_
#define PODWALL_ENFORCER_NFT_RULESET_H_

// The nftables objects podwall owns, as plain values: one `inet podwall`
// table with sets, verdict maps and chains, and the anti-spoofing guards of
// `netdev podwall`. The renderer builds it from the IR; nft_text.h prints it
// as nft(8) syntax (for --dry-run and golden tests) and messages.h turns the
// very same value into netlink messages, so the two can be compared in the
// kernel.
//
// Only the statement shapes podwall needs exist here, on purpose: a small
// closed model is easier to encode exactly like nft does than a general one.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::nft {

inline constexpr char kTableName[] = "podwall";

enum class KeyType : uint8_t {
  kIpv4,           // ipv4_addr
  kIpv6,           // ipv6_addr
  kIpv4ProtoPort,  // ipv4_addr . inet_proto . inet_service
  kIpv6ProtoPort,  // ipv6_addr . inet_proto . inet_service
};

struct SetElement {
  schema::IpAddress address;
  schema::IpAddress address_end;               // Interval sets: inclusive end.
  ir::Protocol protocol = ir::Protocol::kTCP;  // Tuple sets.
  uint16_t port = 0;                           // Tuple sets.
  std::string jump_chain;                      // Verdict maps.

  auto operator<=>(const SetElement&) const = default;
};

struct Set {
  std::string name;
  std::string comment;  // What it stands for (printed as a # line only).
  KeyType key = KeyType::kIpv4;
  bool interval = false;
  bool verdict_map = false;  // Key -> verdict (jump chain).
  std::vector<SetElement> elements;

  bool operator==(const Set&) const = default;
};

enum class AddressField : uint8_t { kSource, kDestination };
// kGoto: on to Rule::goto_chain, whose return returns from this chain.
enum class Verdict : uint8_t { kAccept, kDrop, kReturn, kContinue, kGoto };

// A rate-limited, counted NFLOG statement: limit rate R/second burst R
// packets counter log prefix "P" group G (for flow logs; the counter says
// how many packets were handed to the logger).
struct LogAction {
  uint32_t rate_per_second = 0;
  uint16_t group = 0;
  std::string prefix;

  bool operator==(const LogAction&) const = default;
};

struct Rule {
  enum class Kind : uint8_t {
    kCtEstablishedAccept,      // ct state established,related accept
    kCtInvalidDrop,            // ct state invalid drop
    kNeighborDiscoveryAccept,  // icmpv6 type 135-136 accept (NS, NA)
    kVmap,                     // ip[6] (s|d)addr vmap @set
    kMatch,  // [addr @set] [l4proto] [dport] [ct mark & m == 0]
             // [ct mark set] [counter] [log]
             // verdict
  };
  Kind kind = Kind::kMatch;
  // kVmap and kMatch: which address, of which family, is looked up in `set`.
  // kMatch with an empty `set` matches any address.
  schema::IpFamily family = schema::IpFamily::kV4;
  AddressField field = AddressField::kSource;
  std::string set;
  // kMatch: ... and the same address is not in this set (addr != @set).
  std::string unless_set;
  // kMatch with a tuple set: addr . meta l4proto . th dport @set.
  bool tuple = false;
  std::optional<ir::Protocol> protocol;                // meta l4proto
  std::optional<std::pair<uint16_t, uint16_t>> dport;  // th dport a[-b]
  // ct mark & mask == 0: no rule marked this side of the connection yet.
  std::optional<uint32_t> ct_mark_unset;
  // ct mark set ct mark & keep | value: records the allowing rule on the
  // connection (flow logs).
  std::optional<std::pair<uint32_t, uint32_t>> set_ct_mark;  // (keep, value)
  bool counter = false;
  std::optional<LogAction> log;
  Verdict verdict = Verdict::kAccept;
  std::string goto_chain;  // kGoto's target.
  std::string comment;

  bool operator==(const Rule&) const = default;
};

struct Chain {
  std::string name;
  std::string comment;        // Printed as a # line only.
  bool base_forward = false;  // type filter hook forward priority filter.
  std::vector<Rule> rules;

  bool operator==(const Chain&) const = default;
};

// The per-device chains of one pod's host-side interface, in table netdev
// podwall (guard_statements.h lists their rules):
//  - guard_<device>, hook ingress (from the pod, before bridging or
//    routing): anti-spoofing. IPv4/IPv6 sources, ARP senders and neighbour
//    advertisement targets must be the pod's own; link-local and unspecified
//    sources only for neighbour discovery and MLD; no router advertisements
//    or redirects; no frame other than IPv4, IPv6 and ARP.
//  - deliver_<device>, hook egress (towards the pod): when the pod is
//    isolated for ingress, only ARP, neighbour discovery (router messages
//    only from the node: the guards drop pods') and packets to the pod's
//    own unicast addresses (which the forward chain
//    then judges) reach it; broadcast, multicast, link-local and non-IP
//    frames, which no policy can attribute, do not.
// A tc filter on the device's ingress runs before the netdev hook, and a
// frame it redirects (the CNI bandwidth plugin sends all to an IFB device)
// comes back to the device with that hook skipped. So the guard is kept a
// second time where such frames still pass: in tables bridge and inet
// podwall, a prerouting chain (priority -500) looks the input device up in
// map guard_devices and jumps to that table's guard_<device>, a copy of the
// guard (in inet only its IPv4/IPv6 rules; bridged frames of every kind
// meet the bridge table's). guard_rules.h builds them.
struct SpoofGuard {
  std::string device;    // Host-side veth.
  std::string endpoint;  // "namespace/pod", for the comment.
  std::vector<schema::IpAddress> addresses;
  bool isolated_ingress = false;  // deliver_<device> has rules.

  bool operator==(const SpoofGuard&) const = default;
};

inline constexpr char kGuardChainPrefix[] = "guard_";
// `podwall trace`'s temporary base chains (enforcer/trace/trace_arm.h): not
// part of any Ruleset, and not drift while they exist.
inline constexpr char kTraceChain[] = "trace_arm";
inline constexpr char kDeliverChainPrefix[] = "deliver_";

// Element changes of one set or map, for syncs that touch nothing else.
struct ElementUpdate {
  std::string set;
  std::vector<SetElement> add;
  std::vector<SetElement> remove;
};

// The desired objects of one local endpoint, for a sync that touches only
// it and set elements.
struct EndpointObjects {
  std::string endpoint;                  // "namespace/pod".
  std::vector<std::string> chain_names;  // Its chains in both directions.
  std::vector<Chain> chains;             // Those of isolated directions.
  std::vector<std::pair<std::string, SetElement>> map_entries;  // Map, entry.
  std::vector<SpoofGuard> guards;  // One per host-side interface.
};

// A change to the ruleset last synced: sets created (whole) and deleted,
// the endpoints it touches as they should now be (an endpoint with no
// chains and no guard is gone), and element changes of existing hash sets
// (verdict maps follow the endpoints).
struct RulesetPatch {
  std::vector<Set> sets;
  std::vector<std::string> deleted_sets;
  std::vector<EndpointObjects> endpoints;
  std::vector<ElementUpdate> elements;
};

struct Ruleset {
  std::vector<Set> sets;           // Sets and maps, maps last.
  std::vector<Chain> chains;       // Regular chains first, the base chain last.
  std::vector<SpoofGuard> guards;  // Sorted by device; netdev table.

  bool operator==(const Ruleset&) const = default;
  const Set* FindSet(std::string_view name) const;
  Set* FindSet(std::string_view name);
  const Chain* FindChain(std::string_view name) const;
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_RULESET_H_
