#include "policy-schema/api_types.h"

namespace podwall::schema {

const char* KindName(const Object& object) {
  struct Visitor {
    const char* operator()(const Namespace&) const { return "Namespace"; }
    const char* operator()(const Pod&) const { return "Pod"; }
    const char* operator()(const NetworkPolicy&) const {
      return "NetworkPolicy";
    }
    const char* operator()(const ClusterNetworkPolicy&) const {
      return "ClusterNetworkPolicy";
    }
    const char* operator()(const Node&) const { return "Node"; }
  };
  return std::visit(Visitor{}, object);
}

const ObjectMeta& MetadataOf(const Object& object) {
  return std::visit(
      [](const auto& o) -> const ObjectMeta& { return o.metadata; }, object);
}

}  // namespace podwall::schema
