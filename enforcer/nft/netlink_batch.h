#ifndef PODWALL_ENFORCER_NFT_NETLINK_BATCH_H_
#define PODWALL_ENFORCER_NFT_NETLINK_BATCH_H_

// Building an nf_tables netlink batch (BEGIN ... END), separate from sending
// it: the encoder turns a Ruleset into messages built with libnftnl, each
// carrying NLM_F_ACK and a sequence number, and remembers what every message
// does so that a kernel error can be mapped back to its operation.

#include <cstdint>
#include <string>
#include <vector>

#include "enforcer/nft/ruleset.h"

struct nlmsghdr;
struct nftnl_rule;

namespace podwall::nft {

class NetlinkBatch {
 public:
  // Sequence numbers start at `first_seq` (BEGIN takes it).
  explicit NetlinkBatch(uint32_t first_seq);

  // Reserves room for one more message and returns where to build it; the
  // pointer is valid until the next call. At most `max_len` bytes.
  char* Reserve(std::size_t max_len);
  // Commits the message just built at the reserved place; `what` describes
  // it for error messages ("add rule in chain in_x/a: ...").
  void Commit(const nlmsghdr* nlh, std::string what, bool acked);
  uint32_t NextSeq() const { return seq_; }

  // Adds BEGIN / END.
  void Begin();
  void End();

  const char* data() const { return buf_.data(); }
  std::size_t size() const { return size_; }
  // Messages the kernel will acknowledge (every one but BEGIN/END).
  std::size_t acked_messages() const { return acked_; }
  std::size_t messages() const { return descriptions_.size(); }
  // What the message with sequence number `seq` does, or "" if unknown.
  std::string Describe(uint32_t seq) const;

 private:
  std::vector<char> buf_;
  std::size_t size_ = 0;
  uint32_t first_seq_;
  uint32_t seq_;
  std::size_t acked_ = 0;
  std::vector<std::string> descriptions_;  // Index: seq - first_seq_.
};

// Building blocks, one kind of message each. `set_id` identifies a set
// within the batch that creates it (any unique number).
void EncodeNewSet(const Set& set, uint32_t set_id, NetlinkBatch& batch);
// Adds (or with `remove`, deletes) `elements` of `set`, chunked. For
// interval sets pass every element: they are sent as boundaries.
void EncodeSetElements(const Set& set, const std::vector<SetElement>& elements,
                       bool remove, NetlinkBatch& batch);
void EncodeFlushSet(const std::string& set_name, NetlinkBatch& batch);
void EncodeDeleteSet(const std::string& set_name, NetlinkBatch& batch);
void EncodeNewChain(const Chain& chain, NetlinkBatch& batch);
void EncodeChainRules(const Chain& chain, NetlinkBatch& batch);
void EncodeFlushChain(const std::string& chain_name, NetlinkBatch& batch);
void EncodeDeleteChain(const std::string& chain_name, NetlinkBatch& batch);

// table netdev podwall: create it if missing, and one guard chain (with its
// rules) on a device; flush and delete such a chain.
void EncodeCreateNetdevTable(NetlinkBatch& batch);
void EncodeNewGuard(const SpoofGuard& guard, NetlinkBatch& batch);
void EncodeGuardRules(const SpoofGuard& guard, NetlinkBatch& batch);
void EncodeFlushGuard(const std::string& device, NetlinkBatch& batch);
void EncodeDeleteGuard(const std::string& device, NetlinkBatch& batch);

// Fingerprints for drift detection: what podwall would write, in a form the
// same as what a dump of the kernel gives (counters' values left out).
std::string RuleFingerprint(const nftnl_rule* rule);
std::vector<std::string> RuleFingerprints(const Chain& chain);
std::vector<std::string> GuardFingerprints(const SpoofGuard& guard);
std::string ElementFingerprint(const void* key, uint32_t key_len,
                               uint32_t flags, const std::string& jump);
// Sorted.
std::vector<std::string> ElementFingerprints(const Set& set);

// Appends the messages that replace table inet podwall with `ruleset`, in
// one transaction: create the table if missing, delete it, create it again
// with every set, chain, element and rule.
void EncodeReplace(const Ruleset& ruleset, NetlinkBatch& batch);

// Appends the messages that delete podwall's tables (inet and netdev) if
// they exist.
void EncodeDeleteTable(NetlinkBatch& batch);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NETLINK_BATCH_H_
