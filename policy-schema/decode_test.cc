#include "policy-schema/decode.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/encode.h"

namespace podwall::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A Pod exactly as the API server lists it in a PodList: no kind/apiVersion
// on items, managedFields, ownerReferences, conditions and other fields
// podwall ignores.
constexpr char kApiServerPodList[] = R"json({
  "kind": "PodList",
  "apiVersion": "v1",
  "metadata": {"resourceVersion": "123456", "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},
  "items": [
    {
      "metadata": {
        "name": "web-7d4b9c-x2k1p",
        "generateName": "web-7d4b9c-",
        "namespace": "shop",
        "uid": "0f6e2b55-1f1d-4b8e-9a57-a3c1d2f0e111",
        "resourceVersion": "123400",
        "creationTimestamp": "2026-11-01T10:00:00Z",
        "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-01T09:59:00Z"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "name": "web-7d4b9c", "uid": "aa", "controller": true,
          "blockOwnerDeletion": true}],
        "managedFields": [{"manager": "kube-controller-manager",
          "operation": "Update", "apiVersion": "v1",
          "time": "2026-11-01T10:00:00Z", "fieldsType": "FieldsV1",
          "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}]
      },
      "spec": {
        "volumes": [{"name": "kube-api-access", "projected": {"sources": []}}],
        "containers": [{
          "name": "web", "image": "nginx:1.27",
          "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                    {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
          "resources": {"limits": {"cpu": "500m"}},
          "terminationMessagePath": "/dev/termination-log",
          "imagePullPolicy": "IfNotPresent"
        }],
        "restartPolicy": "Always",
        "nodeName": "node-1",
        "hostNetwork": false,
        "tolerations": [{"key": "node.kubernetes.io/not-ready",
          "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
      },
      "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True",
          "lastProbeTime": null, "lastTransitionTime": "2026-11-01T10:00:05Z"}],
        "hostIP": "192.168.1.10",
        "hostIPs": [{"ip": "192.168.1.10"}],
        "podIP": "10.244.1.5",
        "podIPs": [{"ip": "10.244.1.5"}, {"ip": "fd00:10:244:1::5"}],
        "startTime": "2026-11-01T10:00:00Z",
        "qosClass": "Burstable"
      }
    },
    {
      "metadata": {"name": "coredns-0", "namespace": "kube-system",
                   "labels": {"k8s-app": "kube-dns"}},
      "spec": {"containers": [{"name": "coredns",
        "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]}],
        "nodeName": "node-2"},
      "status": {"phase": "Running", "podIP": "10.244.2.3",
                 "podIPs": [{"ip": "10.244.2.3"}]}
    }
  ]
})json";

TEST(DecodeJsonTest, DecodeJson_ApiServerPodList_DecodesItemsWithoutKind) {
  auto result = DecodeJson(kApiServerPodList, "pods.json");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->list_resource_version, "123456");
  EXPECT_EQ(result->list_continue, "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ");
  ASSERT_EQ(result->objects.size(), 2u);
  const Pod& pod = std::get<Pod>(result->objects[0].object);
  EXPECT_EQ(pod.metadata.name, "web-7d4b9c-x2k1p");
  EXPECT_EQ(pod.metadata.namespace_, "shop");
  EXPECT_EQ(pod.metadata.uid, "0f6e2b55-1f1d-4b8e-9a57-a3c1d2f0e111");
  EXPECT_EQ(pod.metadata.resource_version, "123400");
  EXPECT_EQ(pod.metadata.labels.at("app"), "web");
  EXPECT_EQ(pod.spec.node_name, "node-1");
  EXPECT_FALSE(pod.spec.host_network);
  ASSERT_EQ(pod.spec.containers.size(), 1u);
  ASSERT_EQ(pod.spec.containers[0].ports.size(), 2u);
  EXPECT_EQ(pod.spec.containers[0].ports[1].name, "metrics");
  EXPECT_EQ(pod.spec.containers[0].ports[1].container_port, 9090);
  EXPECT_EQ(pod.status.phase, "Running");
  EXPECT_EQ(pod.status.pod_ip, "10.244.1.5");
  EXPECT_THAT(pod.status.pod_ips,
              ElementsAre("10.244.1.5", "fd00:10:244:1::5"));
  const Pod& dns = std::get<Pod>(result->objects[1].object);
  EXPECT_EQ(*dns.spec.containers[0].ports[0].protocol, "UDP");
}

TEST(DecodeJsonTest, DecodeJson_KubectlList_MixedKinds) {
  constexpr char kList[] = R"json({"apiVersion": "v1", "kind": "List",
    "items": [
      {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x",
        "labels": {"kubernetes.io/metadata.name": "x"}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}},
      {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}},
      {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
       "metadata": {"name": "deny", "namespace": "x", "generation": 1},
       "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    ], "metadata": {"resourceVersion": ""}})json";
  auto result = DecodeJson(kList, "list.json");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->objects.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Namespace>(result->objects[0].object));
  EXPECT_TRUE(std::holds_alternative<NetworkPolicy>(result->objects[1].object));
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_THAT(result->warnings[0],
              HasSubstr("list.json:6: skipping kind Service"));
}

TEST(DecodeJsonTest, DecodeJson_NetworkPolicyList_ItemsGetKind) {
  auto result = DecodeJson(
      R"({"kind":"NetworkPolicyList","apiVersion":"networking.k8s.io/v1",
          "items":[{"metadata":{"name":"a","namespace":"x"},
                    "spec":{"podSelector":{}}}]})",
      "np.json");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->objects.size(), 1u);
  EXPECT_EQ(std::get<NetworkPolicy>(result->objects[0].object).metadata.name,
            "a");
}

TEST(DecodeJsonTest, DecodeJson_WrongType_NamesPathAndLine) {
  constexpr char kDoc[] =
      "{\"kind\": \"NetworkPolicy\",\n"
      " \"apiVersion\": \"networking.k8s.io/v1\",\n"
      " \"metadata\": {\"name\": \"a\", \"namespace\": \"x\"},\n"
      " \"spec\": {\"podSelector\": {},\n"
      "   \"ingress\": [{\"ports\": [\n"
      "      {\"port\": 80.5}]}]}}\n";
  auto result = DecodeJson(kDoc, "np.json");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "np.json:6: spec.ingress[0].ports[0].port: Invalid type: "
            "expected integer or string, got number");
}

TEST(DecodeJsonTest, DecodeJson_SyntaxError_IsInvalidArgument) {
  auto result = DecodeJson("{\"kind\": ", "bad.json");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("bad.json: invalid JSON"));
}

TEST(DecodeJsonTest, DecodeJson_LabelNotString_IsTypeError) {
  auto result = DecodeJson(
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"a",
          "labels":{"version":2}}})",
      "p.json");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              HasSubstr("metadata.labels[version]: Invalid type: expected "
                        "string, got integer"));
}

TEST(DecodeJsonTest, DecodeJson_PortOutOfInt32_IsError) {
  auto result = DecodeJson(
      R"({"kind":"NetworkPolicy","apiVersion":"networking.k8s.io/v1",
          "metadata":{"name":"a"},"spec":{"ingress":[{"ports":[
          {"port":99999999999}]}]}})",
      "p.json");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              HasSubstr("port: Invalid value: 99999999999: out of range"));
}

constexpr char kMultiDoc[] = R"yaml(# Namespaces and a policy.
apiVersion: v1
kind: Namespace
metadata:
  name: x
  labels:
    team: a
---
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ignored
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: x
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {team: a}
      podSelector: {}
    ports:
    - port: 8080
    - port: http
      protocol: TCP
    - port: "81"
)yaml";

TEST(DecodeYamlTest, DecodeYaml_MultiDocument_SkipsEmptyAndUnknown) {
  auto result = DecodeYaml(kMultiDoc, "m.yaml");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->objects.size(), 2u);
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_EQ(result->warnings[0],
            "m.yaml:10: skipping kind ConfigMap (podwall reads Namespace, Pod, "
            "Node, NetworkPolicy and ClusterNetworkPolicy)");
  const auto& np = std::get<NetworkPolicy>(result->objects[1].object);
  EXPECT_EQ(np.spec.pod_selector.match_labels.at("app"), "web");
  ASSERT_EQ(np.spec.ingress.size(), 1u);
  const auto& peer = np.spec.ingress[0].from[0];
  ASSERT_TRUE(peer.namespace_selector && peer.pod_selector);
  EXPECT_TRUE(peer.pod_selector->empty());
  EXPECT_FALSE(peer.ip_block);
  const auto& ports = np.spec.ingress[0].ports;
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0].port, (PortRef{false, 8080, ""}));
  EXPECT_EQ(ports[1].port, (PortRef{true, 0, "http"}));
  // A quoted number is a string, i.e. a port name, as in Kubernetes.
  EXPECT_EQ(ports[2].port, (PortRef{true, 0, "81"}));
  EXPECT_FALSE(ports[0].protocol);  // Defaulting is a separate step.
}

TEST(DecodeYamlTest, DecodeYaml_KindList_DecodesItems) {
  auto result = DecodeYaml(R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: x}
- apiVersion: v1
  kind: Pod
  metadata: {name: b, namespace: x}
)",
                           "l.yaml");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->objects.size(), 2u);
  EXPECT_EQ(std::get<Pod>(result->objects[1].object).metadata.name, "b");
  EXPECT_EQ(result->objects[1].locator->Locate(FieldPath()).line, 7);
}

TEST(DecodeYamlTest, DecodeYaml_SyntaxError_HasLineAndColumn) {
  auto result = DecodeYaml("kind: Pod\nmetadata:\n  name: [a\n", "s.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("s.yaml:"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DecodeYamlTest, DecodeYaml_UnquotedNumberLabel_IsTypeError) {
  auto result = DecodeYaml(
      "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\n  labels:\n"
      "    version: 1.0\n",
      "p.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "p.yaml:6: metadata.labels[version]: Invalid type: expected "
            "string, got number");
}

// yaml-cpp 0.7's LoadAll never returns on these (found by the fuzzer).
TEST(DecodeYamlTest, DecodeYaml_TrailingFlowComma_IsErrorNotHang) {
  for (const char* text : {"{},", ",", "kind: Pod\n---\n{},\n"}) {
    auto result = DecodeYaml(text, "t.yaml");
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_THAT(result.status().message(),
                HasSubstr("unexpected content after the end of the document"));
  }
}

TEST(DecodeYamlTest, DecodeYaml_LaterDocument_ErrorLineCountsWholeFile) {
  auto result = DecodeYaml(
      "kind: Namespace\nmetadata: {name: a}\n---\n# c\nkind: Pod\n"
      "metadata:\n  name: [b\n",
      "t.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("t.yaml:8:"));
  auto typed = DecodeYaml(
      "kind: Namespace\nmetadata: {name: a}\n--- \nkind: Pod\n"
      "metadata:\n  name: 5\n",
      "t.yaml");
  ASSERT_FALSE(typed.ok());
  EXPECT_THAT(typed.status().message(),
              HasSubstr("t.yaml:6: metadata.name: Invalid type"));
}

TEST(DecodeYamlTest, DecodeYaml_NotAMapping_IsError) {
  auto result = DecodeYaml("- a\n- b\n", "p.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              HasSubstr("p.yaml:1: Invalid type: expected object, got array"));
}

TEST(DecodeYamlTest, DecodeYaml_MissingKind_IsRequired) {
  auto result = DecodeYaml("metadata: {name: a}\n", "p.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              HasSubstr("p.yaml:1: kind: Required value"));
}

TEST(DecodeYamlTest, DecodeYaml_AliasBomb_IsRejectedNotExpanded) {
  // Each level aliases the one below 50 times: a few KB that would expand
  // to 50^4 selector values if the decoder followed every alias.
  auto repeat = [](const std::string& item) {
    std::string out = "[";
    for (int i = 0; i < 50; ++i) out += (i ? ", " : "") + item;
    return out + "]";
  };
  std::string bomb = "x-values: &v " + repeat("a") + "\n";
  bomb += "x-exprs: &e " + repeat("{key: k, operator: In, values: *v}") + "\n";
  bomb +=
      "x-peers: &p " + repeat("{podSelector: {matchExpressions: *e}}") + "\n";
  bomb += "x-rules: &r " + repeat("{from: *p}") + "\n";
  bomb +=
      "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\n"
      "metadata: {name: a}\nspec:\n  ingress: *r\n";
  auto result = DecodeYaml(bomb, "bomb.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("too many nodes"));
}

TEST(DecodeYamlTest, DecodeYaml_NullFields_AreAbsent) {
  auto result = DecodeYaml(R"(kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: a, labels: ~}
spec:
  podSelector:
  ingress:
  - from:
    - podSelector: {}
      namespaceSelector: null
      ipBlock:
    ports:
)",
                           "n.yaml");
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& np = std::get<NetworkPolicy>(result->objects[0].object);
  EXPECT_TRUE(np.spec.pod_selector.empty());
  ASSERT_EQ(np.spec.ingress[0].from.size(), 1u);
  EXPECT_TRUE(np.spec.ingress[0].from[0].pod_selector);
  EXPECT_FALSE(np.spec.ingress[0].from[0].namespace_selector);
  EXPECT_FALSE(np.spec.ingress[0].from[0].ip_block);
  EXPECT_TRUE(np.spec.ingress[0].ports.empty());
}

TEST(DecodeTest, YamlAndJson_SameObject_DecodeIdentically) {
  auto yaml = DecodeYaml(kMultiDoc, "m.yaml");
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  for (const DecodedObject& d : yaml->objects) {
    const std::string json = EncodeJson(d.object);
    auto back = DecodeJson(json, "rt.json");
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << json;
    ASSERT_EQ(back->objects.size(), 1u);
    EXPECT_EQ(back->objects[0].object, d.object) << json;
    // And once more through YAML, since JSON is YAML.
    auto again = DecodeYaml(json, "rt.yaml");
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->objects[0].object, d.object);
  }
}

TEST(DecodeTest, RoundTrip_ApiServerPodList_EncodeDecodeIsIdentity) {
  auto list = DecodeJson(kApiServerPodList, "pods.json");
  ASSERT_TRUE(list.ok()) << list.status();
  for (const DecodedObject& d : list->objects) {
    auto back = DecodeJson(EncodeJson(d.object), "rt.json");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->objects[0].object, d.object);
  }
}

TEST(DecodeTest, DecodeManifest_SniffsJsonAndYaml) {
  auto json = DecodeManifest(
      "  \n{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":"
      "{\"name\":\"a\"}}",
      "a");
  ASSERT_TRUE(json.ok()) << json.status();
  auto yaml = DecodeManifest("kind: Namespace\nmetadata: {name: a}\n", "b");
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_EQ(json->objects[0].object, yaml->objects[0].object);
}

TEST(DecodeTest, DecodeManifest_YamlFlowMapping_IsReadAsYaml) {
  auto flow = DecodeManifest(
      "{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n", "ns.yaml");
  ASSERT_TRUE(flow.ok()) << flow.status();
  ASSERT_EQ(flow->objects.size(), 1u);
  EXPECT_EQ(std::get<Namespace>(flow->objects[0].object).metadata.name, "a");
}

TEST(DecodeTest, DecodeManifest_BrokenJson_ReportsTheJsonError) {
  auto broken = DecodeManifest("{\"kind\": \"Namespace\",", "ns.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), HasSubstr("ns.json: invalid JSON"));
}

TEST(WatchEventTest, DecodeWatchEvent_Added_CarriesObject) {
  auto event = DecodeWatchEvent(
      R"({"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1",
          "metadata":{"name":"a","namespace":"x","resourceVersion":"77",
          "managedFields":[{"manager":"kubelet"}]},
          "spec":{"nodeName":"n1","containers":[{"name":"c"}]},
          "status":{"podIP":"10.0.0.1"}}})");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->type, "ADDED");
  EXPECT_EQ(event->resource_version, "77");
  ASSERT_TRUE(event->object);
  EXPECT_EQ(std::get<Pod>(*event->object).status.pod_ip, "10.0.0.1");
}

TEST(WatchEventTest, DecodeWatchEvent_Deleted_NetworkPolicy) {
  auto event = DecodeWatchEvent(
      R"({"type":"DELETED","object":{"kind":"NetworkPolicy",
          "apiVersion":"networking.k8s.io/v1","metadata":{"name":"p",
          "namespace":"x","resourceVersion":"90"},"spec":{"podSelector":{}}}})");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->type, "DELETED");
  EXPECT_TRUE(std::holds_alternative<NetworkPolicy>(*event->object));
}

TEST(WatchEventTest, DecodeWatchEvent_Bookmark_OnlyResourceVersion) {
  auto event = DecodeWatchEvent(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1",
          "metadata":{"resourceVersion":"12345","annotations":
          {"k8s.io/initial-events-end":"true"}}}})");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->type, "BOOKMARK");
  EXPECT_EQ(event->resource_version, "12345");
  EXPECT_FALSE(event->object);
}

TEST(WatchEventTest, DecodeWatchEvent_Error410_CarriesStatus) {
  auto event = DecodeWatchEvent(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1",
          "metadata":{},"status":"Failure","message":"too old resource version: 1 (5)",
          "reason":"Expired","code":410}})j");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->status_code, 410);
  EXPECT_EQ(event->status_reason, "Expired");
  EXPECT_THAT(event->status_message, HasSubstr("too old"));
}

TEST(WatchEventTest, DecodeWatchEvent_Malformed_IsError) {
  EXPECT_FALSE(DecodeWatchEvent("{").ok());
  EXPECT_FALSE(DecodeWatchEvent(R"({"object":{}})").ok());
  EXPECT_FALSE(DecodeWatchEvent(R"({"type":"ADDED"})").ok());
}

}  // namespace
}  // namespace podwall::schema
