#ifndef PODWALL_CONTROLLER_STATE_LOADER_H_
#define PODWALL_CONTROLLER_STATE_LOADER_H_

// Feeds validated objects into a ClusterState: a whole manifest set (the
// one-shot pipeline of `podwall apply` and `explain`), or one change from a
// source, which the compiler then hears about (the daemon).

#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/object_change.h"
#include "policy-schema/manifest.h"

namespace podwall::controller {

void LoadIntoState(const schema::ManifestSet& manifests, ClusterState& state);

// Applies one change to the state only (the compiler is rebuilt later);
// returns whether the state changed.
bool ApplyToState(const ObjectChange& change, ClusterState& state);

// Applies one change and tells the compiler; returns whether the state
// changed.
bool ApplyChange(const ObjectChange& change, ClusterState& state,
                 Compiler& compiler);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_STATE_LOADER_H_
