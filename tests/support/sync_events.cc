#include "tests/support/sync_events.h"

#include "controller/state_loader.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::test_support {

const char kPodD[] = R"(
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: x, labels: {pod: d, app: web}}
spec: {nodeName: node-1, containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.1.9}
)";
;

const char kPolicyD[] = R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: d, namespace: x}
spec:
  podSelector: {matchLabels: {pod: d}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: red}}}]
    ports: [{port: http}]
  egress:
  - to: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]
    ports: [{port: 53, protocol: UDP}]
)";

void Upsert(const std::string& yaml, controller::ClusterState& state,
            controller::Compiler& compiler) {
  auto set = schema::ParseManifests(yaml, "step.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  for (const schema::SourcedObject& o : set->objects) {
    controller::ApplyChange({controller::ObjectChange::Type::kUpsert, o.object},
                            state, compiler);
  }
}

std::vector<SyncEvent> EveryKindOfEvent() {
  return {
      {"local pod added",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         Upsert(kPodD, state, compiler);
       }},
      {"policy selecting it: new rules and sets",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         Upsert(kPolicyD, state, compiler);
       }},
      {"policy edited: rules change, bindings do not",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         std::string edited = kPolicyD;
         edited.replace(edited.find("port: 53"), 8, "port: 54");
         edited.replace(edited.find("192.168.1.0/24"), 14, "192.168.2.0/24");
         Upsert(edited, state, compiler);
       }},
      {"policy edited: named port becomes a number",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         std::string edited = kPolicyD;
         edited.replace(edited.find("port: http"), 10, "port: 443");
         Upsert(edited, state, compiler);
       }},
      {"local pod relabelled out of the policy",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         std::string relabelled = kPodD;
         relabelled.replace(relabelled.find("pod: d"), 6, "pod: e");
         Upsert(relabelled, state, compiler);
       }},
      {"pod relabelled back and moved to a new address",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         std::string moved = kPodD;
         moved.replace(moved.find("10.0.1.9"), 8, "10.0.1.8");
         Upsert(moved, state, compiler);
       }},
      {"interface of a pod discovered",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         compiler.SetInterfaces(
             state, {{*schema::IpAddress::Parse("10.0.1.1"), "veth-xa"},
                     {*schema::IpAddress::Parse("10.0.1.8"), "veth-xd"}});
       }},
      {"a pod on two networks: a guard on each veth",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         std::string twice = kPodD;
         twice.replace(twice.find("status: {podIP: 10.0.1.9}"), 25,
                       "status: {podIPs: [{ip: 10.0.1.8}, {ip: \"fd00::8\"}]}");
         Upsert(twice, state, compiler);
         compiler.SetInterfaces(
             state, {{*schema::IpAddress::Parse("10.0.1.1"), "veth-xa"},
                     {*schema::IpAddress::Parse("10.0.1.8"), "veth-xd"},
                     {*schema::IpAddress::Parse("fd00::8"), "veth-xd2"}});
       }},
      {"... one of its networks gone",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         compiler.SetInterfaces(
             state, {{*schema::IpAddress::Parse("10.0.1.1"), "veth-xa"},
                     {*schema::IpAddress::Parse("fd00::8"), "veth-xd2"}});
       }},
      {"namespace relabelled: peer sets change",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         Upsert(
             "kind: Namespace\napiVersion: v1\n"
             "metadata: {name: z, labels: {team: red}}\n",
             state, compiler);
       }},
      {"policy deleted: its sets go",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         state.DeletePolicy("x/d");
         compiler.OnPolicyChanged(state, "x/d");
       }},
      {"local pod deleted",
       [](controller::ClusterState& state, controller::Compiler& compiler) {
         state.DeleteWorkload("x/d");
         compiler.OnWorkloadChanged(state, "x/d");
       }},
  };
}

}  // namespace podwall::test_support
