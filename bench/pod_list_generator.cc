#include "bench/pod_list_generator.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace podwall::bench {
namespace {

constexpr const char* kApps[] = {"web",    "api",      "db",   "cache",
                                 "worker", "frontend", "auth", "search"};

}  // namespace

std::string GeneratePodListJson(const PodListShape& shape) {
  std::mt19937_64 rng(shape.seed);
  std::string out;
  out.reserve(static_cast<std::size_t>(shape.pods) * 3200);
  out +=
      "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
      "\"resourceVersion\":\"987654\"},\"items\":[";
  for (int i = 0; i < shape.pods; ++i) {
    const int ns = i % shape.namespaces;
    const char* app = kApps[rng() % std::size(kApps)];
    const std::string hash = absl::StrFormat("%08x", rng() & 0xffffffff);
    const std::string name = absl::StrCat(app, "-", hash, "-", i);
    const std::string uid = absl::StrFormat(
        "%08x-%04x-4%03x-a%03x-%012x", rng() & 0xffffffff, rng() & 0xffff,
        rng() & 0xfff, rng() & 0xfff, rng() & 0xffffffffffff);
    const int node = static_cast<int>(rng() % shape.nodes);
    const std::string ip =
        absl::StrCat("10.", 64 + node / 256, ".", node % 256, ".", i % 250 + 2);
    if (i > 0) out += ',';
    absl::StrAppend(
        &out, "{\"metadata\":{\"name\":\"", name, "\",\"generateName\":\"", app,
        "-", hash, "-\",\"namespace\":\"ns-", ns, "\",\"uid\":\"", uid,
        "\",\"resourceVersion\":\"", 100000 + i,
        "\",\"creationTimestamp\":\"2026-11-01T10:00:00Z\",\"labels\":{"
        "\"app\":\"",
        app, "\",\"pod-template-hash\":\"", hash, "\",\"tier\":\"",
        (i % 3 == 0 ? "frontend" : "backend"), "\",\"version\":\"v", i % 4,
        "\"},\"annotations\":{"
        "\"kubectl.kubernetes.io/restartedAt\":\"2026-10-30T08:00:00Z\","
        "\"prometheus.io/scrape\":\"true\"},\"ownerReferences\":[{"
        "\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"",
        app, "-", hash, "\",\"uid\":\"", uid,
        "\",\"controller\":true,\"blockOwnerDeletion\":true}],"
        "\"managedFields\":[{\"manager\":\"kube-controller-manager\","
        "\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":"
        "\"2026-11-01T10:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{"
        "\"f:metadata\":{\"f:generateName\":{},\"f:labels\":{\".\":{},"
        "\"f:app\":{},\"f:pod-template-hash\":{}},\"f:ownerReferences\":{"
        "\".\":{},\"k:{\\\"uid\\\":\\\"",
        uid,
        "\\\"}\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"",
        app,
        "\\\"}\":{\".\":{},\"f:image\":{},\"f:ports\":{}}}}}},{\"manager\":"
        "\"kubelet\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":"
        "\"2026-11-01T10:00:05Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{"
        "\"f:status\":{\"f:conditions\":{},\"f:podIP\":{},\"f:podIPs\":{}}},"
        "\"subresource\":\"status\"}]},\"spec\":{\"volumes\":[{\"name\":"
        "\"kube-api-access-",
        hash.substr(0, 5),
        "\",\"projected\":{\"sources\":[{\"serviceAccountToken\":{"
        "\"expirationSeconds\":3607,\"path\":\"token\"}}],\"defaultMode\":420}}"
        "],\"containers\":[{\"name\":\"",
        app, "\",\"image\":\"registry.example/", app, ":1.", i % 7,
        "\",\"ports\":[{\"name\":\"http\",\"containerPort\":", 8080 + i % 3,
        ",\"protocol\":\"TCP\"},{\"name\":\"metrics\",\"containerPort\":9090,"
        "\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\","
        "\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":"
        "\"128Mi\"}},\"volumeMounts\":[{\"name\":\"kube-api-access\","
        "\"readOnly\":true,\"mountPath\":"
        "\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
        "\"terminationMessagePath\":\"/dev/termination-log\","
        "\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":"
        "\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
        "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
        "\"serviceAccountName\":\"default\",\"nodeName\":\"node-",
        node,
        "\",\"securityContext\":{},\"schedulerName\":\"default-scheduler\","
        "\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\","
        "\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        "\"tolerationSeconds\":300},{\"key\":"
        "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
        "\"effect\":\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,"
        "\"enableServiceLinks\":true,\"preemptionPolicy\":"
        "\"PreemptLowerPriority\"},\"status\":{\"phase\":\"Running\","
        "\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\","
        "\"lastProbeTime\":null,\"lastTransitionTime\":"
        "\"2026-11-01T10:00:00Z\"},{\"type\":\"Ready\",\"status\":\"True\","
        "\"lastProbeTime\":null,\"lastTransitionTime\":"
        "\"2026-11-01T10:00:05Z\"},{\"type\":\"ContainersReady\",\"status\":"
        "\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":"
        "\"2026-11-01T10:00:05Z\"},{\"type\":\"PodScheduled\",\"status\":"
        "\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":"
        "\"2026-11-01T10:00:00Z\"}],\"hostIP\":\"192.168.",
        node / 256, ".", node % 256, "\",\"podIP\":\"", ip,
        "\",\"podIPs\":[{\"ip\":\"", ip,
        "\"}],\"startTime\":\"2026-11-01T10:00:00Z\",\"containerStatuses\":[{"
        "\"name\":\"",
        app,
        "\",\"state\":{\"running\":{\"startedAt\":\"2026-11-01T10:00:03Z\"}},"
        "\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\":"
        "\"registry.example/",
        app, ":1.", i % 7, "\",\"imageID\":\"registry.example/app@sha256:",
        std::string(64, 'a' + i % 6), "\",\"containerID\":\"containerd://",
        std::string(64, '0' + i % 10),
        "\",\"started\":true}],\"qosClass\":\"Burstable\"}}");
  }
  out += "]}";
  return out;
}

}  // namespace podwall::bench
