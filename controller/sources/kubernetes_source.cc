#include "controller/sources/kubernetes_source.h"

#include "absl/strings/str_cat.h"
#include "policy-schema/decode.h"
#include "policy-schema/defaults.h"
#include "policy-schema/validation.h"

namespace podwall::sources {
namespace {

struct ResourceSpec {
  const char* name;
  const char* path;
  // Served only where a CRD is installed: a 404 means none exist (not an
  // error), and the source keeps looking for it appearing.
  bool optional;
};

constexpr ResourceSpec kResources[] = {
    {"namespaces", "/api/v1/namespaces", false},
    {"pods", "/api/v1/pods", false},
    {"networkpolicies", "/apis/networking.k8s.io/v1/networkpolicies", false},
    {"nodes", "/api/v1/nodes", false},
    {"clusternetworkpolicies",
     "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies", true},
};
constexpr std::size_t kResourceCount = std::size(kResources);

}  // namespace

KubernetesSource::KubernetesSource(HttpClientConfig config, Options options)
    : QueuedSource("kubernetes"),
      config_(std::move(config)),
      options_(options) {}

KubernetesSource::~KubernetesSource() {
  queue_.Stop();
  for (std::thread& t : threads_) t.join();
}

absl::Status KubernetesSource::Start(ChangeSink&) {
  if (queue_.fd() < 0) return absl::InternalError("eventfd failed");
  for (const ResourceSpec& spec : kResources) {
    threads_.emplace_back(
        [this, r = Resource{spec.name, spec.path, spec.optional}] { Run(r); });
  }
  return absl::OkStatus();
}

bool KubernetesSource::synced() const {
  base::MutexLock lock(&mu_);
  return synced_.size() == kResourceCount;
}

absl::StatusOr<std::string> KubernetesSource::List(HttpClient& client,
                                                   const Resource& r,
                                                   Reported& listed) {
  std::string cont;
  std::string version;
  listed.keys.clear();
  do {
    std::string path = absl::StrCat(r.path, "?limit=", options_.page_size);
    if (!cont.empty()) absl::StrAppend(&path, "&continue=", cont);
    absl::StatusOr<HttpReply> resp = client.Get(path);
    if (!resp.ok()) return resp.status();
    if (resp->status == 404 && r.optional) {
      return absl::NotFoundError(absl::StrCat(r.name, " not served"));
    }
    if (resp->status != 200) {
      return absl::UnavailableError(absl::StrCat("list ", r.name, ": HTTP ",
                                                 resp->status, ": ",
                                                 resp->body.substr(0, 300)));
    }
    absl::StatusOr<schema::DecodeResult> list =
        schema::DecodeJson(resp->body, "list " + r.name);
    if (!list.ok()) return list.status();
    for (schema::DecodedObject& o : list->objects) {
      schema::ApplyDefaults(o.object);
      WarnUnenforced(o.object);
      listed.keys.insert(ObjectKey(o.object));
      if (!listed.prototype) listed.prototype = Identity(o.object);
      queue_.Push({ObjectChange::Type::kUpsert, std::move(o.object)});
    }
    cont = list->list_continue;
    version = list->list_resource_version;
  } while (!cont.empty() && !queue_.stopped());
  return version;
}

void KubernetesSource::Run(const Resource& r) {
  HttpClient client(config_, queue_.stop_flag());
  // What this resource holds now, as reported: a relist deletes whatever is
  // no longer listed.
  Reported last;
  std::string version;
  int failures = 0;
  int absent_notes = 0;
  bool relist = true;
  while (!queue_.stopped()) {
    if (relist) {
      Reported listed;
      listed.prototype = last.prototype;
      absl::StatusOr<std::string> v = List(client, r, listed);
      if (absl::IsNotFound(v.status())) {
        Absent(r, last, absent_notes);
        continue;
      }
      absent_notes = 0;
      if (!v.ok()) {
        Note(ChangeSink::Severity::kError, std::string(v.status().message()));
        Backoff(failures);
        continue;
      }
      for (const std::string& key : last.keys) {
        if (!listed.keys.contains(key)) {
          queue_.Push({ObjectChange::Type::kDelete,
                       IdentityFromKey(*listed.prototype, key)});
        }
      }
      last = std::move(listed);
      version = *v;
      relist = false;
      failures = 0;
      base::MutexLock lock(&mu_);
      objects_[r.name] = last.keys.size();
      if (!synced_.insert(r.name).second) ++relists_;
      last_error_.clear();
      queue_.Wake();
    }
    const std::string path = absl::StrCat(
        r.path, "?watch=1&allowWatchBookmarks=true&resourceVersion=", version,
        "&timeoutSeconds=", options_.watch_idle_seconds);
    bool gone = false;
    std::string error_event;  // An ERROR event other than 410.
    absl::StatusOr<long> status = client.Stream(
        path, options_.watch_idle_seconds + options_.watch_grace_seconds,
        [&](std::string_view line) {
          absl::StatusOr<schema::WatchEvent> ev =
              schema::DecodeWatchEvent(line);
          if (!ev.ok()) {
            Note(ChangeSink::Severity::kWarning,
                 absl::StrCat("watch ", r.name, ": ", ev.status().message()));
            return true;
          }
          if (ev->type == "ERROR") {
            if (ev->status_code == 410) {
              gone = true;
            } else {
              error_event = absl::StrCat("code ", ev->status_code);
            }
            return false;
          }
          if (!ev->resource_version.empty()) version = ev->resource_version;
          if (!ev->object) return true;  // BOOKMARK, or a kind we skip.
          schema::ApplyDefaults(*ev->object);
          if (ev->type != "DELETED") WarnUnenforced(*ev->object);
          const std::string key = ObjectKey(*ev->object);
          const bool deleted = ev->type == "DELETED";
          if (deleted) {
            last.keys.erase(key);
          } else {
            last.keys.insert(key);
            if (!last.prototype) last.prototype = Identity(*ev->object);
          }
          {
            base::MutexLock lock(&mu_);
            objects_[r.name] = last.keys.size();
          }
          queue_.Push({deleted ? ObjectChange::Type::kDelete
                               : ObjectChange::Type::kUpsert,
                       *std::move(ev->object)});
          return !queue_.stopped();
        });
    if (queue_.stopped()) break;
    if (!status.ok()) {
      Note(ChangeSink::Severity::kWarning,
           absl::StrCat("watch ", r.name, ": ", status.status().message(),
                        "; reconnecting"));
      Backoff(failures);
      continue;
    }
    if (gone || *status == 410) {
      Note(ChangeSink::Severity::kInfo,
           absl::StrCat("watch ", r.name,
                        ": resourceVersion expired (410); listing again"));
      relist = true;
      continue;
    }
    if (!error_event.empty()) {
      // The server refused the watch in its body (etcd trouble, say):
      // watching again at once would hammer it.
      Note(ChangeSink::Severity::kWarning,
           absl::StrCat("watch ", r.name, ": ERROR event (", error_event,
                        "); watching again after a pause"));
      Backoff(failures);
      continue;
    }
    if (*status == 404 && r.optional) {
      relist = true;  // The CRD went away: the list will say so.
      continue;
    }
    if (*status != 200) {
      Note(ChangeSink::Severity::kError,
           absl::StrCat("watch ", r.name, ": HTTP ", *status));
      Backoff(failures);
      relist = *status == 401 || *status == 403;
      continue;
    }
    failures = 0;  // The server ended the watch (timeout): watch again.
  }
}

void KubernetesSource::WarnUnenforced(const schema::Object& object) {
  for (const auto& [path, why] : schema::UnenforcedFields(object)) {
    Note(ChangeSink::Severity::kWarning,
         absl::StrCat(ObjectKey(object), ": ", path.str(), ": ", why));
  }
}

void KubernetesSource::Absent(const Resource& r, Reported& last, int& notes) {
  // The CRD is gone (or never was): so are its objects.
  for (const std::string& key : last.keys) {
    queue_.Push(
        {ObjectChange::Type::kDelete, IdentityFromKey(*last.prototype, key)});
  }
  last.keys.clear();
  if (notes++ == 0) {
    Note(ChangeSink::Severity::kInfo,
         absl::StrCat(r.name,
                      ": not served (CRD not installed); looking "
                      "again every ",
                      options_.absent_poll.count() / 1000, " s"));
  }
  {
    base::MutexLock lock(&mu_);
    objects_[r.name] = 0;
    synced_.insert(r.name);
    queue_.Wake();
  }
  int wait = 1;
  queue_.Backoff(wait, options_.absent_poll, options_.absent_poll);
}

SourceStatus KubernetesSource::status() const {
  base::MutexLock lock(&mu_);
  SourceStatus s = BaseStatus(config_.server);
  for (const auto& [r, n] : objects_) s.objects += n;
  s.ok = synced_.size() == kResourceCount && last_error_.empty();
  return s;
}

}  // namespace podwall::sources
