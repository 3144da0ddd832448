// ClusterNetworkPolicy and Node through the file pipeline (decode, default,
// validate): every field decoded alike from YAML and JSON, the CRD's rules
// with the line each error is reported on, and what the API server's
// pruning means for ingress peers.

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/decode.h"
#include "policy-schema/encode.h"
#include "policy-schema/manifest.h"
#include "policy-schema/validation.h"

namespace podwall::schema {
namespace {

using ::testing::HasSubstr;

// Every field of the experimental channel, once.
constexpr char kFull[] = R"(apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: tenants
  labels: {team: net}
spec:
  tier: Admin
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {tenant: a}}
      podSelector:
        matchExpressions: [{key: app, operator: In, values: [web]}]
  ingress:
  - name: allow-monitoring
    action: Accept
    from:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
    protocols:
    - tcp: {destinationPort: {number: 9090}}
    - destinationNamedPort: metrics
  - name: pass-same-tenant
    action: Pass
    from:
    - pods:
        podSelector: {}
  egress:
  - name: no-metadata
    action: Deny
    to:
    - networks: [169.254.169.254/32, fd00:ec2::254/128]
  - action: Accept
    to:
    - nodes: {matchLabels: {node-role.kubernetes.io/control-plane: ""}}
    protocols:
    - udp: {destinationPort: {range: {start: 30000, end: 32767}}}
    - sctp: {destinationPort: {number: 9}}
  - action: Accept
    to:
    - domainNames: [kubernetes.io, "*.example.com"]
---
apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels: {kubernetes.io/hostname: node-1}
status:
  addresses:
  - {type: InternalIP, address: 10.0.0.11}
  - {type: InternalIP, address: fd00::11}
  - {type: Hostname, address: node-1}
)";

TEST(ClusterPolicyDecodeTest, Yaml_EveryField_Decoded) {
  absl::StatusOr<ManifestSet> set = ParseManifests(kFull, "cnp.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 2u);
  const auto& cnp = std::get<ClusterNetworkPolicy>(set->objects[0].object);
  EXPECT_EQ(cnp.metadata.name, "tenants");
  EXPECT_EQ(cnp.metadata.namespace_, "");  // Cluster-scoped: no default.
  EXPECT_EQ(cnp.spec.tier, "Admin");
  EXPECT_EQ(cnp.spec.priority, 10);
  ASSERT_TRUE(cnp.spec.subject && cnp.spec.subject->pods);
  EXPECT_EQ(
      cnp.spec.subject->pods->namespace_selector.match_labels.at("tenant"),
      "a");
  ASSERT_EQ(cnp.spec.ingress.size(), 2u);
  const ClusterNetworkPolicyRule& in0 = cnp.spec.ingress[0];
  EXPECT_EQ(in0.name, "allow-monitoring");
  EXPECT_EQ(in0.action, "Accept");
  ASSERT_TRUE(in0.peers && in0.protocols);
  EXPECT_TRUE((*in0.peers)[0].namespaces);
  EXPECT_EQ((*in0.protocols)[0].tcp->destination_port->number, 9090);
  EXPECT_EQ((*in0.protocols)[1].destination_named_port, "metrics");
  // An absent namespaceSelector is the empty one.
  EXPECT_TRUE((*cnp.spec.ingress[1].peers)[0].pods->namespace_selector.empty());
  ASSERT_EQ(cnp.spec.egress.size(), 3u);
  EXPECT_EQ((*cnp.spec.egress[0].peers)[0].networks->size(), 2u);
  const auto& range =
      (*cnp.spec.egress[1].protocols)[0].udp->destination_port->range;
  ASSERT_TRUE(range);
  EXPECT_EQ(range->start, 30000);
  EXPECT_EQ(range->end, 32767);
  EXPECT_TRUE((*cnp.spec.egress[1].peers)[0].nodes);
  EXPECT_EQ((*cnp.spec.egress[2].peers)[0].domain_names->at(1),
            "*.example.com");
  const auto& node = std::get<Node>(set->objects[1].object);
  EXPECT_EQ(node.metadata.name, "node-1");
  ASSERT_EQ(node.addresses.size(), 3u);
  EXPECT_EQ(node.addresses[1].address, "fd00::11");
}

TEST(ClusterPolicyDecodeTest, EncodeThenDecode_JsonAndYaml_SameObjects) {
  absl::StatusOr<ManifestSet> set = ParseManifests(kFull, "cnp.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  for (const auto& d : set->objects) {
    const std::string json = EncodeJson(d.object);
    for (auto decode : {&DecodeJson, &DecodeYaml}) {
      absl::StatusOr<DecodeResult> back = decode(json, "rt");
      ASSERT_TRUE(back.ok()) << back.status() << "\n" << json;
      ASSERT_EQ(back->objects.size(), 1u);
      EXPECT_EQ(back->objects[0].object, d.object) << json;
    }
  }
}

TEST(ClusterPolicyDecodeTest, ApiServerList_ItemsWithoutKind_AreCnps) {
  const std::string json = R"({"kind":"ClusterNetworkPolicyList",
    "apiVersion":"policy.networking.k8s.io/v1alpha2",
    "metadata":{"resourceVersion":"42"},
    "items":[{"metadata":{"name":"a"},"spec":{"tier":"Baseline",
      "priority":0,"subject":{"namespaces":{}},
      "ingress":[{"action":"Deny","from":[{"namespaces":{}}]}]}}]})";
  absl::StatusOr<DecodeResult> r = DecodeJson(json, "list.json");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->objects.size(), 1u);
  const auto* cnp = std::get_if<ClusterNetworkPolicy>(&r->objects[0].object);
  ASSERT_NE(cnp, nullptr);
  EXPECT_EQ(cnp->spec.tier, "Baseline");
  EXPECT_EQ(cnp->spec.priority, 0);
  EXPECT_EQ(r->list_resource_version, "42");
}

TEST(ClusterPolicyDecodeTest, IngressPeerWithOnlyNetworks_IsPrunedToEmpty) {
  // `networks` is not in the ingress peer's schema: the API server drops it,
  // leaving a peer with no field, which must fail closed.
  const std::string json = R"({"kind":"ClusterNetworkPolicy",
    "apiVersion":"policy.networking.k8s.io/v1alpha2","metadata":{"name":"a"},
    "spec":{"tier":"Admin","priority":1,"subject":{"namespaces":{}},
    "ingress":[{"action":"Deny","from":[{"networks":["10.0.0.0/8"]}]}]}})";
  absl::StatusOr<DecodeResult> r = DecodeJson(json, "a.json");
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& cnp = std::get<ClusterNetworkPolicy>(r->objects[0].object);
  EXPECT_EQ((*cnp.spec.ingress[0].peers)[0], ClusterNetworkPolicyPeer{});
  FieldErrors errs = ValidateObject(r->objects[0].object);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].ToString(),
            "spec.ingress[0].from[0]: Invalid value: 0: "
            "spec.ingress[0].from[0] in body should have at least 1 "
            "properties");
}

TEST(ClusterPolicyDecodeTest, DomainNames_AcceptedWithAWarningThatSaysWhy) {
  absl::StatusOr<ManifestSet> set = ParseManifests(kFull, "cnp.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->warnings.size(), 1u);
  EXPECT_THAT(set->warnings[0],
              HasSubstr("cnp.yaml:40: spec.egress[2].to[0].domainNames: "
                        "podwall does not resolve domain names"));
}

TEST(ClusterPolicyDecodeTest, WrongApiVersion_IsUnsupported) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "apiVersion: policy.networking.k8s.io/v1alpha1\n"
      "kind: ClusterNetworkPolicy\nmetadata: {name: a}\n",
      "a.yaml");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("a.yaml:1: apiVersion: Unsupported value: "
                        "\"policy.networking.k8s.io/v1alpha1\""));
}

TEST(ClusterPolicyDecodeTest, AdminNetworkPolicy_IsSkippedWithWarning) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "apiVersion: policy.networking.k8s.io/v1alpha1\n"
      "kind: AdminNetworkPolicy\nmetadata: {name: a}\n",
      "a.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->objects.empty());
  ASSERT_EQ(set->warnings.size(), 1u);
  EXPECT_THAT(set->warnings[0], HasSubstr("skipping kind AdminNetworkPolicy"));
}

struct Case {
  std::string name;
  std::string spec;   // Under `spec:`, indented two spaces; line 5 onwards.
  std::string error;  // Empty: valid.
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ClusterPolicyValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ClusterPolicyValidationTest, Validate_Case_MatchesExpectation) {
  const Case& c = GetParam();
  const std::string text = absl::StrCat(
      "apiVersion: policy.networking.k8s.io/v1alpha2\n"
      "kind: ClusterNetworkPolicy\nmetadata: {name: p}\nspec:\n",
      c.spec);
  absl::StatusOr<ManifestSet> set = ParseManifests(text, "c.yaml");
  if (c.error.empty()) {
    EXPECT_TRUE(set.ok()) << set.status() << "\n" << text;
  } else {
    ASSERT_FALSE(set.ok()) << "accepted:\n" << text;
    EXPECT_THAT(std::string(set.status().message()), HasSubstr(c.error))
        << text;
  }
}

// Lines: `tier` is line 5, `priority` 6, `subject` 7, the first rule 9.
constexpr char kHead[] =
    "  tier: Admin\n  priority: 5\n  subject: {namespaces: {}}\n";

std::string Egress(const std::string& rule) {
  return absl::StrCat(kHead, "  egress:\n", rule);
}

const Case kCases[] = {
    {"Minimal", kHead, ""},
    {"BaselinePriority1000",
     "  tier: Baseline\n  priority: 1000\n  subject: {namespaces: {}}\n", ""},
    {"TierMissing", "  priority: 1\n  subject: {namespaces: {}}\n",
     "c.yaml:4: spec.tier: Required value"},
    {"TierUnknown",
     "  tier: Developer\n  priority: 1\n  subject: {namespaces: {}}\n",
     "c.yaml:5: spec.tier: Unsupported value: \"Developer\": supported "
     "values: \"Admin\", \"Baseline\""},
    {"PriorityMissing", "  tier: Admin\n  subject: {namespaces: {}}\n",
     "spec.priority: Required value"},
    {"PriorityTooHigh",
     "  tier: Admin\n  priority: 1001\n  subject: {namespaces: {}}\n",
     "c.yaml:6: spec.priority: Invalid value: 1001: spec.priority in body "
     "should be less than or equal to 1000"},
    {"PriorityNegative",
     "  tier: Admin\n  priority: -1\n  subject: {namespaces: {}}\n",
     "should be greater than or equal to 0"},
    {"SubjectMissing", "  tier: Admin\n  priority: 1\n",
     "spec.subject: Required value"},
    {"SubjectEmpty", "  tier: Admin\n  priority: 1\n  subject: {}\n",
     "c.yaml:7: spec.subject: Invalid value: 0: spec.subject in body should "
     "have at least 1 properties"},
    {"SubjectBoth",
     "  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {}\n"
     "    pods: {podSelector: {}}\n",
     "spec.subject: Too many: 2: must have at most 1 items"},
    {"SubjectBadSelector",
     "  tier: Admin\n  priority: 1\n  subject:\n    pods:\n"
     "      podSelector: {matchExpressions: [{key: a, operator: Has}]}\n",
     "spec.subject.pods.podSelector.matchExpressions[0].operator: Invalid "
     "value: \"Has\""},
    {"ActionMissing", Egress("  - to: [{namespaces: {}}]\n"),
     "c.yaml:9: spec.egress[0].action: Required value"},
    {"ActionUnknown", Egress("  - action: Allow\n    to: [{namespaces: {}}]\n"),
     "c.yaml:9: spec.egress[0].action: Unsupported value: \"Allow\": "
     "supported values: \"Accept\", \"Deny\", \"Pass\""},
    {"ToMissing", Egress("  - action: Deny\n"),
     "spec.egress[0].to: Required value"},
    {"ToEmpty", Egress("  - action: Deny\n    to: []\n"),
     "c.yaml:10: spec.egress[0].to: Invalid value: 0: spec.egress[0].to in "
     "body should have at least 1 items"},
    {"PeerTwoFields",
     Egress("  - action: Deny\n    to:\n    - namespaces: {}\n"
            "      networks: [10.0.0.0/8]\n"),
     "c.yaml:11: spec.egress[0].to[0]: Too many: 2: must have at most 1 "
     "items"},
    {"NetworksEmpty", Egress("  - action: Deny\n    to:\n    - networks: []\n"),
     "spec.egress[0].to[0].networks: Invalid value: 0"},
    {"NetworkBadCidr",
     Egress("  - action: Deny\n    to:\n    - networks: [10.0.0.0/33]\n"),
     "c.yaml:11: spec.egress[0].to[0].networks[0]: Invalid value: "
     "\"10.0.0.0/33\": Invalid CIDR format provided"},
    {"NetworkDuplicate",
     Egress("  - action: Deny\n    to:\n"
            "    - networks: [10.0.0.0/8, 10.0.0.0/8]\n"),
     "spec.egress[0].to[0].networks[1]: Duplicate value: \"10.0.0.0/8\""},
    {"NetworkTooLong",
     Egress("  - action: Deny\n    to:\n    - networks: ["
            "'00000:0000:0000:0000:0000:0000:0000:0000/128']\n"),
     "spec.egress[0].to[0].networks[0]: Too long: may not be more than 43 "
     "bytes"},
    {"DomainWildcardInside",
     Egress("  - action: Accept\n    to:\n    - domainNames: [a.*.io]\n"),
     "spec.egress[0].to[0].domainNames[0]: Invalid value: \"a.*.io\": "
     "spec.egress[0].to[0].domainNames[0] in body should match"},
    {"DomainSingleLabel",
     Egress("  - action: Accept\n    to:\n    - domainNames: [localhost]\n"),
     "domainNames[0]: Invalid value: \"localhost\""},
    {"DomainTrailingDotOk",
     Egress("  - action: Accept\n    to:\n"
            "    - domainNames: [kubernetes.io., '*.a_b.example.com']\n"),
     ""},
    {"RuleNameTooLong",
     Egress(absl::StrCat("  - name: ", std::string(101, 'n'),
                         "\n    action: Deny\n    to: [{namespaces: {}}]\n")),
     "c.yaml:9: spec.egress[0].name: Too long: may not be more than 100 "
     "bytes"},
    {"ProtocolsEmpty",
     Egress(
         "  - action: Deny\n    to: [{namespaces: {}}]\n    protocols: []\n"),
     "spec.egress[0].protocols: Invalid value: 0"},
    {"ProtocolTwoFields",
     Egress("  - action: Deny\n    to: [{namespaces: {}}]\n    protocols:\n"
            "    - tcp: {destinationPort: {number: 80}}\n"
            "      udp: {destinationPort: {number: 80}}\n"),
     "c.yaml:12: spec.egress[0].protocols[0]: Too many: 2"},
    {"TcpWithoutPort",
     Egress("  - action: Deny\n    to: [{namespaces: {}}]\n    protocols:\n"
            "    - tcp: {}\n"),
     "spec.egress[0].protocols[0].tcp: Invalid value: 0: "
     "spec.egress[0].protocols[0].tcp in body should have at least 1 "
     "properties"},
    {"PortZero",
     Egress("  - action: Deny\n    to: [{namespaces: {}}]\n    protocols:\n"
            "    - tcp: {destinationPort: {number: 0}}\n"),
     "spec.egress[0].protocols[0].tcp.destinationPort.number: Invalid "
     "value: 0"},
    {"PortNumberAndRange",
     Egress("  - action: Deny\n    to: [{namespaces: {}}]\n    protocols:\n"
            "    - tcp: {destinationPort: {number: 1, range: {start: 1, end: "
            "2}}}\n"),
     "spec.egress[0].protocols[0].tcp.destinationPort: Too many: 2"},
    {"RangeNotIncreasing",
     Egress("  - action: Deny\n    to: [{namespaces: {}}]\n    protocols:\n"
            "    - udp: {destinationPort: {range: {start: 80, end: 80}}}\n"),
     "spec.egress[0].protocols[0].udp.destinationPort.range: Invalid value: "
     "\"object\": Start port must be less than End port"},
    {"RangeEndTooHigh",
     Egress("  - action: Deny\n    to: [{namespaces: {}}]\n    protocols:\n"
            "    - sctp: {destinationPort: {range: {start: 1, end: 70000}}}\n"),
     "range.end: Invalid value: 70000"},
    {"NamedPortWithNetworks",
     Egress("  - action: Deny\n    to: [{networks: [10.0.0.0/8]}]\n"
            "    protocols: [{destinationNamedPort: http}]\n"),
     "c.yaml:9: spec.egress[0]: Invalid value: \"object\": "
     "networks/nodes/domainNames peer cannot be set with namedPorts"},
    {"NamedPortWithPods",
     Egress("  - action: Deny\n    to: [{pods: {podSelector: {}}}]\n"
            "    protocols: [{destinationNamedPort: http}]\n"),
     ""},
    {"IngressNodesIsPrunedThenEmpty",
     absl::StrCat(kHead,
                  "  ingress:\n  - action: Deny\n    from:\n"
                  "    - nodes: {}\n"),
     "spec.ingress[0].from[0]: Invalid value: 0"},
    {"TooManyRules",
     absl::StrCat(kHead, "  ingress:\n",
                  [] {
                    std::string rules;
                    for (int i = 0; i < 26; ++i) {
                      rules += "  - {action: Deny, from: [{namespaces: {}}]}\n";
                    }
                    return rules;
                  }()),
     "c.yaml:8: spec.ingress: Too many: 26: must have at most 25 items"},
};

INSTANTIATE_TEST_SUITE_P(All, ClusterPolicyValidationTest,
                         ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(ClusterPolicyValidationTest, Namespaced_IsForbidden) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      absl::StrCat("apiVersion: policy.networking.k8s.io/v1alpha2\n"
                   "kind: ClusterNetworkPolicy\n"
                   "metadata: {name: p, namespace: x}\nspec:\n",
                   kHead),
      "c.yaml");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("metadata.namespace: Forbidden"));
}

TEST(ClusterPolicyValidationTest, NodeBadInternalIp_IsInvalid) {
  absl::StatusOr<ManifestSet> set = ParseManifests(
      "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus:\n"
      "  addresses: [{type: InternalIP, address: 10.0.0.300}]\n",
      "n.yaml");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("n.yaml:5: status.addresses[0].address: Invalid "
                        "value: \"10.0.0.300\""));
}

}  // namespace
}  // namespace podwall::schema
