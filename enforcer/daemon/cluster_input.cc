#include "enforcer/daemon/cluster_input.h"

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
  if (controller::ApplyChange(change, state_, compiler_) && changed_) {
    changed_();
  }
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
  compiler_.Rebuild(state_);
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
