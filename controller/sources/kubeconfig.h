#ifndef PODWALL_CONTROLLER_SOURCES_KUBECONFIG_H_
#define PODWALL_CONTROLLER_SOURCES_KUBECONFIG_H_

// How to reach a Kubernetes API server: from a kubeconfig file (as kubectl
// reads it: current-context or a named one; server; certificate-authority
// as a file or -data; client certificate and key as files or -data; token
// or tokenFile; insecure-skip-tls-verify) or from inside a pod (the
// service's environment variables and the service-account files). Paths in
// a kubeconfig are relative to the file's directory. The Kubernetes source
// (issue 8) talks to the server with what this returns.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "controller/sources/http_client.h"

namespace podwall::sources {

// A kubeconfig resolves to how the HTTP client reaches the server.
using KubeClientConfig = HttpClientConfig;

// Errors are InvalidArgument and read
//   "kubeconfig FILE:LINE: users[0].user.client-key-data: not base64".
absl::StatusOr<KubeClientConfig> LoadKubeconfig(const std::string& path,
                                                const std::string& context);

// In-cluster: KUBERNETES_SERVICE_HOST and _PORT from `env`, the token and
// ca.crt from `service_account_dir`.
absl::StatusOr<KubeClientConfig> InClusterConfig(
    const std::map<std::string, std::string>& env,
    const std::string& service_account_dir =
        "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_KUBECONFIG_H_
