#ifndef PODWALL_POLICY_SCHEMA_OBJECT_DECODER_H_
#define PODWALL_POLICY_SCHEMA_OBJECT_DECODER_H_

// Internal to the decoders: one decoder, templated on a document-node
// adapter, turns a YAML node (yaml_decoder.cc) or a JSON element
// (json_decoder.cc) into the API types. Sharing it guarantees both formats
// decode to exactly the same values.
//
// A Node adapter provides:
//   NodeType type() const;
//   std::string_view string() const;   // type() == kString
//   int64_t integer() const;           // type() == kInt
//   bool boolean() const;              // type() == kBool
//   std::optional<Node> Field(std::string_view key) const;   // kMap
//   template <class F> void ForEachField(F f) const;  // f(key, Node), kMap
//   template <class F> void ForEachItem(F f) const;   // f(index, Node), kSeq
//
// Fields are read as node_reader.h describes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy-schema/api_types.h"
#include "policy-schema/cluster_policy_decoder.h"
#include "policy-schema/field_error.h"
#include "policy-schema/node_reader.h"

namespace podwall::schema::internal {

// One object found in a document, with the node it came from so the caller
// can map its field paths to source positions.
template <typename Node>
struct DecodedItem {
  std::optional<Object> object;  // Unset when skipped or invalid.
  FieldErrors errors;            // Paths relative to `root`.
  std::string warning;           // Set when the object was skipped.
  Node root;
  std::string pointer;  // JSON pointer of `root` in its document ("" = top).
};

template <typename Node>
class ObjectDecoder : private NodeReader<Node> {
  using Reader = NodeReader<Node>;
  using Reader::Bool;
  using Reader::ExpectedGot;
  using Reader::Fail;
  using Reader::Fields;
  using Reader::Int32;
  using Reader::Items;
  using Reader::Meta;
  using Reader::OptSelector;
  using Reader::OptString;
  using Reader::Selector;
  using Reader::String;
  using Reader::StringList;
  using Reader::TakeErrors;

 public:
  // `node_budget` bounds how many nodes one document may make the decoder
  // visit, so that YAML aliases cannot blow a small file up.
  explicit ObjectDecoder(std::size_t node_budget) : Reader(node_budget) {}

  // Decodes a top-level document: one object or a List of them. Appends one
  // item per object found (list metadata is returned through the pointers).
  void DecodeDocument(const Node& root, std::vector<DecodedItem<Node>>& out,
                      std::string* list_resource_version = nullptr,
                      std::string* list_continue = nullptr) {
    std::string kind;
    std::string api_version;
    FieldErrors errs;
    if (root.type() != NodeType::kMap) {
      errs.push_back(InvalidType(FieldPath(), ExpectedGot("object", root)));
      out.push_back({std::nullopt, std::move(errs), "", root, ""});
      return;
    }
    ReadTypeMeta(root, FieldPath(), kind, api_version, errs);
    if (kind == "List" || (kind.size() > 4 && kind.ends_with("List"))) {
      DecodeList(root, kind, errs, out, list_resource_version, list_continue);
      return;
    }
    DecodeItem(root, "", "", std::move(errs), out);
  }

  // Decodes one object whose kind may be implied by the enclosing list
  // (`default_kind`, e.g. "Pod" for a PodList whose items carry no kind).
  void DecodeItem(const Node& node, std::string_view default_kind,
                  std::string pointer, FieldErrors errs,
                  std::vector<DecodedItem<Node>>& out) {
    DecodedItem<Node> item{std::nullopt, {}, "", node, std::move(pointer)};
    std::string kind;
    std::string api_version;
    if (node.type() != NodeType::kMap) {
      errs.push_back(InvalidType(FieldPath(), ExpectedGot("object", node)));
    } else {
      ReadTypeMeta(node, FieldPath(), kind, api_version, errs);
    }
    if (kind.empty() && errs.empty()) kind = std::string(default_kind);
    if (errs.empty()) {
      if (kind.empty()) {
        errs.push_back(RequiredValue(FieldPath("kind")));
      } else if (kind == "Namespace" || kind == "Pod") {
        CheckApiVersion(api_version, "v1", errs);
      } else if (const char* want = ApiVersionOf(kind)) {
        CheckApiVersion(api_version, want, errs);
      } else {
        item.warning = SkipWarning(kind);
      }
    }
    if (errs.empty() && item.warning.empty()) {
      TakeErrors();
      Object object = DecodeKind(node, kind);
      errs = TakeErrors();
      if (errs.empty()) item.object = std::move(object);
    }
    item.errors = std::move(errs);
    out.push_back(std::move(item));
  }

 private:
  void ReadTypeMeta(const Node& node, const FieldPath& path, std::string& kind,
                    std::string& api_version, FieldErrors& errs) {
    for (auto [name, target] :
         {std::pair<const char*, std::string*>{"kind", &kind},
          {"apiVersion", &api_version}}) {
      std::optional<Node> f = node.Field(name);
      if (!f || f->type() == NodeType::kNull) continue;
      if (f->type() != NodeType::kString) {
        errs.push_back(
            InvalidType(path.Child(name), ExpectedGot("string", *f)));
      } else {
        *target = std::string(f->string());
      }
    }
  }

  // The apiVersion podwall reads `kind` at; null for kinds it skips.
  static const char* ApiVersionOf(std::string_view kind) {
    if (kind == "Namespace" || kind == "Pod" || kind == "Node") return "v1";
    if (kind == "NetworkPolicy") return "networking.k8s.io/v1";
    if (kind == "ClusterNetworkPolicy") {
      return "policy.networking.k8s.io/v1alpha2";
    }
    return nullptr;
  }

  static std::string SkipWarning(std::string_view kind) {
    return "skipping kind " + std::string(kind) +
           " (podwall reads Namespace, Pod, Node, NetworkPolicy and "
           "ClusterNetworkPolicy)";
  }

  static void CheckApiVersion(const std::string& got, const char* want,
                              FieldErrors& errs) {
    if (!got.empty() && got != want) {
      errs.push_back(NotSupported(FieldPath("apiVersion"), got, {want}));
    }
  }

  void DecodeList(const Node& root, const std::string& kind, FieldErrors errs,
                  std::vector<DecodedItem<Node>>& out,
                  std::string* resource_version, std::string* continue_token) {
    std::string item_kind =
        kind == "List" ? "" : kind.substr(0, kind.size() - 4);
    if (!item_kind.empty() && ApiVersionOf(item_kind) == nullptr) {
      out.push_back(
          {std::nullopt, std::move(errs), SkipWarning(kind), root, ""});
      return;
    }
    if (std::optional<Node> meta = root.Field("metadata")) {
      const FieldPath path("metadata");
      if (meta->type() == NodeType::kMap) {
        meta->ForEachField([&](std::string_view key, const Node& v) {
          if (key == "resourceVersion" && resource_version) {
            String(v, path.Child(key), *resource_version);
          } else if (key == "continue" && continue_token) {
            String(v, path.Child(key), *continue_token);
          }
        });
      }
    }
    std::optional<Node> items = root.Field("items");
    if (items && items->type() != NodeType::kSeq &&
        items->type() != NodeType::kNull) {
      errs.push_back(
          InvalidType(FieldPath("items"), ExpectedGot("array", *items)));
    }
    for (FieldError& e : TakeErrors()) errs.push_back(std::move(e));
    if (!errs.empty()) {
      out.push_back({std::nullopt, std::move(errs), "", root, ""});
      return;
    }
    if (!items || items->type() == NodeType::kNull) return;
    items->ForEachItem([&](std::size_t i, const Node& item) {
      DecodeItem(item, item_kind, "/items/" + std::to_string(i), {}, out);
    });
  }

  Object DecodeKind(const Node& node, const std::string& kind) {
    if (kind == "Namespace") {
      Namespace ns;
      node.ForEachField([&](std::string_view key, const Node& v) {
        if (key == "metadata") Meta(v, FieldPath("metadata"), ns.metadata);
      });
      return ns;
    }
    if (kind == "Pod") {
      Pod pod;
      node.ForEachField([&](std::string_view key, const Node& v) {
        if (key == "metadata") {
          Meta(v, FieldPath("metadata"), pod.metadata);
        } else if (key == "spec") {
          PodSpecOf(v, FieldPath("spec"), pod.spec);
        } else if (key == "status") {
          PodStatusOf(v, FieldPath("status"), pod.status);
        }
      });
      return pod;
    }
    if (kind == "Node") {
      schema::Node n;
      ClusterPolicyDecoder<Node>(*this).NodeFields(node, FieldPath(), n);
      return n;
    }
    if (kind == "ClusterNetworkPolicy") {
      ClusterNetworkPolicy policy;
      node.ForEachField([&](std::string_view key, const Node& v) {
        if (key == "metadata") {
          Meta(v, FieldPath("metadata"), policy.metadata);
        } else if (key == "spec") {
          ClusterPolicyDecoder<Node>(*this).Spec(v, FieldPath("spec"),
                                                 policy.spec);
        }
      });
      return policy;
    }
    NetworkPolicy policy;
    node.ForEachField([&](std::string_view key, const Node& v) {
      if (key == "metadata") {
        Meta(v, FieldPath("metadata"), policy.metadata);
      } else if (key == "spec") {
        PolicySpec(v, FieldPath("spec"), policy.spec);
      }
    });
    return policy;
  }

  // --- Pod
  // --------------------------------------------------------------------

  void PodSpecOf(const Node& n, const FieldPath& path, PodSpec& spec) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "nodeName") {
        String(v, path.Child(key), spec.node_name);
      } else if (key == "hostNetwork") {
        Bool(v, path.Child(key), spec.host_network);
      } else if (key == "containers") {
        const FieldPath list = path.Child(key);
        spec.containers.clear();
        Items(v, list, [&](std::size_t i, const Node& c) {
          ContainerOf(c, list.Index(i), spec.containers.emplace_back());
        });
      }
    });
  }

  void ContainerOf(const Node& n, const FieldPath& path, Container& c) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "name") {
        String(v, path.Child(key), c.name);
      } else if (key == "ports") {
        const FieldPath list = path.Child(key);
        c.ports.clear();
        Items(v, list, [&](std::size_t i, const Node& p) {
          ContainerPort& port = c.ports.emplace_back();
          const FieldPath at = list.Index(i);
          Fields(p, at, [&](std::string_view k, const Node& x) {
            if (k == "name") {
              String(x, at.Child(k), port.name);
            } else if (k == "containerPort") {
              Int32(x, at.Child(k), port.container_port);
            } else if (k == "protocol") {
              OptString(x, at.Child(k), port.protocol);
            }
          });
        });
      }
    });
  }

  void PodStatusOf(const Node& n, const FieldPath& path, PodStatus& status) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "phase") {
        String(v, path.Child(key), status.phase);
      } else if (key == "podIP") {
        String(v, path.Child(key), status.pod_ip);
      } else if (key == "podIPs") {
        const FieldPath list = path.Child(key);
        status.pod_ips.clear();
        Items(v, list, [&](std::size_t i, const Node& e) {
          std::string& ip = status.pod_ips.emplace_back();
          const FieldPath at = list.Index(i);
          Fields(e, at, [&](std::string_view k, const Node& x) {
            if (k == "ip") String(x, at.Child(k), ip);
          });
        });
      }
    });
  }

  // --- NetworkPolicy
  // ----------------------------------------------------------

  void PolicySpec(const Node& n, const FieldPath& path,
                  NetworkPolicySpec& spec) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "podSelector") {
        spec.pod_selector = {};
        Selector(v, path.Child(key), spec.pod_selector);
      } else if (key == "policyTypes") {
        StringList(v, path.Child(key), spec.policy_types);
      } else if (key == "ingress") {
        const FieldPath list = path.Child(key);
        spec.ingress.clear();
        Items(v, list, [&](std::size_t i, const Node& r) {
          auto& rule = spec.ingress.emplace_back();
          Rule(r, list.Index(i), "from", rule.ports, rule.from);
        });
      } else if (key == "egress") {
        const FieldPath list = path.Child(key);
        spec.egress.clear();
        Items(v, list, [&](std::size_t i, const Node& r) {
          auto& rule = spec.egress.emplace_back();
          Rule(r, list.Index(i), "to", rule.ports, rule.to);
        });
      }
    });
  }

  void Rule(const Node& n, const FieldPath& path, std::string_view peers_key,
            std::vector<NetworkPolicyPort>& ports,
            std::vector<NetworkPolicyPeer>& peers) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "ports") {
        const FieldPath list = path.Child(key);
        ports.clear();
        Items(v, list, [&](std::size_t i, const Node& p) {
          Port(p, list.Index(i), ports.emplace_back());
        });
      } else if (key == peers_key) {
        const FieldPath list = path.Child(key);
        peers.clear();
        Items(v, list, [&](std::size_t i, const Node& p) {
          Peer(p, list.Index(i), peers.emplace_back());
        });
      }
    });
  }

  void Port(const Node& n, const FieldPath& path, NetworkPolicyPort& port) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      if (key == "protocol") {
        OptString(v, at, port.protocol);
      } else if (key == "port") {
        if (v.type() == NodeType::kNull) {
          port.port.reset();
        } else if (v.type() == NodeType::kString) {
          port.port = PortRef{true, 0, std::string(v.string())};
        } else if (v.type() == NodeType::kInt) {
          port.port = PortRef{};
          Int32(v, at, port.port->number);
        } else {
          Fail(at, "integer or string", v);
        }
      } else if (key == "endPort") {
        if (v.type() == NodeType::kNull) {
          port.end_port.reset();
        } else {
          port.end_port = 0;
          Int32(v, at, *port.end_port);
        }
      }
    });
  }

  void Peer(const Node& n, const FieldPath& path, NetworkPolicyPeer& peer) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      const FieldPath at = path.Child(key);
      if (key == "podSelector") {
        OptSelector(v, at, peer.pod_selector);
      } else if (key == "namespaceSelector") {
        OptSelector(v, at, peer.namespace_selector);
      } else if (key == "ipBlock") {
        if (v.type() == NodeType::kNull) {
          peer.ip_block.reset();
          return;
        }
        IPBlock& block = peer.ip_block.emplace();
        Fields(v, at, [&](std::string_view k, const Node& x) {
          if (k == "cidr") {
            String(x, at.Child(k), block.cidr);
          } else if (k == "except") {
            StringList(x, at.Child(k), block.except);
          }
        });
      }
    });
  }
};

}  // namespace podwall::schema::internal

#endif  // PODWALL_POLICY_SCHEMA_OBJECT_DECODER_H_
