#include "enforcer/daemon/cluster_input.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "controller/state_loader.h"

namespace podwall::daemon {

ClusterInput::ClusterInput(std::string node_name, Logger log,
                           MetricsRegistry& metrics,
                           std::function<void()> changed)
    : log_(log),
      metrics_(metrics),
      changed_(std::move(changed)),
      compiler_(node_name),
      cni_(node_name) {}

void ClusterInput::Apply(const controller::ObjectChange& change) {
  // A local pod the API shows without addresses yet gets those podwall-cni
  // reported.
  if (const auto* pod = std::get_if<schema::Pod>(&change.object)) {
    const std::string key = pod->metadata.namespace_ + "/" + pod->metadata.name;
    if (change.type == controller::ObjectChange::Type::kDelete) {
      cni_.OnSourceDelete(key);
    } else {
      ApplyState({change.type, cni_.OnSourcePod(*pod)});
      return;
    }
  }
  ApplyState(change);
}

void ClusterInput::ApplyState(const controller::ObjectChange& change) {
  if (starting_) {
    // Only the state: the compiler is rebuilt once everything is loaded.
    controller::ApplyToState(change, state_);
    return;
  }
  const bool changed = controller::ApplyChange(change, state_, compiler_);
  if (changed && (state_.address_conflict_count() > 0 || !conflicts_.empty())) {
    NoteConflicts();
  }
  if (changed && changed_) changed_();
}

void ClusterInput::NoteConflicts() {
  std::vector<controller::AddressConflict> now = state_.AddressConflicts();
  if (now == conflicts_) return;
  for (const controller::AddressConflict& c : now) {
    if (std::find(conflicts_.begin(), conflicts_.end(), c) !=
        conflicts_.end()) {
      continue;
    }
    std::string losers;
    for (const std::string& l : c.losers) {
      absl::StrAppend(&losers, losers.empty() ? "" : ",", l);
    }
    log_.Warn(
        "address claimed by more than one pod: the newest holds it; the "
        "others are not enforced by it while the conflict lasts",
        {{"address", c.address.ToString()},
         {"holder", c.holder},
         {"losers", losers}});
  }
  for (const controller::AddressConflict& c : conflicts_) {
    const bool gone = std::none_of(now.begin(), now.end(),
                                   [&](const controller::AddressConflict& n) {
                                     return n.address == c.address;
                                   });
    if (gone) {
      log_.Info("address conflict resolved",
                {{"address", c.address.ToString()}});
    }
  }
  conflicts_ = std::move(now);
}

void ClusterInput::Note(Severity severity, const std::string& source,
                        const std::string& message) {
  const LogLevel level = severity == Severity::kError     ? LogLevel::kError
                         : severity == Severity::kWarning ? LogLevel::kWarning
                                                          : LogLevel::kInfo;
  log_.Log(level, message, {{"source", source}});
  if (severity == Severity::kError) {
    metrics_
        .GetCounter("podwall_invalid_inputs_total",
                    "Inputs rejected by a source (invalid files, objects).",
                    {{"source", source}})
        .Inc();
  }
}

void ClusterInput::FinishStart() {
  if (!starting_) return;
  starting_ = false;
  (void)state_.TakeAddressChanges();  // The rebuild covers them.
  compiler_.Rebuild(state_);
  NoteConflicts();
}

void ClusterInput::CniAdd(CniEndpoints::Endpoint endpoint) {
  if (std::optional<schema::Pod> filled = cni_.Add(std::move(endpoint))) {
    ApplyState({controller::ObjectChange::Type::kUpsert, *filled});
  }
}

void ClusterInput::CniRemove(const std::string& key,
                             const std::string& container_id) {
  if (std::optional<schema::Pod> bare = cni_.Remove(key, container_id)) {
    ApplyState({controller::ObjectChange::Type::kUpsert, *bare});
  }
}

}  // namespace podwall::daemon
