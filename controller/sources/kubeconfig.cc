#include "controller/sources/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace podwall::sources {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(path + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Type checks that are safe on missing nodes (yaml-cpp throws on those).
bool IsStr(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }
bool IsMapNode(const YAML::Node& n) { return n.IsDefined() && n.IsMap(); }

// Reads kubeconfig fields with errors that name the file, line and path.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {
    dir_ = fs::path(path_).parent_path().string();
  }

  absl::Status Error(const YAML::Node& at, const std::string& field,
                     const std::string& message) const {
    const int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    return absl::InvalidArgumentError(absl::StrCat(
        "kubeconfig ", path_, line > 0 ? ":" : "",
        line > 0 ? std::to_string(line) : "", ": ", field, ": ", message));
  }

  // The entry of `list` (clusters, contexts, users) called `name`, and its
  // index for messages.
  absl::StatusOr<std::pair<YAML::Node, std::size_t>> Named(
      const YAML::Node& root, const char* list, const std::string& name) {
    const YAML::Node entries = root[list];
    if (entries.IsDefined() && !entries.IsSequence()) {
      return Error(entries, list, "must be a list");
    }
    for (std::size_t i = 0; entries.IsDefined() && i < entries.size(); ++i) {
      if (IsStr(entries[i]["name"]) &&
          entries[i]["name"].as<std::string>() == name) {
        return std::make_pair(entries[i], i);
      }
    }
    return Error(entries, list, "no entry named '" + name + "'");
  }

  // `field-data` (base64) or `field` (a path, relative to the kubeconfig).
  absl::StatusOr<std::string> DataOrFile(const YAML::Node& node,
                                         const std::string& where,
                                         const char* field) {
    const std::string data_key = std::string(field) + "-data";
    if (const YAML::Node d = node[data_key]; d.IsDefined()) {
      std::string out;
      if (!IsStr(d) || !absl::Base64Unescape(d.as<std::string>(), &out)) {
        return Error(d, where + "." + data_key, "not base64");
      }
      return out;
    }
    if (const YAML::Node f = node[field]; f.IsDefined()) {
      if (!IsStr(f)) return Error(f, where + "." + field, "must be a path");
      fs::path p = f.as<std::string>();
      if (p.is_relative() && !dir_.empty()) p = fs::path(dir_) / p;
      absl::StatusOr<std::string> content = ReadFile(p.string());
      if (!content.ok()) {
        return Error(f, where + "." + field,
                     std::string(content.status().message()));
      }
      return content;
    }
    return std::string();
  }

  std::string Resolve(const std::string& file) const {
    fs::path p = file;
    if (p.is_relative() && !dir_.empty()) p = fs::path(dir_) / p;
    return p.string();
  }

 private:
  std::string path_;
  std::string dir_;
};

}  // namespace

absl::StatusOr<KubeClientConfig> LoadKubeconfig(const std::string& path,
                                                const std::string& context) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig ", path, ": cannot read the file"));
  }
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kubeconfig ", path, ":", e.mark.line + 1, ": invalid YAML: ", e.msg));
  }
  Reader r(path);
  if (!IsMapNode(root)) return r.Error(root, "(top)", "must be a mapping");
  std::string name = context;
  if (name.empty()) {
    const YAML::Node current = root["current-context"];
    if (!IsStr(current) || current.as<std::string>().empty()) {
      return r.Error(current, "current-context", "not set (give --context)");
    }
    name = current.as<std::string>();
  }
  auto ctx = r.Named(root, "contexts", name);
  if (!ctx.ok()) return ctx.status();
  const std::string ctx_path = absl::StrCat("contexts[", ctx->second, "]");
  const YAML::Node c = ctx->first["context"];
  if (!IsMapNode(c) || !IsStr(c["cluster"])) {
    return r.Error(ctx->first, ctx_path + ".context.cluster", "required");
  }
  auto cluster = r.Named(root, "clusters", c["cluster"].as<std::string>());
  if (!cluster.ok()) return cluster.status();
  const std::string cl_path =
      absl::StrCat("clusters[", cluster->second, "].cluster");
  const YAML::Node cl = cluster->first["cluster"];
  KubeClientConfig out;
  if (!IsMapNode(cl) || !IsStr(cl["server"])) {
    return r.Error(cluster->first, cl_path + ".server", "required");
  }
  out.server = cl["server"].as<std::string>();
  if (!out.server.starts_with("https://") &&
      !out.server.starts_with("http://")) {
    return r.Error(cl["server"], cl_path + ".server",
                   "must start with https:// or http://");
  }
  while (out.server.ends_with("/")) out.server.pop_back();
  if (const YAML::Node insecure = cl["insecure-skip-tls-verify"];
      insecure.IsDefined()) {
    if (!IsStr(insecure) ||
        !YAML::convert<bool>::decode(insecure, out.insecure_skip_tls_verify)) {
      return r.Error(insecure, cl_path + ".insecure-skip-tls-verify",
                     "must be true or false");
    }
  }
  absl::StatusOr<std::string> ca =
      r.DataOrFile(cl, cl_path, "certificate-authority");
  if (!ca.ok()) return ca.status();
  out.ca_pem = *ca;

  if (IsStr(c["user"])) {
    auto user = r.Named(root, "users", c["user"].as<std::string>());
    if (!user.ok()) return user.status();
    const std::string u_path = absl::StrCat("users[", user->second, "].user");
    const YAML::Node u = user->first["user"];
    if (IsMapNode(u)) {
      auto cert = r.DataOrFile(u, u_path, "client-certificate");
      if (!cert.ok()) return cert.status();
      auto key = r.DataOrFile(u, u_path, "client-key");
      if (!key.ok()) return key.status();
      out.client_cert_pem = *cert;
      out.client_key_pem = *key;
      if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
        return r.Error(u, u_path,
                       "client-certificate and client-key go together");
      }
      if (IsStr(u["token"])) out.token = u["token"].as<std::string>();
      if (IsStr(u["tokenFile"])) {
        out.token_file = r.Resolve(u["tokenFile"].as<std::string>());
      }
      if (u["exec"].IsDefined() || u["auth-provider"].IsDefined()) {
        return r.Error(u, u_path,
                       "exec and auth-provider credentials are not "
                       "supported; use a token, tokenFile or client "
                       "certificate");
      }
      // A bearer token over plain HTTP is anyone's on the path.
      if ((!out.token.empty() || !out.token_file.empty()) &&
          out.server.starts_with("http://") && !out.insecure_skip_tls_verify) {
        return r.Error(u,
                       u_path + (out.token.empty() ? ".tokenFile" : ".token"),
                       "a bearer token is not sent to an http:// server; use "
                       "https://, or say insecure-skip-tls-verify: true on "
                       "the cluster to allow it");
      }
    }
  }
  return out;
}

absl::StatusOr<KubeClientConfig> InClusterConfig(
    const std::map<std::string, std::string>& env,
    const std::string& service_account_dir) {
  auto get = [&](const char* k) {
    auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  const std::string host = get("KUBERNETES_SERVICE_HOST");
  const std::string port = get("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return absl::FailedPreconditionError(
        "--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
        "are not set (not running in a pod?)");
  }
  KubeClientConfig out;
  const bool v6 = host.find(':') != std::string::npos;
  out.server =
      absl::StrCat("https://", v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
  out.token_file = service_account_dir + "/token";
  absl::StatusOr<std::string> ca = ReadFile(service_account_dir + "/ca.crt");
  if (!ca.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--in-cluster: ", ca.status().message()));
  }
  out.ca_pem = *ca;
  absl::StatusOr<std::string> token = CurrentToken(out);
  if (!token.ok()) return token.status();
  return out;
}

}  // namespace podwall::sources
