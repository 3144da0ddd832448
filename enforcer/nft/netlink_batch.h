#ifndef PODWALL_ENFORCER_NFT_NETLINK_BATCH_H_
#define PODWALL_ENFORCER_NFT_NETLINK_BATCH_H_

// The buffer of one nf_tables netlink batch (BEGIN ... END), built separately
// from sending it: messages are written in place by libnftnl, each with its
// sequence number, and each remembers what it does so that a kernel error
// can be mapped back to its operation. A batch without END is a free dry
// run; NetlinkSocket::Commit sends one.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct nlmsghdr;

namespace podwall::nft {

class NetlinkBatch {
 public:
  // The most one message may take.
  static constexpr std::size_t kMaxMessage = 256 * 1024;

  // Sequence numbers start at `first_seq` (BEGIN takes it).
  explicit NetlinkBatch(uint32_t first_seq);

  // Reserves room for one more message and returns where to build it; the
  // pointer is valid until the next call. At most `max_len` bytes.
  char* Reserve(std::size_t max_len = kMaxMessage);
  // Commits the message just built at the reserved place; `what` describes
  // it for error messages ("add rule 3 to chain in_x/a"). `acked`: the
  // kernel answers it (every message but BEGIN and END).
  void Commit(const nlmsghdr* nlh, std::string what, bool acked = true);
  uint32_t NextSeq() const { return seq_; }
  // The first message's sequence number; the batch's run to NextSeq().
  uint32_t first_seq() const { return first_seq_; }

  // Adds BEGIN / END.
  void Begin();
  void End();

  const char* data() const { return buf_.get(); }
  std::size_t size() const { return size_; }
  // Messages the kernel will acknowledge (every one but BEGIN/END).
  std::size_t acked_messages() const { return acked_; }
  std::size_t messages() const { return descriptions_.size(); }
  // What the message with sequence number `seq` does, or "" if unknown.
  std::string Describe(uint32_t seq) const;

 private:
  // Grown without clearing: a reservation is an upper bound that costs
  // nothing until libnftnl writes into it (the kernel sees `size_` bytes).
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  uint32_t first_seq_;
  uint32_t seq_;
  std::size_t acked_ = 0;
  std::vector<std::string> descriptions_;  // Index: seq - first_seq_.
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NETLINK_BATCH_H_
