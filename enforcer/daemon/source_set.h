#ifndef PODWALL_ENFORCER_DAEMON_SOURCE_SET_H_
#define PODWALL_ENFORCER_DAEMON_SOURCE_SET_H_

// SourceSet: the daemon's sources on its event loop. Each is started with
// the sink its changes go to, its fd is watched (ProcessEvents) and its
// debounce deadline armed (OnDeadline); after a source handled events the
// `after_events` hook runs (the daemon checks whether start-up is complete
// and which networks are guarded). SIGHUP reloads them all.
//
// Single-threaded (the daemon loop); the loop and the sink must outlive it.
// Sources that run threads stop them when the set is destroyed.

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "controller/sources/source.h"
#include "enforcer/daemon/event_loop.h"
#include "enforcer/daemon/status_report.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::daemon {

class SourceSet {
 public:
  SourceSet(EventLoop& loop, sources::ChangeSink& sink,
            std::function<void()> after_events);
  ~SourceSet();
  SourceSet(const SourceSet&) = delete;
  SourceSet& operator=(const SourceSet&) = delete;

  // Starts `source` (loading or beginning to load what it holds) and
  // watches it. An error is the source's start-up error, with its name.
  absl::Status Add(std::unique_ptr<sources::Source> source);

  // Whether every source has handed over a complete view.
  bool AllSynced() const;
  // Takes whatever the sources queued (a source hands over its objects
  // before it reports synced, so this follows AllSynced()).
  void DrainAll();
  // Re-reads every source (SIGHUP).
  void Reload();

  // The networks the sources guard (unsorted, possibly repeated).
  std::vector<schema::IpPrefix> GuardedNetworks() const;
  std::vector<SourceReport> Reports() const;

 private:
  void ArmDeadline(std::size_t i);

  EventLoop& loop_;
  sources::ChangeSink& sink_;
  std::function<void()> after_events_;
  std::vector<std::unique_ptr<sources::Source>> sources_;
  std::vector<Timers::TimerId> deadlines_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_SOURCE_SET_H_
