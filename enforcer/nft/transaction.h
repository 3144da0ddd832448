#ifndef PODWALL_ENFORCER_NFT_TRANSACTION_H_
#define PODWALL_ENFORCER_NFT_TRANSACTION_H_

// A transaction: the ordered operations of one nf_tables batch, each one
// kind of netlink message (an element list may span several messages). The
// planner decides what goes in and in which order; a backend carries it out
// all or nothing (NetlinkBackend as one netlink batch, FakeBackend on its
// in-memory tables).
//
// Operations borrow the objects they name (sets, element lists, chains,
// guards): those must outlive the transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

enum class TableFamily : uint8_t { kInet, kNetdev, kBridge };

struct Op {
  enum class Kind : uint8_t {
    kAddTable,        // `family`; created if missing, kept if present.
    kDeleteTable,     // `family`; the table must exist.
    kAddSet,          // `set`'s definition, without elements.
    kAddElements,     // `elements` into `set` (interval sets: whole ranges).
    kDeleteElements,  // `elements` of `set`, by key.
    kFlushSet,        // Every element of set `name`.
    kDeleteSet,       // Set `name`, which no rule may still use.
    kAddChain,        // `chain`'s definition, without rules.
    kAddRules,        // Every rule of `chain`, appended in order.
    kFlushChain,      // Every rule of chain `name`.
    kDeleteChain,     // Chain `name`: empty, and no map entry jumps to it.
    // Tables netdev and bridge, and what guards after tc need in tables
    // bridge and inet (ruleset.h, SpoofGuard): map guard_devices and chain
    // prerouting with its one rule (rewritten). Table inet must exist.
    kAddGuardBase,
    kAddGuard,       // The device chains of `guard` (its netdev chains, hooked
                     // on its device, and its chains after tc with their map
                     // entries).
    kAddGuardRules,  // The rules of `guard`, appended to each of them.
    kFlushGuard,     // Every rule of the chains of the guard of device `name`.
    kDeleteGuard,    // Those (empty) chains, and their map entries.
  };
  Kind kind = Kind::kAddTable;
  TableFamily family = TableFamily::kInet;
  const Set* set = nullptr;
  const std::vector<SetElement>* elements = nullptr;
  const Chain* chain = nullptr;
  const SpoofGuard* guard = nullptr;
  std::string name{};
};

struct Transaction {
  std::vector<Op> ops;

  bool empty() const { return ops.empty(); }
  // Objects, rules and elements the transaction touches: a measure of its
  // size that does not depend on how a backend packs messages.
  std::size_t size() const;
};

// One line for logs, errors and tests: "add chain in_x/a", "add 2 elements
// to set pods_..._v4", "delete anti-spoofing chain on veth1".
std::string Describe(const Op& op);

// The transaction that deletes podwall's tables (inet, netdev, bridge) whether
// or not they exist, and touches nothing else.
Transaction DeleteTablesTransaction();

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_TRANSACTION_H_
