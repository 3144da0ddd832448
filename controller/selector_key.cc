#include "controller/selector_key.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace podwall::controller {

std::string CanonicalSelector(const schema::LabelSelector& selector) {
  std::set<std::string> parts;
  for (const auto& [k, v] : selector.match_labels) parts.insert(k + "=" + v);
  for (const auto& e : selector.match_expressions) {
    std::vector<std::string> values(e.values.begin(), e.values.end());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (e.op == "In") {
      parts.insert(e.key + " in (" + absl::StrJoin(values, ",") + ")");
    } else if (e.op == "NotIn") {
      parts.insert(e.key + " notin (" + absl::StrJoin(values, ",") + ")");
    } else if (e.op == "Exists") {
      parts.insert(e.key);
    } else {
      parts.insert("!" + e.key);
    }
  }
  if (parts.empty()) return "*";
  return absl::StrJoin(parts, ",");
}

std::string PodSetId(const std::string& policy_ns,
                     const schema::NetworkPolicyPeer& peer) {
  std::string scope =
      peer.namespace_selector
          ? "nssel=" + CanonicalSelector(*peer.namespace_selector)
          : "ns=" + policy_ns;
  std::string pods =
      peer.pod_selector ? CanonicalSelector(*peer.pod_selector) : "*";
  return absl::StrCat("pods{", scope, ";", pods, "}");
}

std::string CidrSetId(const std::vector<ir::AddressRange>& ranges) {
  std::string key = "cidr{";
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) key += ",";
    key += ranges[i].first.ToString();
    if (ranges[i].last != ranges[i].first) {
      key += '-';
      key += ranges[i].last.ToString();
    }
  }
  key += '}';
  return key;
}

std::string PortSetId(const ir::Rule& rule) {
  std::string key = "named{";
  if (rule.any_peer) {
    key += '*';
  } else {
    key += absl::StrJoin(rule.pod_set_ids, ",");
  }
  absl::StrAppend(&key, ";", rule.cidr_set_id, ";");
  for (std::size_t i = 0; i < rule.named_ports.size(); ++i) {
    if (i > 0) key += ",";
    absl::StrAppend(&key, ir::ProtocolName(rule.named_ports[i].first), "/",
                    rule.named_ports[i].second);
  }
  key += '}';
  return key;
}

}  // namespace podwall::controller
