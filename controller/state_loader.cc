#include "controller/state_loader.h"

namespace podwall::controller {

void LoadIntoState(const schema::ManifestSet& manifests, ClusterState& state) {
  for (const schema::SourcedObject& o : manifests.objects) {
    if (const auto* ns = std::get_if<schema::Namespace>(&o.object)) {
      state.UpsertNamespace(*ns);
    } else if (const auto* pod = std::get_if<schema::Pod>(&o.object)) {
      state.UpsertWorkload(WorkloadFromPod(*pod));
    } else if (const auto* np = std::get_if<schema::NetworkPolicy>(&o.object)) {
      state.UpsertPolicy(*np);
    }
  }
}

}  // namespace podwall::controller
