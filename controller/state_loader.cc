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

bool ApplyChange(const ObjectChange& change, ClusterState& state,
                 Compiler& compiler) {
  const bool upsert = change.type == ObjectChange::Type::kUpsert;
  const schema::ObjectMeta& meta = schema::MetadataOf(change.object);
  const std::string key = meta.namespace_ + "/" + meta.name;
  if (const auto* ns = std::get_if<schema::Namespace>(&change.object)) {
    if (!(upsert ? state.UpsertNamespace(*ns)
                 : state.DeleteNamespace(meta.name))) {
      return false;
    }
    compiler.OnNamespaceChanged(state, meta.name);
  } else if (const auto* pod = std::get_if<schema::Pod>(&change.object)) {
    if (!(upsert ? state.UpsertWorkload(WorkloadFromPod(*pod))
                 : state.DeleteWorkload(key))) {
      return false;
    }
    compiler.OnWorkloadChanged(state, key);
  } else if (const auto* np =
                 std::get_if<schema::NetworkPolicy>(&change.object)) {
    if (!(upsert ? state.UpsertPolicy(*np) : state.DeletePolicy(key))) {
      return false;
    }
    compiler.OnPolicyChanged(state, key);
  }
  return true;
}

}  // namespace podwall::controller
