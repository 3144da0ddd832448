#ifndef PODWALL_ENFORCER_DAEMON_CNI_ENDPOINTS_H_
#define PODWALL_ENFORCER_DAEMON_CNI_ENDPOINTS_H_

// What podwall-cni reported about the pods this node just created
// (POST /v1/endpoints): their addresses and host-side interface, known to
// the node before the API server shows them (kubelet writes status.podIPs
// only after CNI ADD returns). Local Pods are remembered as their source
// reported them; the CNI's addresses are added to theirs (a recreated
// sandbox's new addresses, which the source shows only later, are
// enforced at once) and withdrawn again on CNI DEL.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "policy-schema/api_types.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::daemon {

class CniEndpoints {
 public:
  struct Endpoint {
    std::string key;  // "namespace/name"
    std::string container_id;
    std::string interface;  // Host side; may be empty.
    std::vector<std::string> ips;
    int timeout_seconds = 10;  // How long the ADD may wait for its sync.
  };

  // {"namespace","name","containerID","interface","ips":[...],
  //  "timeoutSeconds"}; errors name the field.
  static absl::StatusOr<Endpoint> ParseAdd(std::string_view json);
  // {"namespace","name","containerID"}: key and container id.
  static absl::StatusOr<Endpoint> ParseDelete(std::string_view json);

  explicit CniEndpoints(std::string node_name)
      : node_name_(std::move(node_name)) {}

  // A Pod as a source reported it, as the state should hold it: a local
  // one is remembered, and gets the CNI's addresses too.
  schema::Pod OnSourcePod(const schema::Pod& pod);
  // A Pod deleted by its source.
  void OnSourceDelete(const std::string& key);

  // Records the endpoint; returns the Pod to apply when a source had
  // reported it.
  std::optional<schema::Pod> Add(Endpoint endpoint);
  // Forgets the endpoint if `container_id` matches (or is empty); returns
  // the Pod to apply again, without the CNI's addresses.
  std::optional<schema::Pod> Remove(const std::string& key,
                                    const std::string& container_id);

  const Endpoint* Find(const std::string& key) const;
  // Address -> host-side interface, for anti-spoofing.
  std::map<schema::IpAddress, std::string> Interfaces() const;
  std::size_t size() const { return endpoints_.size(); }

 private:
  std::string node_name_;
  std::map<std::string, Endpoint> endpoints_;
  // Local pods as their source reported them.
  std::map<std::string, schema::Pod> local_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_CNI_ENDPOINTS_H_
