#ifndef PODWALL_POLICY_SCHEMA_CLUSTER_POLICY_DECODER_H_
#define PODWALL_POLICY_SCHEMA_CLUSTER_POLICY_DECODER_H_

// Internal to the decoders: the spec of a ClusterNetworkPolicy
// (policy.networking.k8s.io/v1alpha2) and the fields of a Node, read through
// a NodeReader (node_reader.h) so that YAML and JSON decode alike.
//
// Ingress peers read only `namespaces` and `pods`: the CRD's schema has no
// other field there, and the API server prunes unknown ones, so a peer that
// names only `networks` is empty — which validation rejects in a file and
// the compiler fails closed on from the API server.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy-schema/api_types.h"
#include "policy-schema/field_error.h"
#include "policy-schema/node_reader.h"

namespace podwall::schema::internal {

template <typename Node>
class ClusterPolicyDecoder {
 public:
  explicit ClusterPolicyDecoder(NodeReader<Node>& reader) : r_(reader) {}

  void Spec(const Node& n, const FieldPath& path,
            ClusterNetworkPolicySpec& spec) {
    r_.Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      if (key == "tier") {
        r_.String(v, at, spec.tier);
      } else if (key == "priority") {
        OptInt(v, at, spec.priority);
      } else if (key == "subject") {
        if (v.type() == NodeType::kNull) {
          spec.subject.reset();
          return;
        }
        ClusterNetworkPolicySubject& subject = spec.subject.emplace();
        r_.Fields(v, at, [&](std::string_view k, const Node& x) {
          if (k == "namespaces") {
            r_.OptSelector(x, at.Child(k), subject.namespaces);
          } else if (k == "pods") {
            OptPods(x, at.Child(k), subject.pods);
          }
        });
      } else if (key == "ingress" || key == "egress") {
        const bool ingress = key == "ingress";
        std::vector<ClusterNetworkPolicyRule>& rules =
            ingress ? spec.ingress : spec.egress;
        rules.clear();
        r_.Items(v, at, [&](std::size_t i, const Node& rule) {
          Rule(rule, at.Index(i), ingress, rules.emplace_back());
        });
      }
    });
  }

  void NodeFields(const Node& n, const FieldPath& path, schema::Node& node) {
    r_.Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "metadata") {
        r_.Meta(v, path.Child(key), node.metadata);
      } else if (key == "status") {
        const FieldPath status = path.Child(key);
        r_.Fields(v, status, [&](std::string_view k, const Node& x) {
          if (k != "addresses") return;
          const FieldPath list = status.Child(k);
          node.addresses.clear();
          r_.Items(x, list, [&](std::size_t i, const Node& a) {
            NodeAddress& address = node.addresses.emplace_back();
            const FieldPath item = list.Index(i);
            r_.Fields(a, item, [&](std::string_view f, const Node& y) {
              if (f == "type") {
                r_.String(y, item.Child(f), address.type);
              } else if (f == "address") {
                r_.String(y, item.Child(f), address.address);
              }
            });
          });
        });
      }
    });
  }

 private:
  void OptInt(const Node& n, const FieldPath& path,
              std::optional<int32_t>& out) {
    if (n.type() == NodeType::kNull) {
      out.reset();
      return;
    }
    out = 0;
    r_.Int32(n, path, *out);
  }

  void OptStrings(const Node& n, const FieldPath& path,
                  std::optional<std::vector<std::string>>& out) {
    if (n.type() == NodeType::kNull) {
      out.reset();
      return;
    }
    r_.StringList(n, path, out.emplace());
  }

  void OptPods(const Node& n, const FieldPath& path,
               std::optional<NamespacedPod>& out) {
    if (n.type() == NodeType::kNull) {
      out.reset();
      return;
    }
    NamespacedPod& pods = out.emplace();
    r_.Fields(n, path, [&](std::string_view k, const Node& x) {
      if (k == "namespaceSelector") {
        pods.namespace_selector = {};
        r_.Selector(x, path.Child(k), pods.namespace_selector);
      } else if (k == "podSelector") {
        pods.pod_selector = {};
        r_.Selector(x, path.Child(k), pods.pod_selector);
      }
    });
  }

  void Rule(const Node& n, const FieldPath& path, bool ingress,
            ClusterNetworkPolicyRule& rule) {
    const std::string_view peers_key = ingress ? "from" : "to";
    r_.Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      if (key == "name") {
        r_.String(v, at, rule.name);
      } else if (key == "action") {
        r_.String(v, at, rule.action);
      } else if (key == peers_key) {
        if (v.type() == NodeType::kNull) {
          rule.peers.reset();
          return;
        }
        std::vector<ClusterNetworkPolicyPeer>& peers = rule.peers.emplace();
        r_.Items(v, at, [&](std::size_t i, const Node& p) {
          Peer(p, at.Index(i), ingress, peers.emplace_back());
        });
      } else if (key == "protocols") {
        if (v.type() == NodeType::kNull) {
          rule.protocols.reset();
          return;
        }
        std::vector<ClusterNetworkPolicyProtocol>& protocols =
            rule.protocols.emplace();
        r_.Items(v, at, [&](std::size_t i, const Node& p) {
          Protocol(p, at.Index(i), protocols.emplace_back());
        });
      }
    });
  }

  void Peer(const Node& n, const FieldPath& path, bool ingress,
            ClusterNetworkPolicyPeer& peer) {
    r_.Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      if (key == "namespaces") {
        r_.OptSelector(v, at, peer.namespaces);
      } else if (key == "pods") {
        OptPods(v, at, peer.pods);
      } else if (ingress) {
        return;  // Not in the ingress peer's schema: pruned.
      } else if (key == "nodes") {
        r_.OptSelector(v, at, peer.nodes);
      } else if (key == "networks") {
        OptStrings(v, at, peer.networks);
      } else if (key == "domainNames") {
        OptStrings(v, at, peer.domain_names);
      }
    });
  }

  void Protocol(const Node& n, const FieldPath& path,
                ClusterNetworkPolicyProtocol& protocol) {
    r_.Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      std::optional<ClusterNetworkPolicyProtocolPorts>* ports =
          key == "tcp"    ? &protocol.tcp
          : key == "udp"  ? &protocol.udp
          : key == "sctp" ? &protocol.sctp
                          : nullptr;
      if (ports != nullptr) {
        if (v.type() == NodeType::kNull) {
          ports->reset();
          return;
        }
        ClusterNetworkPolicyProtocolPorts& p = ports->emplace();
        r_.Fields(v, at, [&](std::string_view k, const Node& x) {
          if (k == "destinationPort") Port(x, at.Child(k), p.destination_port);
        });
      } else if (key == "destinationNamedPort") {
        if (v.type() == NodeType::kNull) {
          protocol.destination_named_port.reset();
          return;
        }
        r_.String(v, at, protocol.destination_named_port.emplace());
      }
    });
  }

  void Port(const Node& n, const FieldPath& path,
            std::optional<ClusterNetworkPolicyPort>& out) {
    if (n.type() == NodeType::kNull) {
      out.reset();
      return;
    }
    ClusterNetworkPolicyPort& port = out.emplace();
    r_.Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      if (key == "number") {
        OptInt(v, at, port.number);
      } else if (key == "range") {
        if (v.type() == NodeType::kNull) {
          port.range.reset();
          return;
        }
        ClusterNetworkPolicyPortRange& range = port.range.emplace();
        r_.Fields(v, at, [&](std::string_view k, const Node& x) {
          if (k == "start") {
            r_.Int32(x, at.Child(k), range.start);
          } else if (k == "end") {
            r_.Int32(x, at.Child(k), range.end);
          }
        });
      }
    });
  }

  NodeReader<Node>& r_;
};

}  // namespace podwall::schema::internal

#endif  // PODWALL_POLICY_SCHEMA_CLUSTER_POLICY_DECODER_H_
