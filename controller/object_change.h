#ifndef PODWALL_CONTROLLER_OBJECT_CHANGE_H_
#define PODWALL_CONTROLLER_OBJECT_CHANGE_H_

// One change to the cluster's objects, as a source reports it and the
// cluster state applies it (state_loader.h).

#include "policy-schema/api_types.h"

namespace podwall::controller {

struct ObjectChange {
  enum class Type { kUpsert, kDelete };
  Type type = Type::kUpsert;
  // For deletes only the kind and metadata (namespace/name) matter.
  schema::Object object;
};

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_OBJECT_CHANGE_H_
