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
    } else if (const auto* cnp =
                   std::get_if<schema::ClusterNetworkPolicy>(&o.object)) {
      state.UpsertClusterPolicy(*cnp);
    } else if (const auto* node = std::get_if<schema::Node>(&o.object)) {
      state.UpsertNode(*node);
    }
  }
}

bool ApplyToState(const ObjectChange& change, ClusterState& state) {
  const bool upsert = change.type == ObjectChange::Type::kUpsert;
  const schema::ObjectMeta& meta = schema::MetadataOf(change.object);
  const std::string key = meta.namespace_ + "/" + meta.name;
  if (const auto* ns = std::get_if<schema::Namespace>(&change.object)) {
    return upsert ? state.UpsertNamespace(*ns)
                  : state.DeleteNamespace(meta.name);
  }
  if (const auto* pod = std::get_if<schema::Pod>(&change.object)) {
    return upsert ? state.UpsertWorkload(WorkloadFromPod(*pod))
                  : state.DeleteWorkload(key);
  }
  if (const auto* np = std::get_if<schema::NetworkPolicy>(&change.object)) {
    return upsert ? state.UpsertPolicy(*np) : state.DeletePolicy(key);
  }
  if (const auto* cnp =
          std::get_if<schema::ClusterNetworkPolicy>(&change.object)) {
    return upsert ? state.UpsertClusterPolicy(*cnp)
                  : state.DeleteClusterPolicy(meta.name);
  }
  if (const auto* node = std::get_if<schema::Node>(&change.object)) {
    return upsert ? state.UpsertNode(*node) : state.DeleteNode(meta.name);
  }
  return false;
}

bool ApplyChange(const ObjectChange& change, ClusterState& state,
                 Compiler& compiler) {
  (void)state.TakeAddressChanges();  // Left by state-only changes.
  if (!ApplyToState(change, state)) return false;
  const schema::ObjectMeta& meta = schema::MetadataOf(change.object);
  if (std::holds_alternative<schema::Namespace>(change.object)) {
    compiler.OnNamespaceChanged(state, meta.name);
  } else if (std::holds_alternative<schema::Pod>(change.object)) {
    compiler.OnWorkloadChanged(state, meta.namespace_ + "/" + meta.name);
  } else if (std::holds_alternative<schema::ClusterNetworkPolicy>(
                 change.object)) {
    compiler.OnClusterPolicyChanged(state, meta.name);
  } else if (std::holds_alternative<schema::Node>(change.object)) {
    compiler.OnNodeChanged(state, meta.name);
  } else {
    compiler.OnPolicyChanged(state, meta.namespace_ + "/" + meta.name);
  }
  // Workloads that gained or lost an address another one claims too.
  for (const WorkloadKey& key : state.TakeAddressChanges()) {
    compiler.OnWorkloadChanged(state, key);
  }
  return true;
}

}  // namespace podwall::controller
