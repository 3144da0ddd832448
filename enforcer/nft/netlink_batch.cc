#include "enforcer/nft/netlink_batch.h"

#include <libnftnl/common.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstring>

namespace podwall::nft {

NetlinkBatch::NetlinkBatch(uint32_t first_seq)
    : first_seq_(first_seq), seq_(first_seq) {}

char* NetlinkBatch::Reserve(std::size_t max_len) {
  // libnftnl writes headers and attributes including their padding, so the
  // space needs no clearing (clearing a 256 KiB reservation per message
  // cost more than encoding a small batch).
  if (capacity_ < size_ + max_len) {
    const std::size_t capacity = std::max(2 * capacity_, size_ + max_len);
    std::unique_ptr<char[]> grown(new char[capacity]);
    if (size_ > 0) std::memcpy(grown.get(), buf_.get(), size_);
    buf_ = std::move(grown);
    capacity_ = capacity;
  }
  return buf_.get() + size_;
}

void NetlinkBatch::Commit(const nlmsghdr* nlh, std::string what, bool acked) {
  size_ += NLMSG_ALIGN(nlh->nlmsg_len);
  descriptions_.push_back(std::move(what));
  if (acked) ++acked_;
  ++seq_;
}

void NetlinkBatch::Begin() {
  nlmsghdr* nlh = nftnl_batch_begin(Reserve(256), seq_);
  Commit(nlh, "batch begin", false);
}

void NetlinkBatch::End() {
  nlmsghdr* nlh = nftnl_batch_end(Reserve(256), seq_);
  Commit(nlh, "batch end", false);
}

std::string NetlinkBatch::Describe(uint32_t seq) const {
  if (seq < first_seq_ || seq - first_seq_ >= descriptions_.size()) return "";
  return descriptions_[seq - first_seq_];
}

}  // namespace podwall::nft
