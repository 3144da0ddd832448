// Kernel test: NetlinkSocket's acks, in a private network namespace
// (tests/support/netns_test_main.cc).

#include "enforcer/nft/messages.h"
#include "enforcer/nft/netlink_socket.h"
#include "enforcer/nft/transaction.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::nft {
namespace {

using ::testing::HasSubstr;

NetlinkBatch BatchOf(NetlinkSocket& socket, const Transaction& tx) {
  NetlinkBatch batch(socket.NextSeq());
  batch.Begin();
  EncodeTransaction(tx, batch);
  batch.End();
  return batch;
}

// A commit that returned early left its (successful) acks queued; the
// next batch fails. Counting any ack from the socket's own port would
// report it applied.
TEST(NetlinkSocketKernelTest, StaleAcksOfAnEarlierBatch_DoNotCount) {
  auto socket = NetlinkSocket::Create();
  ASSERT_TRUE(socket.ok()) << socket.status();
  Transaction add;
  add.ops.push_back({Op::Kind::kAddTable, TableFamily::kInet});
  Chain chain;
  chain.name = "stale_ack_chain";
  for (int i = 0; i < 4; ++i) {
    Op op{Op::Kind::kAddChain};
    op.chain = &chain;
    add.ops.push_back(op);  // Adding an existing chain again: acked, fine.
  }
  ASSERT_TRUE((*socket)->SendWithoutAcks(BatchOf(**socket, add)).ok());

  Transaction fail;
  Op del{Op::Kind::kDeleteChain};
  del.name = "no_such_chain";
  fail.ops.push_back(del);
  absl::Status st = (*socket)->Commit(BatchOf(**socket, fail));
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("no_such_chain"));

  // And the socket stays usable: a good batch is reported applied.
  Transaction cleanup;
  cleanup.ops.push_back({Op::Kind::kDeleteTable, TableFamily::kInet});
  EXPECT_TRUE((*socket)->Commit(BatchOf(**socket, cleanup)).ok());
}

}  // namespace
}  // namespace podwall::nft
