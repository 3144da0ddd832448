#ifndef PODWALL_ENFORCER_DAEMON_CNI_WAITERS_H_
#define PODWALL_ENFORCER_DAEMON_CNI_WAITERS_H_

// CniWaiters: podwall-cni's ADD requests, each waiting for the sync that
// puts its pod's rules in the kernel. A waiter is answered
//   {"ok":true,"generation":N}   once a sync after its request succeeded
//                                and the pod is known and enforceable, or
//   {"ok":false,"error":"..."}   at its deadline, saying why not;
// a waiter whose connection closed is dropped. Answers go out through the
// `answer` hook (the control socket's late reply).
//
// Single-threaded (the daemon loop). Everything passed in must outlive it.

#include <functional>
#include <string>
#include <vector>

#include "controller/cluster_state.h"
#include "enforcer/daemon/sync_scheduler.h"
#include "enforcer/daemon/timers.h"

namespace podwall::daemon {

class CniWaiters {
 public:
  using Answer = std::function<void(int connection, const std::string& body)>;
  CniWaiters(Timers& timers, const controller::ClusterState& state,
             const SyncState& sync, Answer answer);
  ~CniWaiters();
  CniWaiters(const CniWaiters&) = delete;
  CniWaiters& operator=(const CniWaiters&) = delete;

  // An ADD for pod `key` ("namespace/name") on `connection` reporting
  // `addresses`, answered ok by a sync after the current generation once
  // the pod holds every one of them (so they are enforced as its own), or
  // with the reason after `timeout`.
  void Add(int connection, std::string key,
           std::vector<schema::IpAddress> addresses,
           Timers::Clock::duration timeout);
  // Answers every waiter a sync has satisfied, and those past their
  // deadline. Called after every sync (and by each waiter's deadline).
  void AnswerReady();
  // The connection went away.
  void Drop(int connection);

  std::size_t size() const { return waiters_.size(); }

 private:
  struct Waiter {
    int connection;
    std::string key;
    std::vector<schema::IpAddress> addresses;
    uint64_t after_generation;  // Answered by a later sync.
    Timers::TimePoint deadline;
    Timers::TimerId timer;
  };

  // Why `w`'s addresses are not all the pod's own yet, or "".
  std::string NotHeld(const Waiter& w, const controller::Workload& pod) const;

  Timers& timers_;
  const controller::ClusterState& state_;
  const SyncState& sync_;
  Answer answer_;
  std::vector<Waiter> waiters_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_CNI_WAITERS_H_
