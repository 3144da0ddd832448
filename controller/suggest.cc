#include "controller/suggest.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace podwall::controller {
namespace {

using Labels = std::map<std::string, std::string>;

// A workload: the pods of one namespace that share their stable labels.
struct Group {
  std::string namespace_;
  Labels labels;                    // Stable labels, the selector.
  std::vector<std::string> absent;  // Keys that must not exist.
  std::vector<const Workload*> pods;
  bool operator<(const Group& o) const {
    return std::tie(namespace_, labels) < std::tie(o.namespace_, o.labels);
  }
};

Labels StableLabels(const Labels& labels) {
  Labels out;
  for (const auto& [k, v] : labels) {
    if (!IsUnstableLabel(k)) out[k] = v;
  }
  return out;
}

bool Includes(const Labels& big, const Labels& small) {
  for (const auto& [k, v] : small) {
    auto it = big.find(k);
    if (it == big.end() || it->second != v) return false;
  }
  return true;
}

// Every workload of `ns`, its selector made exact.
std::vector<Group> GroupsOf(const ClusterState& state, const std::string& ns) {
  std::map<Labels, Group> by;
  for (std::string_view key : state.WorkloadsInNamespace(ns)) {
    const Workload* w = state.FindWorkload(key);
    if (!w || !w->eligible) continue;
    Labels stable = StableLabels(w->labels);
    Group& g = by[stable];
    g.namespace_ = ns;
    g.labels = stable;
    g.pods.push_back(w);
  }
  std::vector<Group> out;
  for (auto& [labels, g] : by) out.push_back(std::move(g));
  for (Group& g : out) {
    for (const Group& other : out) {
      if (&other == &g || other.labels.size() <= g.labels.size() ||
          !Includes(other.labels, g.labels)) {
        continue;
      }
      for (const auto& [k, v] : other.labels) {
        if (!g.labels.contains(k)) {
          if (std::find(g.absent.begin(), g.absent.end(), k) ==
              g.absent.end()) {
            g.absent.push_back(k);
          }
          break;
        }
      }
    }
    std::sort(g.absent.begin(), g.absent.end());
  }
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// matchLabels / matchExpressions at `indent`.
std::string SelectorYaml(const Labels& labels,
                         const std::vector<std::string>& absent,
                         const std::string& indent) {
  if (labels.empty() && absent.empty()) return " {}\n";
  std::string out = "\n";
  if (!labels.empty()) {
    absl::StrAppend(&out, indent, "matchLabels:\n");
    for (const auto& [k, v] : labels) {
      absl::StrAppend(&out, indent, "  ", Quote(k), ": ", Quote(v), "\n");
    }
  }
  if (!absent.empty()) {
    absl::StrAppend(&out, indent, "matchExpressions:\n");
    for (const std::string& k : absent) {
      absl::StrAppend(&out, indent, "- {key: ", Quote(k),
                      ", operator: DoesNotExist}\n");
    }
  }
  return out;
}

std::string DnsName(const Labels& labels) {
  std::string out = "suggested";
  for (const auto& [k, v] : labels) {
    out += "-";
    for (char c : v) {
      const char l =
          static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += (std::isalnum(static_cast<unsigned char>(l)) != 0) ? l : '-';
    }
  }
  if (labels.empty()) out += "-unlabelled";
  if (out.size() > 55) out.resize(55);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// A peer: the key that tells peers apart, and its YAML (a list item).
struct Peer {
  std::string key;
  std::string yaml;
  const Group* group = nullptr;  // Null for an ipBlock.
};

struct PortKey {
  ir::Protocol protocol;
  uint16_t port;
  auto operator<=>(const PortKey&) const = default;
};

}  // namespace

bool IsUnstableLabel(const std::string& key) {
  static const std::set<std::string> kUnstable = {
      "pod-template-hash",
      "controller-revision-hash",
      "pod-template-generation",
      "statefulset.kubernetes.io/pod-name",
      "apps.kubernetes.io/pod-index",
      "controller-uid",
      "batch.kubernetes.io/controller-uid",
      "batch.kubernetes.io/job-completion-index",
      "job-name",
      "batch.kubernetes.io/job-name"};
  return kUnstable.contains(key);
}

absl::StatusOr<Suggestion> SuggestPolicies(
    const ClusterState& state, const std::vector<RecordedConnection>& seen,
    const SuggestRequest& request) {
  std::string ns = request.namespace_;
  const Workload* only = nullptr;
  if (!request.pod.empty()) {
    only = state.FindWorkload(request.pod);
    if (!only || !only->eligible) {
      return absl::InvalidArgumentError(
          absl::StrCat("--pod ", request.pod, ": no such running pod"));
    }
    ns = only->namespace_;
  }
  // Every namespace's workloads as a peer needs them (map nodes stay put,
  // so the pointers below do too), and which workload each pod is in.
  std::map<std::string, std::vector<Group>> groups_by_ns;
  std::map<const Workload*, const Group*> group_index;
  auto groups_in = [&](const std::string& name) -> const std::vector<Group>& {
    auto [it, added] = groups_by_ns.try_emplace(name);
    if (added) {
      it->second = GroupsOf(state, name);
      for (const Group& g : it->second) {
        for (const Workload* p : g.pods) group_index[p] = &g;
      }
    }
    return it->second;
  };
  const std::vector<Group>& groups = groups_in(ns);
  if (groups.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("namespace ", ns, ": no running pods"));
  }
  auto group_of = [&](const Workload* w) -> const Group* {
    groups_in(w->namespace_);
    auto it = group_index.find(w);
    return it == group_index.end() ? nullptr : it->second;
  };
  auto peer_of = [&](const ConnectionEnd& end,
                     const std::string& indent) -> std::optional<Peer> {
    if (end.workload == nullptr) {
      const std::string cidr = absl::StrCat(
          end.address.ToString(),
          end.address.family == schema::IpFamily::kV4 ? "/32" : "/128");
      return Peer{
          "ip:" + cidr,
          absl::StrCat(indent, "- ipBlock: {cidr: ", Quote(cidr), "}\n")};
    }
    const Group* g = group_of(end.workload);
    if (g == nullptr) return std::nullopt;
    std::string yaml;
    const std::string in = indent + "  ";
    if (g->namespace_ != ns) {
      absl::StrAppend(
          &yaml, indent, "- namespaceSelector:",
          SelectorYaml({{"kubernetes.io/metadata.name", g->namespace_}}, {},
                       in + "  "),
          in, "podSelector:", SelectorYaml(g->labels, g->absent, in + "  "));
    } else {
      absl::StrAppend(&yaml, indent, "- podSelector:",
                      SelectorYaml(g->labels, g->absent, in + "  "));
    }
    std::string key = g->namespace_ + "|";
    for (const auto& [k, v] : g->labels) absl::StrAppend(&key, k, "=", v, ",");
    return Peer{key, yaml, g};
  };

  // Per group: ingress peers and egress peers, each with its ports.
  struct Rules {
    std::map<std::string, std::pair<Peer, std::set<PortKey>>> ingress, egress;
  };
  std::map<const Group*, Rules> rules;
  // The workload `w` is in, when the suggestion is for it.
  const Group* only_group = only ? group_of(only) : nullptr;
  auto selected = [&](const Workload* w) -> const Group* {
    if (!w || w->namespace_ != ns) return nullptr;
    const Group* g = group_of(w);
    return only && g != only_group ? nullptr : g;
  };
  std::size_t used = 0;
  for (const RecordedConnection& c : seen) {
    if (!c.was_allowed) continue;
    if (c.src_kind == "host" || c.dst_kind == "host") continue;
    const ConnectionEnd src = ResolveEnd(state, c.src_pod, c.src_ip);
    const ConnectionEnd dst = ResolveEnd(state, c.dst_pod, c.dst_ip);
    bool counted = false;
    if (const Group* g = selected(dst.workload)) {
      if (auto p = peer_of(src, "    ")) {
        auto& entry = rules[g].ingress[p->key];
        entry.first = *p;
        entry.second.insert({c.protocol, c.port});
        counted = true;
      }
    }
    if (const Group* g = selected(src.workload)) {
      if (auto p = peer_of(dst, "    ")) {
        auto& entry = rules[g].egress[p->key];
        entry.first = *p;
        entry.second.insert({c.protocol, c.port});
        counted = true;
      }
    }
    if (counted) ++used;
  }

  Suggestion out;
  out.connections = used;
  out.yaml = absl::StrCat(
      "# Suggested by podwall suggest from ", used, " recorded connection(s)",
      request.recorded_since.empty() ? "" : " since " + request.recorded_since,
      ": each workload may make and take exactly those; everything else\n"
      "# to and from it is denied. Review before applying.\n");
  std::set<std::string> names;
  for (const Group& g : groups) {
    if (only && &g != only_group) continue;
    std::string name = DnsName(g.labels);
    for (int i = 2; names.contains(name); ++i) {
      name = absl::StrCat(DnsName(g.labels), "-", i);
    }
    names.insert(name);
    // A port by name when every pod it goes to (this workload's for
    // ingress, the peer's for egress) names it so.
    auto port_yaml = [&](const PortKey& p, const Group* to) {
      std::string named;
      for (std::size_t i = 0; to && i < to->pods.size(); ++i) {
        std::string here;
        for (const NamedPort& np : to->pods[i]->named_ports) {
          if (np.protocol == p.protocol && np.port == p.port) here = np.name;
        }
        if (i == 0) named = here;
        if (here != named) named.clear();
        if (named.empty()) break;
      }
      return absl::StrCat(
          "    - {protocol: ", ir::ProtocolName(p.protocol),
          ", port: ", named.empty() ? absl::StrCat(p.port) : named, "}\n");
    };
    const Rules& r = rules[&g];
    absl::StrAppend(
        &out.yaml, "---\napiVersion: networking.k8s.io/v1\n",
        "kind: NetworkPolicy\nmetadata:\n  name: ", name, "\n  namespace: ", ns,
        "\nspec:\n  podSelector:", SelectorYaml(g.labels, g.absent, "    "),
        "  policyTypes: [Ingress, Egress]\n");
    for (const auto& [field, peers_field, list] :
         {std::tuple{"ingress", "from", &r.ingress},
          std::tuple{"egress", "to", &r.egress}}) {
      if (list->empty()) {
        absl::StrAppend(&out.yaml, "  ", field, ": []\n");
        continue;
      }
      absl::StrAppend(&out.yaml, "  ", field, ":\n");
      for (const auto& [key, entry] : *list) {
        absl::StrAppend(&out.yaml, "  - ", peers_field, ":\n", entry.first.yaml,
                        "    ports:\n");
        const Group* to =
            std::string_view(field) == "ingress" ? &g : entry.first.group;
        for (const PortKey& p : entry.second) out.yaml += port_yaml(p, to);
      }
    }
    ++out.policies;
  }
  return out;
}

}  // namespace podwall::controller
