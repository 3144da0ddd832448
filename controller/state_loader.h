#ifndef PODWALL_CONTROLLER_STATE_LOADER_H_
#define PODWALL_CONTROLLER_STATE_LOADER_H_

// Feeds validated manifest objects into a ClusterState (the one-shot
// pipeline of `podwall apply` and `explain`).

#include "controller/cluster_state.h"
#include "policy-schema/manifest.h"

namespace podwall::controller {

void LoadIntoState(const schema::ManifestSet& manifests, ClusterState& state);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_STATE_LOADER_H_
