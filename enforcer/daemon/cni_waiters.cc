#include "enforcer/daemon/cni_waiters.h"

#include <algorithm>

#include "policy-schema/json_writer.h"

namespace podwall::daemon {

CniWaiters::CniWaiters(Timers& timers, const controller::ClusterState& state,
                       const SyncState& sync, Answer answer)
    : timers_(timers), state_(state), sync_(sync), answer_(std::move(answer)) {}

CniWaiters::~CniWaiters() {
  for (const Waiter& w : waiters_) timers_.Cancel(w.timer);
}

void CniWaiters::Add(int connection, std::string key,
                     std::vector<schema::IpAddress> addresses,
                     Timers::Clock::duration timeout) {
  const Timers::TimePoint deadline = timers_.Now() + timeout;
  const Timers::TimerId timer = timers_.At(deadline, [this] { AnswerReady(); });
  waiters_.push_back({connection, std::move(key), std::move(addresses),
                      sync_.generation, deadline, timer});
}

std::string CniWaiters::NotHeld(const Waiter& w,
                                const controller::Workload& pod) const {
  for (const schema::IpAddress& a : w.addresses) {
    if (std::binary_search(pod.addresses.begin(), pod.addresses.end(), a)) {
      continue;
    }
    const controller::Workload* holder = state_.FindWorkloadByAddress(a);
    return "address " + a.ToString() + " of pod " + w.key +
           (holder ? " is held by pod " + holder->key : " is not enforced");
  }
  return "";
}

void CniWaiters::Drop(int connection) {
  std::erase_if(waiters_, [&](const Waiter& w) {
    if (w.connection != connection) return false;
    timers_.Cancel(w.timer);
    return true;
  });
}

void CniWaiters::AnswerReady() {
  const Timers::TimePoint now = timers_.Now();
  std::vector<std::pair<int, std::string>> answers;
  std::erase_if(waiters_, [&](const Waiter& w) {
    const controller::Workload* pod = state_.FindWorkload(w.key);
    const std::string not_held = pod ? NotHeld(w, *pod) : "";
    const bool applied = sync_.ready && sync_.synced &&
                         sync_.generation > w.after_generation && pod &&
                         pod->eligible && not_held.empty();
    schema::JsonWriter out;
    out.BeginObject();
    if (applied) {
      out.Key("ok").Bool(true);
      out.Key("generation").Uint(sync_.generation);
    } else if (now >= w.deadline) {
      out.Key("ok").Bool(false);
      out.Key("error").String(
          !pod ? "no source has reported pod " + w.key +
                     " to podwalld (is it on this node?)"
          : !pod->eligible ? "pod " + w.key + " has no address podwalld knows"
          : !not_held.empty() ? not_held
          : !sync_.ready || !sync_.synced
              ? "the ruleset is not in the kernel: " +
                    (sync_.last_error.empty()
                         ? std::string("sources not synced")
                         : sync_.last_error)
              : "timed out");
    } else {
      return false;
    }
    out.EndObject();
    timers_.Cancel(w.timer);
    answers.emplace_back(w.connection, out.str() + "\n");
    return true;
  });
  // Answering may close connections, which calls Drop(): after the sweep.
  for (const auto& [connection, body] : answers) answer_(connection, body);
}

}  // namespace podwall::daemon
