#ifndef PODWALL_ENFORCER_NFT_FAKE_BACKEND_H_
#define PODWALL_ENFORCER_NFT_FAKE_BACKEND_H_

// FakeBackend: an in-memory nf_tables for tests of everything above the
// NftBackend seam (planner, mirror, syncer, daemon parts), without root.
//
// It behaves like the kernel where podwall depends on it:
//   - a transaction applies all or nothing, operations in order;
//   - it refuses what the kernel refuses: objects in a missing table, a
//     missing set or chain, an element that is not there, a map entry
//     jumping to a missing chain, a chain a map still jumps to, a set a
//     rule still uses, a set redefined with another type, overlapping
//     intervals, a guard on a device that does not exist (when told which
//     exist); rules appended to a chain that already has some are kept
//     twice, as the kernel keeps them.
// It records the last transaction (one Describe() line per operation) and
// counts commits, takes injected failures, and lets a test edit its tables
// by hand (drift).
//
// Test-only. Not thread-safe.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "enforcer/nft/nft_backend.h"

namespace podwall::nft {

class FakeBackend : public NftBackend {
 public:
  struct Tables {
    bool inet = false;
    bool netdev = false;
    bool bridge = false;
    // Chain prerouting and map guard_devices in tables inet and bridge.
    bool guard_base = false;
    std::map<std::string, Set> sets;      // With their elements, sorted.
    std::map<std::string, Chain> chains;  // With the rules appended.
    // Guard chains by device (in netdev, bridge and inet: deleting any of
    // the tables deletes them): each append of a guard's rules.
    std::map<std::string, std::vector<SpoofGuard>> guards;
  };

  absl::Status Commit(const Transaction& tx) override;
  absl::StatusOr<bool> Holds(const Ruleset& ruleset) override;

  const Tables& tables() const { return tables_; }
  // For edits by hand, as `nft` run by someone else would make them.
  Tables& mutable_tables() { return tables_; }
  // The tables as a Ruleset, in Canonical() order.
  Ruleset Dump() const;

  // The last transaction given to Commit (committed or refused), one line
  // per operation.
  const std::vector<std::string>& last_transaction() const { return last_; }
  // Its Transaction::size().
  std::size_t last_transaction_size() const { return last_size_; }
  // Transactions committed (refused ones not counted).
  int commits() const { return commits_; }

  // The next `n` commits fail with `status` before touching anything.
  void FailCommits(int n, absl::Status status);
  // Every commit with an operation `match` accepts fails with `status` at
  // that operation (until cleared with nullptr).
  void FailOperations(std::function<bool(const Op&)> match,
                      absl::Status status = absl::InternalError("injected"));
  // The next Holds() fails with `status`.
  void FailNextReadBack(absl::Status status);
  // The network devices that exist (a guard may only hook one of them).
  // Unset: every device exists.
  void set_devices(std::set<std::string> devices) {
    devices_ = std::move(devices);
  }

 private:
  absl::Status Apply(const Op& op, Tables& t) const;

  Tables tables_;
  std::vector<std::string> last_;
  std::size_t last_size_ = 0;
  int commits_ = 0;
  int fail_commits_ = 0;
  absl::Status fail_status_;
  std::function<bool(const Op&)> fail_match_;
  absl::Status fail_match_status_;
  std::optional<absl::Status> fail_read_back_;
  std::optional<std::set<std::string>> devices_;
};

// `ruleset` with sets and chains sorted by name and guards by device, and
// the comments that exist only in nft text (of sets and chains) cleared,
// so that two rulesets holding the same objects compare equal.
Ruleset Canonical(Ruleset ruleset);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_FAKE_BACKEND_H_
