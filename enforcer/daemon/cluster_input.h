#ifndef PODWALL_ENFORCER_DAEMON_CLUSTER_INPUT_H_
#define PODWALL_ENFORCER_DAEMON_CLUSTER_INPUT_H_

// ClusterInput: what podwalld knows of the cluster. The sources' changes
// (it is their ChangeSink) go into the ClusterState and, once started, the
// incremental compiler; podwall-cni's reports fill in the addresses of
// local pods the API does not show yet.
//
// Until every source has handed over a complete view ("starting"),
// changes only fill the state; FinishStart() then compiles all of it at
// once, so no partial view is ever enforced. After that, every change that
// moves the IR calls the `changed` hook (the sync scheduler's Request).
//
// Single-threaded (the daemon loop).

#include <functional>
#include <optional>
#include <string>

#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/sources/source.h"
#include "enforcer/daemon/cni_endpoints.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/metrics.h"

namespace podwall::daemon {

class ClusterInput : public sources::ChangeSink {
 public:
  // `metrics` must outlive the input.
  ClusterInput(std::string node_name, Logger log, MetricsRegistry& metrics,
               std::function<void()> changed);

  // ChangeSink: a source's object change, and its notes for the log (an
  // error also counts in podwall_invalid_inputs_total).
  void Apply(const controller::ObjectChange& change) override;
  void Note(Severity severity, const std::string& source,
            const std::string& message) override;

  // Every source has handed over a complete view: compile everything.
  void FinishStart();
  bool starting() const { return starting_; }

  // podwall-cni reported a pod (ADD) or withdrew it (DEL, for the sandbox
  // `container_id`, or any when empty).
  void CniAdd(CniEndpoints::Endpoint endpoint);
  void CniRemove(const std::string& key, const std::string& container_id);

  const controller::ClusterState& state() const { return state_; }
  controller::Compiler& compiler() { return compiler_; }
  const controller::Compiler& compiler() const { return compiler_; }
  const CniEndpoints& cni() const { return cni_; }

 private:
  // Into the state (and the compiler once started), as it is.
  void ApplyState(const controller::ObjectChange& change);
  // Logs address conflicts that appeared or went away.
  void NoteConflicts();

  Logger log_;
  MetricsRegistry& metrics_;
  std::function<void()> changed_;
  controller::ClusterState state_;
  controller::Compiler compiler_;
  CniEndpoints cni_;
  bool starting_ = true;
  std::vector<controller::AddressConflict> conflicts_;  // As last logged.
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_CLUSTER_INPUT_H_
