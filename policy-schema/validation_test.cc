// Table-driven tests of NetworkPolicy, Pod and Namespace validation, run
// through the full file pipeline (decode, default, validate) so that each
// case also checks the field path and the line an error is reported on.

#include "policy-schema/validation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::schema {
namespace {

using ::testing::HasSubstr;

struct Case {
  std::string name;
  // A NetworkPolicy spec body, indented two spaces under `spec:`, or a whole
  // document when `whole` is set.
  std::string yaml;
  // Empty when the object must be valid; otherwise text every error report
  // must contain (file:line: path: message).
  std::string error;
  bool whole = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::string PolicyDoc(const std::string& spec) {
  return absl::StrCat(
      "apiVersion: networking.k8s.io/v1\n"
      "kind: NetworkPolicy\n"
      "metadata:\n"
      "  name: web\n"
      "  namespace: x\n"
      "spec:\n",
      spec);
}

class ValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationTest, Validate_Case_MatchesExpectation) {
  const Case& c = GetParam();
  const std::string text = c.whole ? c.yaml : PolicyDoc(c.yaml);
  absl::StatusOr<ManifestSet> set = ParseManifests(text, "p.yaml");
  if (c.error.empty()) {
    ASSERT_TRUE(set.ok()) << set.status() << "\n" << text;
    EXPECT_EQ(set->objects.size(), 1u);
  } else {
    ASSERT_FALSE(set.ok()) << "accepted:\n" << text;
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(set.status().message()), HasSubstr(c.error))
        << text;
  }
}

// Spec lines below start at file line 7 (after the six header lines).
const Case kCases[] = {
    // --- valid policies ----------------------------------------------------
    {"EmptySpec", "  podSelector: {}\n", ""},
    {"DenyAllBoth", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
     ""},
    {"IngressFromPodSelector",
     "  podSelector: {matchLabels: {app: web}}\n"
     "  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: db}}\n",
     ""},
    {"PodAndNamespaceSelectorInOnePeer",
     "  podSelector: {}\n  ingress:\n  - from:\n"
     "    - podSelector: {}\n      namespaceSelector: {}\n",
     ""},
    {"AllOperators",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: In, values: [x, y]}\n"
     "    - {key: b, operator: NotIn, values: [z]}\n"
     "    - {key: c, operator: Exists}\n"
     "    - {key: d, operator: DoesNotExist}\n",
     ""},
    {"NumericPortWithEndPort",
     "  podSelector: {}\n  egress:\n  - ports:\n"
     "    - {protocol: TCP, port: 32000, endPort: 32768}\n",
     ""},
    {"EndPortEqualToPort",
     "  podSelector: {}\n  egress:\n  - ports:\n    - {port: 80, endPort: "
     "80}\n",
     ""},
    {"NamedPort",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: http}\n", ""},
    {"NamedPortFifteenChars",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: "
     "abcdefghij-1234}\n",
     ""},
    {"ProtocolsAll",
     "  podSelector: {}\n  ingress:\n  - ports:\n"
     "    - {protocol: TCP}\n    - {protocol: UDP, port: 53}\n"
     "    - {protocol: SCTP, port: 9}\n",
     ""},
    {"IpBlockV4Except",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 10.0.0.0/8\n        except: [10.1.0.0/16, 10.2.3.4/32]\n",
     ""},
    {"IpBlockV6Except",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 2001:db8::/32\n        except: [2001:db8:1::/48]\n",
     ""},
    {"IpBlockHostBitsAccepted",
     "  podSelector: {}\n  egress:\n  - to:\n"
     "    - ipBlock: {cidr: 10.0.0.1/8}\n",
     ""},
    {"EmptyRule", "  podSelector: {}\n  ingress:\n  - {}\n", ""},
    {"PrefixedLabelKey",
     "  podSelector:\n    matchLabels: {app.kubernetes.io/name: web}\n", ""},
    {"EmptyLabelValue", "  podSelector:\n    matchLabels: {tier: ''}\n", ""},
    {"PolicyTypesEgressOnly", "  podSelector: {}\n  policyTypes: [Egress]\n",
     ""},
    {"NullNamespaceSelectorIsAbsent",
     "  podSelector: {}\n  ingress:\n  - from:\n"
     "    - podSelector: {}\n      namespaceSelector: null\n",
     ""},

    // --- label selectors ---------------------------------------------------
    {"InWithoutValues",
     "  podSelector:\n    matchExpressions:\n    - {key: a, operator: In}\n",
     "p.yaml:9: spec.podSelector.matchExpressions[0].values: Required value: "
     "must be specified when `operator` is 'In' or 'NotIn'"},
    {"NotInWithoutValues",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: NotIn, values: []}\n",
     "spec.podSelector.matchExpressions[0].values: Required value"},
    {"ExistsWithValues",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: Exists, values: [x]}\n",
     "spec.podSelector.matchExpressions[0].values: Forbidden: may not be "
     "specified when `operator` is 'Exists' or 'DoesNotExist'"},
    {"DoesNotExistWithValues",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: DoesNotExist, values: [x]}\n",
     "matchExpressions[0].values: Forbidden"},
    {"UnknownOperator",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: Equals, values: [x]}\n",
     "p.yaml:9: spec.podSelector.matchExpressions[0].operator: Invalid value: "
     "\"Equals\": not a valid selector operator"},
    {"LowercaseOperator",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: in, values: [x]}\n",
     "operator: Invalid value: \"in\""},
    {"BadSelectorKey",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: -a, operator: Exists}\n",
     "spec.podSelector.matchExpressions[0].key: Invalid value: \"-a\": name "
     "part must consist of alphanumeric characters"},
    {"EmptySelectorKey",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: '', operator: Exists}\n",
     "key: Invalid value: \"\": name part must be non-empty"},
    {"BadSelectorValue",
     "  podSelector:\n    matchExpressions:\n"
     "    - {key: a, operator: In, values: ['bad value']}\n",
     "spec.podSelector.matchExpressions[0].values[0]: Invalid value: \"bad "
     "value\": a valid label must be an empty string"},
    {"BadMatchLabelsKey", "  podSelector:\n    matchLabels: {'a b': x}\n",
     "p.yaml:8: spec.podSelector.matchLabels: Invalid value: \"a b\""},
    {"BadMatchLabelsValue", "  podSelector:\n    matchLabels: {a: 'x y'}\n",
     "spec.podSelector.matchLabels: Invalid value: \"x y\""},
    {"LabelValueTooLong",
     absl::StrCat("  podSelector:\n    matchLabels: {a: ", std::string(64, 'v'),
                  "}\n"),
     "must be no more than 63 characters"},
    {"LabelKeyNameTooLong",
     absl::StrCat("  podSelector:\n    matchLabels: {", std::string(64, 'k'),
                  ": v}\n"),
     "name part must be no more than 63 characters"},
    {"LabelKeyBadPrefix",
     "  podSelector:\n    matchLabels: {Example.com/a: v}\n",
     "prefix part a lowercase RFC 1123 subdomain"},
    {"LabelKeyEmptyPrefix", "  podSelector:\n    matchLabels: {/a: v}\n",
     "prefix part must be non-empty"},
    {"LabelKeyTwoSlashes", "  podSelector:\n    matchLabels: {a/b/c: v}\n",
     "a qualified name must consist of"},
    {"PeerSelectorValidated",
     "  podSelector: {}\n  ingress:\n  - from:\n"
     "    - namespaceSelector:\n        matchExpressions:\n"
     "        - {key: ns, operator: In}\n",
     "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: "
     "Required value"},

    // --- ports -------------------------------------------------------------
    {"PortZero", "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 0}\n",
     "p.yaml:10: spec.ingress[0].ports[0].port: Invalid value: 0: must be "
     "between 1 and 65535, inclusive"},
    {"PortTooLarge",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 65536}\n",
     "spec.ingress[0].ports[0].port: Invalid value: 65536"},
    {"PortNegative",
     "  podSelector: {}\n  egress:\n  - ports:\n    - {port: -1}\n",
     "spec.egress[0].ports[0].port: Invalid value: -1"},
    {"EndPortBelowPort",
     "  podSelector: {}\n  egress:\n  - ports:\n"
     "    - protocol: TCP\n      port: 30000\n      endPort: 20000\n",
     "p.yaml:12: spec.egress[0].ports[0].endPort: Invalid value: 20000: must "
     "be greater than or equal to port"},
    {"EndPortTooLarge",
     "  podSelector: {}\n  egress:\n  - ports:\n"
     "    - {port: 1, endPort: 70000}\n",
     "endPort: Invalid value: 70000: must be between 1 and 65535"},
    {"EndPortWithNamedPort",
     "  podSelector: {}\n  egress:\n  - ports:\n"
     "    - {port: http, endPort: 90}\n",
     "spec.egress[0].ports[0].endPort: Invalid value: 90: may not be "
     "specified when `port` is non-numeric"},
    {"EndPortWithoutPort",
     "  podSelector: {}\n  egress:\n  - ports:\n    - {endPort: 90}\n",
     "endPort: Invalid value: 90: may not be specified when `port` is not "
     "specified"},
    {"UnsupportedProtocol",
     "  podSelector: {}\n  ingress:\n  - ports:\n"
     "    - {protocol: ICMP, port: 1}\n",
     "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": "
     "supported values: \"SCTP\", \"TCP\", \"UDP\""},
    {"LowercaseProtocol",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: tcp}\n",
     "Unsupported value: \"tcp\""},
    {"NamedPortTooLong",
     "  podSelector: {}\n  ingress:\n  - ports:\n"
     "    - {port: abcdefghijklmnop}\n",
     "port: Invalid value: \"abcdefghijklmnop\": must be no more than 15 "
     "characters"},
    {"NamedPortUppercase",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: HTTP}\n",
     "must contain only alpha-numeric characters (a-z, 0-9), and hyphens"},
    {"NamedPortNoLetter",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: '80'}\n",
     "port: Invalid value: \"80\": must contain at least one letter (a-z)"},
    {"NamedPortDoubleHyphen",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: a--b}\n",
     "must not contain consecutive hyphens"},
    {"NamedPortLeadingHyphen",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: -http}\n",
     "must not begin or end with a hyphen"},
    {"NamedPortTrailingHyphen",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: http-}\n",
     "must not begin or end with a hyphen"},
    {"NamedPortUnderscore",
     "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: my_port}\n",
     "must contain only alpha-numeric characters"},

    // --- peers and ipBlock --------------------------------------------------
    {"EmptyPeer", "  podSelector: {}\n  ingress:\n  - from:\n    - {}\n",
     "p.yaml:10: spec.ingress[0].from[0]: Required value: must specify a "
     "peer"},
    {"IpBlockWithPodSelector",
     "  podSelector: {}\n  ingress:\n  - from:\n"
     "    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n",
     "spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and "
     "another peer"},
    {"IpBlockWithNamespaceSelector",
     "  podSelector: {}\n  egress:\n  - to:\n"
     "    - ipBlock: {cidr: 10.0.0.0/8}\n      namespaceSelector: {}\n",
     "spec.egress[0].to[0]: Forbidden"},
    {"IpBlockMissingCidr",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {except: []}\n",
     "spec.egress[0].to[0].ipBlock.cidr: Required value"},
    {"IpBlockBadCidr",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0}\n",
     "spec.egress[0].to[0].ipBlock.cidr: Invalid value: \"10.0.0.0\": must be "
     "a valid CIDR value"},
    {"IpBlockPrefixTooLong",
     "  podSelector: {}\n  egress:\n  - to:\n"
     "    - ipBlock: {cidr: 10.0.0.0/33}\n",
     "ipBlock.cidr: Invalid value: \"10.0.0.0/33\""},
    {"IpBlockBadV6",
     "  podSelector: {}\n  egress:\n  - to:\n"
     "    - ipBlock: {cidr: '2001:db8:::/64'}\n",
     "ipBlock.cidr: Invalid value: \"2001:db8:::/64\""},
    {"ExceptOutsideCidr",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 10.0.0.0/16\n        except: [10.1.0.0/24]\n",
     "spec.egress[0].to[0].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": "
     "must be a strict subset of `cidr`"},
    {"ExceptEqualToCidr",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 10.0.0.0/16\n        except: [10.0.0.0/16]\n",
     "except[0]: Invalid value: \"10.0.0.0/16\": must be a strict subset"},
    {"ExceptWiderThanCidr",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 10.0.0.0/16\n        except: [10.0.0.0/8]\n",
     "must be a strict subset"},
    {"ExceptOtherFamily",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 10.0.0.0/8\n        except: ['2001:db8::/64']\n",
     "except[0]: Invalid value: \"2001:db8::/64\": must be a strict subset"},
    {"ExceptInvalid",
     "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n"
     "        cidr: 10.0.0.0/8\n        except: [banana]\n",
     "p.yaml:12: spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "
     "\"banana\": must be a valid CIDR value"},

    // --- policyTypes ---------------------------------------------------------
    {"UnknownPolicyType",
     "  podSelector: {}\n  policyTypes: [Ingress, Sideways]\n",
     "spec.policyTypes[1]: Unsupported value: \"Sideways\": supported values: "
     "\"Ingress\", \"Egress\""},
    {"TooManyPolicyTypes",
     "  podSelector: {}\n  policyTypes: [Ingress, Egress, Ingress]\n",
     "spec.policyTypes: Invalid value: \"[...]\": may not specify more than "
     "two policyTypes"},
    {"LowercasePolicyType", "  podSelector: {}\n  policyTypes: [ingress]\n",
     "Unsupported value: \"ingress\""},

    // --- metadata
    // --------------------------------------------------------------
    {"MissingName",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  namespace: x\nspec: {podSelector: {}}\n",
     "p.yaml:3: metadata.name: Required value: name or generateName is "
     "required",
     true},
    {"UppercaseName",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  name: Web\n  namespace: x\nspec: {podSelector: {}}\n",
     "p.yaml:4: metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 "
     "subdomain",
     true},
    {"DottedNameAllowed",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  name: allow.web\n  namespace: x\nspec: {podSelector: {}}\n",
     "", true},
    {"BadNamespaceName",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  name: web\n  namespace: my.ns\nspec: {podSelector: {}}\n",
     "metadata.namespace: Invalid value: \"my.ns\": a lowercase RFC 1123 "
     "label",
     true},
    {"NameTooLong",
     absl::StrCat("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                  "metadata:\n  name: ",
                  std::string(254, 'a'),
                  "\n  namespace: x\nspec: {podSelector: {}}\n"),
     "must be no more than 253 characters", true},
    {"BadObjectLabel",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  name: web\n  namespace: x\n  labels: {team: 'a/b'}\n"
     "spec: {podSelector: {}}\n",
     "metadata.labels: Invalid value: \"a/b\"", true},
    {"GenerateNameOnly",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  generateName: web-\n  namespace: x\nspec: {podSelector: {}}\n",
     "metadata.name: Required value: name is required", true},
    {"WrongApiVersion",
     "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata:\n"
     "  name: web\n  namespace: x\n",
     "p.yaml:1: apiVersion: Unsupported value: \"extensions/v1beta1\": "
     "supported values: \"networking.k8s.io/v1\"",
     true},

    // --- Namespace
    // -------------------------------------------------------------
    {"NamespaceValid", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
     "", true},
    {"NamespaceDottedName",
     "apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n",
     "metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label", true},
    {"NamespaceNameTooLong",
     absl::StrCat("apiVersion: v1\nkind: Namespace\nmetadata: {name: ",
                  std::string(64, 'n'), "}\n"),
     "must be no more than 63 characters", true},
    {"NamespaceWithNamespace",
     "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n",
     "metadata.namespace: Forbidden: not allowed on this type", true},

    // --- Pod
    // -------------------------------------------------------------------
    {"PodValid",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "spec:\n  nodeName: n1\n  containers:\n  - name: c\n    ports:\n"
     "    - {name: http, containerPort: 80}\n"
     "status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: 'fd00::1'}]}\n",
     "", true},
    {"PodContainerPortZero",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "spec:\n  containers:\n  - name: c\n    ports:\n    - {containerPort: "
     "0}\n",
     "p.yaml:8: spec.containers[0].ports[0].containerPort: Required value",
     true},
    {"PodContainerPortTooLarge",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "spec:\n  containers:\n  - name: c\n    ports:\n"
     "    - {containerPort: 70000}\n",
     "containerPort: Invalid value: 70000", true},
    {"PodBadPortName",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "spec:\n  containers:\n  - name: c\n    ports:\n"
     "    - {name: Http, containerPort: 80}\n",
     "spec.containers[0].ports[0].name: Invalid value: \"Http\"", true},
    {"PodDuplicatePortName",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "spec:\n  containers:\n  - name: c\n    ports:\n"
     "    - {name: http, containerPort: 80}\n"
     "    - {name: http, containerPort: 81}\n",
     "spec.containers[0].ports[1].name: Duplicate value: \"http\"", true},
    {"PodBadProtocol",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "spec:\n  containers:\n  - name: c\n    ports:\n"
     "    - {containerPort: 80, protocol: QUIC}\n",
     "protocol: Unsupported value: \"QUIC\"", true},
    {"PodBadIp",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "status: {podIP: 10.0.0.300}\n",
     "p.yaml:4: status.podIP: Invalid value: \"10.0.0.300\": must be a valid "
     "IP address",
     true},
    {"PodTwoIpsSameFamily",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]}\n",
     "status.podIPs[1].ip: Invalid value: \"10.0.0.2\": may specify no more "
     "than one IP for each IP family",
     true},
    {"PodIpsDisagree",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
     "status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.9}]}\n",
     "status.podIPs[0].ip: Invalid value: \"10.0.0.9\": must be the same as "
     "status.podIP",
     true},
};

INSTANTIATE_TEST_SUITE_P(All, ValidationTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(ValidationTest, Validate_SeveralErrors_ReportsEveryOne) {
  const std::string text = PolicyDoc(
      "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 0}\n"
      "    - {protocol: ICMP}\n  - from:\n    - {}\n");
  absl::StatusOr<ManifestSet> set = ParseManifests(text, "p.yaml");
  ASSERT_FALSE(set.ok());
  const std::string msg(set.status().message());
  EXPECT_THAT(msg, HasSubstr("p.yaml:10: spec.ingress[0].ports[0].port"));
  EXPECT_THAT(msg, HasSubstr("p.yaml:11: spec.ingress[0].ports[1].protocol"));
  EXPECT_THAT(msg, HasSubstr("p.yaml:13: spec.ingress[1].from[0]: Required"));
}

TEST(ValidationTest, ValidateNetworkPolicyPort_DirectCall_UsesGivenPath) {
  NetworkPolicyPort port;
  port.port = PortRef{false, 10, ""};
  port.end_port = 5;
  FieldErrors errs =
      ValidateNetworkPolicyPort(port, FieldPath("spec").Child("x").Index(2));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].ToString(),
            "spec.x[2].endPort: Invalid value: 5: must be greater than or "
            "equal to port");
}

}  // namespace
}  // namespace podwall::schema
