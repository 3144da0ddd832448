#include "bench/cluster_generator.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "policy-schema/defaults.h"
#include "policy-schema/encode.h"
#include "policy-schema/json_writer.h"

namespace podwall::bench {
namespace {

constexpr const char* kApps[] = {"web", "api", "db", "cache", "worker"};

std::string NamespaceName(int i) { return absl::StrCat("ns-", i); }

}  // namespace

schema::Pod GeneratePod(const ClusterShape& shape, int index, bool local,
                        uint64_t salt) {
  std::mt19937_64 rng(shape.seed * 1000003 + index * 7919 + salt);
  schema::Pod pod;
  const int ns = index % shape.namespaces;
  pod.metadata.namespace_ = NamespaceName(ns);
  pod.metadata.name = absl::StrCat(kApps[index % 5], "-", index);
  pod.metadata.labels = {{"app", kApps[rng() % 5]},
                         {"tier", rng() % 2 ? "frontend" : "backend"},
                         {"version", absl::StrCat("v", rng() % 3)}};
  const int nodes = std::max(1, shape.pods / std::max(1, shape.local_pods));
  pod.spec.node_name =
      local ? "node-0"
            : absl::StrCat("node-", 1 + rng() % std::max(1, nodes - 1));
  schema::Container c;
  c.name = "main";
  c.ports.push_back({"http", 8080 + static_cast<int32_t>(rng() % 3), "TCP"});
  c.ports.push_back({"metrics", 9090, "TCP"});
  pod.spec.containers.push_back(c);
  pod.status.phase = "Running";
  pod.status.pod_ip = absl::StrCat("10.", 64 + index / 65536, ".",
                                   (index / 256) % 256, ".", index % 256);
  pod.status.pod_ips = {pod.status.pod_ip};
  schema::ApplyDefaults(pod);
  return pod;
}

GeneratedCluster GenerateCluster(const ClusterShape& shape) {
  GeneratedCluster c;
  for (int i = 0; i < shape.namespaces; ++i) {
    schema::Namespace ns;
    ns.metadata.name = NamespaceName(i);
    ns.metadata.labels = {{"team", absl::StrCat("team-", i % 20)},
                          {"env", i % 3 == 0 ? "prod" : "dev"}};
    if (i == 0) ns.metadata.labels["role"] = "ingress";
    if (i == 1) ns.metadata.labels["role"] = "system";
    schema::ApplyDefaults(ns);
    c.namespaces.push_back(std::move(ns));
  }
  // Spread local pods evenly through the index space.
  const int stride = std::max(1, shape.pods / std::max(1, shape.local_pods));
  for (int i = 0; i < shape.pods; ++i) {
    const bool local = i % stride == 0 && i / stride < shape.local_pods;
    c.pods.push_back(GeneratePod(shape, i, local, 0));
  }
  // DNS pods live in ns-1 with k8s-app=kube-dns.
  for (int i = 0; i < 2 && i < static_cast<int>(c.pods.size()); ++i) {
    schema::Pod& dns = c.pods[1 + i * shape.namespaces];
    dns.metadata.labels["k8s-app"] = "kube-dns";
  }
  for (int i = 0; i < shape.policies; ++i) {
    const std::string ns = NamespaceName(i % shape.namespaces);
    const int shape_kind = (i / shape.namespaces) % 4;
    schema::NetworkPolicy np;
    np.metadata.namespace_ = ns;
    switch (shape_kind) {
      case 0:  // Default deny, both directions.
        np.metadata.name = "default-deny";
        np.spec.policy_types = {"Ingress", "Egress"};
        break;
      case 1: {  // Allow from the same namespace.
        np.metadata.name = "allow-same-namespace";
        auto& rule = np.spec.ingress.emplace_back();
        rule.from.push_back(
            {schema::LabelSelector{}, std::nullopt, std::nullopt});
        break;
      }
      case 2: {  // From the ingress controller, on the named port.
        np.metadata.name = "allow-from-ingress";
        np.spec.pod_selector.match_labels = {{"tier", "frontend"}};
        auto& rule = np.spec.ingress.emplace_back();
        schema::NetworkPolicyPeer peer;
        peer.namespace_selector =
            schema::LabelSelector{{{"role", "ingress"}}, {}};
        peer.pod_selector = schema::LabelSelector{{{"app", "web"}}, {}};
        rule.from.push_back(peer);
        rule.ports.push_back({"TCP", schema::PortRef{true, 0, "http"}, {}});
        auto& metrics = np.spec.ingress.emplace_back();
        schema::NetworkPolicyPeer prom;
        prom.namespace_selector =
            schema::LabelSelector{{{"role", "system"}}, {}};
        metrics.from.push_back(prom);
        metrics.ports.push_back(
            {"TCP", schema::PortRef{true, 0, "metrics"}, {}});
        break;
      }
      default: {  // DNS egress, egress to an app, and an ipBlock.
        np.metadata.name = "egress";
        np.spec.policy_types = {"Egress"};
        auto& dns = np.spec.egress.emplace_back();
        schema::NetworkPolicyPeer peer;
        peer.namespace_selector = schema::LabelSelector{
            {{"kubernetes.io/metadata.name", "ns-1"}}, {}};
        peer.pod_selector =
            schema::LabelSelector{{{"k8s-app", "kube-dns"}}, {}};
        dns.to.push_back(peer);
        dns.ports.push_back({"UDP", schema::PortRef{false, 53, ""}, {}});
        dns.ports.push_back({"TCP", schema::PortRef{false, 53, ""}, {}});
        auto& app = np.spec.egress.emplace_back();
        schema::NetworkPolicyPeer api;
        api.pod_selector =
            schema::LabelSelector{{}, {{"app", "In", {"api", "db"}}}};
        app.to.push_back(api);
        app.ports.push_back({"TCP", schema::PortRef{true, 0, "http"}, {}});
        auto& ext = np.spec.egress.emplace_back();
        ext.to.push_back(
            {std::nullopt, std::nullopt,
             schema::IPBlock{"0.0.0.0/0",
                             {"10.0.0.0/8", "169.254.169.254/32"}}});
        ext.ports.push_back({"TCP", schema::PortRef{false, 443, ""}, {}});
        break;
      }
    }
    if (i >= shape.namespaces * 4) {
      np.metadata.name += absl::StrCat("-", i / (shape.namespaces * 4));
    }
    schema::ApplyDefaults(np);
    c.policies.push_back(std::move(np));
  }
  return c;
}

ClusterShape ShapeFromArgs(int argc, char** argv) {
  ClusterShape shape;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--pods") shape.pods = value;
    if (flag == "--namespaces") shape.namespaces = value;
    if (flag == "--policies") shape.policies = value;
    if (flag == "--local") shape.local_pods = value;
  }
  return shape;
}

std::map<std::string, NamespaceObjects> ByNamespace(GeneratedCluster c) {
  std::map<std::string, NamespaceObjects> out;
  for (auto& ns : c.namespaces) out[ns.metadata.name].ns = std::move(ns);
  for (auto& p : c.pods) {
    out[p.metadata.namespace_].pods.push_back(std::move(p));
  }
  for (auto& np : c.policies) {
    out[np.metadata.namespace_].policies.push_back(std::move(np));
  }
  return out;
}

void WriteNamespaceFile(const std::string& dir, const NamespaceObjects& f) {
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("apiVersion").String("v1");
  w.Key("kind").String("List");
  w.Key("items").BeginArray();
  auto item = [&](const schema::Object& o) {
    w.BeginObject();
    schema::WriteObjectFields(w, o, /*type_meta=*/true);
    w.EndObject();
  };
  item(f.ns);
  for (const auto& p : f.pods) item(p);
  for (const auto& np : f.policies) item(np);
  w.EndArray();
  w.EndObject();
  const std::filesystem::path d(dir);
  const auto tmp = d / ("." + f.ns.metadata.name + ".json.new");
  std::ofstream(tmp) << w.str();
  std::filesystem::rename(tmp, d / (f.ns.metadata.name + ".json"));
}

void LoadCluster(const GeneratedCluster& cluster,
                 controller::ClusterState& state) {
  for (const auto& ns : cluster.namespaces) state.UpsertNamespace(ns);
  for (const auto& pod : cluster.pods) {
    state.UpsertWorkload(controller::WorkloadFromPod(pod));
  }
  for (const auto& np : cluster.policies) state.UpsertPolicy(np);
}

}  // namespace podwall::bench
