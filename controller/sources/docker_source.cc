#include "controller/sources/docker_source.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "controller/sources/docker_objects.h"
#include "policy-schema/status_macros.h"

namespace podwall::sources {
namespace {

// The events that can change what a container is as a Pod, and networks
// coming and going.
constexpr char kEventsPath[] =
    "/events?filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%2C"
    "%22event%22%3A%5B%22create%22%2C%22start%22%2C%22restart%22%2C%22die%22%"
    "2C%22stop%22%2C%22destroy%22%2C%22rename%22%2C%22pause%22%2C%22unpause%"
    "22%2C%22connect%22%2C%22disconnect%22%5D%7D";
// {"type":["container","network"],"event":["create","start","restart",
//  "die","stop","destroy","rename","pause","unpause","connect",
//  "disconnect"]}

std::string ErrorText(const HttpReply& r) {
  return absl::StrCat("HTTP ", r.status, ": ", r.body.substr(0, 200));
}

}  // namespace

DockerSource::DockerSource(Options options)
    : QueuedSource("docker"), options_(std::move(options)) {
  http_.server = "http://docker";
  http_.unix_socket = options_.socket;
}

DockerSource::~DockerSource() {
  queue_.Stop();
  if (thread_.joinable()) thread_.join();
}

absl::Status DockerSource::Start(ChangeSink&) {
  if (queue_.fd() < 0) return absl::InternalError("eventfd failed");
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

bool DockerSource::synced() const {
  base::MutexLock lock(&mu_);
  return synced_;
}

std::vector<std::string> DockerSource::guarded_networks() const {
  base::MutexLock lock(&mu_);
  return subnets_;
}

absl::Status DockerSource::RefreshSubnets(HttpClient& client) {
  absl::StatusOr<HttpReply> r = client.Get("/networks");
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return absl::UnavailableError("list networks: " + ErrorText(*r));
  }
  absl::StatusOr<std::vector<std::string>> subnets =
      ParseBridgeSubnets(r->body);
  if (!subnets.ok()) return subnets.status();
  base::MutexLock lock(&mu_);
  if (subnets_ != *subnets) {
    subnets_ = *std::move(subnets);
    queue_.Wake();
  }
  return absl::OkStatus();
}

absl::Status DockerSource::LearnImages(HttpClient& client,
                                       std::string_view list_json, bool prune) {
  absl::StatusOr<std::set<std::string>> ids = ParseImageIds(list_json);
  if (!ids.ok()) return ids.status();
  if (prune) {
    std::erase_if(images_, [&](const auto& entry) {
      return !ids->contains(entry.first);
    });
  }
  for (const std::string& id : *ids) {
    if (images_.contains(id)) continue;
    absl::StatusOr<HttpReply> r = client.Get("/images/" + id + "/json");
    if (!r.ok()) return r.status();
    if (r->status == 404) continue;  // Its containers are no endpoints.
    if (r->status != 200) {
      return absl::UnavailableError(
          absl::StrCat("inspect image ", id, ": ", ErrorText(*r)));
    }
    absl::StatusOr<std::map<std::string, std::string>> labels =
        ParseImageLabels(r->body);
    if (!labels.ok()) return labels.status();
    images_[id] = *std::move(labels);
  }
  return absl::OkStatus();
}

void DockerSource::NoteProblem(const DockerContainer& c) {
  bool changed = false;
  {
    base::MutexLock lock(&mu_);
    if (c.problem.empty()) {
      problems_.erase(c.id);
    } else {
      auto [it, inserted] = problems_.try_emplace(c.id, c.problem);
      changed = inserted || it->second != c.problem;
      it->second = c.problem;
    }
  }
  if (changed) {
    Note(ChangeSink::Severity::kWarning,
         "container " + c.id.substr(0, 12) + " is no endpoint: " + c.problem);
  }
}

void DockerSource::Report(const std::string& id,
                          std::optional<schema::Pod> pod) {
  auto old = reported_.find(id);
  if (old != reported_.end()) {
    const schema::ObjectMeta& m = old->second.metadata;
    const bool same_key = pod && pod->metadata.name == m.name &&
                          pod->metadata.namespace_ == m.namespace_;
    if (pod && *pod == old->second) return;
    // Renamed, moved to another namespace, or gone: the old Pod goes.
    if (!same_key) queue_.Push({ObjectChange::Type::kDelete, old->second});
  }
  if (pod) {
    queue_.Push({ObjectChange::Type::kUpsert, *pod});
    reported_[id] = *std::move(pod);
  } else if (old != reported_.end()) {
    reported_.erase(old);
  }
  base::MutexLock lock(&mu_);
  objects_ = reported_.size();
}

absl::Status DockerSource::Refresh(HttpClient& client, const std::string& id,
                                   const std::string& joined_network) {
  // A container joining a network has its address there before its
  // process starts, but is listed with it only after: taking it from the
  // network isolates the container before it can answer anyone. (The list,
  // unlike an inspection, does not wait for a container that is starting.)
  std::vector<std::string> joining;
  if (!joined_network.empty()) {
    absl::StatusOr<HttpReply> n = client.Get("/networks/" + joined_network);
    if (!n.ok()) return n.status();
    if (n->status == 200) {
      absl::StatusOr<std::vector<std::string>> ips =
          ParseNetworkEndpoint(n->body, id);
      if (!ips.ok()) return ips.status();
      joining = *std::move(ips);
    }
  }
  // ?all=1&filters={"id":["ID"]}
  absl::StatusOr<HttpReply> r = client.Get(
      "/containers/json?all=1&filters=%7B%22id%22%3A%5B%22" + id + "%22%5D%7D");
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("list ", id.substr(0, 12), ": ", ErrorText(*r)));
  }
  RETURN_IF_ERROR(LearnImages(client, r->body, /*prune=*/false));
  absl::StatusOr<std::vector<DockerContainer>> listed =
      ParseContainers(r->body, options_.node_name, images_, joining);
  if (!listed.ok()) return listed.status();
  std::optional<schema::Pod> pod;  // Removed meanwhile when not listed.
  for (DockerContainer& c : *listed) {
    if (c.id != id) continue;
    NoteProblem(c);
    pod = std::move(c.pod);
  }
  Report(id, std::move(pod));
  return absl::OkStatus();
}

absl::Status DockerSource::Resync(HttpClient& client, std::string& since) {
  // Events from a second before the list on are replayed afterwards: each
  // only makes one container be listed again, so seeing one twice is
  // harmless, and none between the list and the stream is missed.
  const auto now = std::chrono::system_clock::now() - std::chrono::seconds(1);
  since = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())
          .count());
  absl::StatusOr<HttpReply> r = client.Get("/containers/json");
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return absl::UnavailableError("list containers: " + ErrorText(*r));
  }
  RETURN_IF_ERROR(LearnImages(client, r->body, /*prune=*/true));
  absl::StatusOr<std::vector<DockerContainer>> listed =
      ParseContainers(r->body, options_.node_name, images_);
  if (!listed.ok()) return listed.status();
  std::set<std::string> running;
  for (DockerContainer& c : *listed) {
    running.insert(c.id);
    NoteProblem(c);
    Report(c.id, std::move(c.pod));
  }
  {
    base::MutexLock lock(&mu_);
    std::erase_if(problems_,
                  [&](const auto& p) { return !running.contains(p.first); });
  }
  // What was reported but is no longer running.
  std::vector<std::string> gone;
  for (const auto& [id, pod] : reported_) {
    if (!running.contains(id)) gone.push_back(id);
  }
  for (const std::string& id : gone) Report(id, std::nullopt);
  return RefreshSubnets(client);
}

void DockerSource::Run() {
  HttpClient client(http_, queue_.stop_flag());
  int failures = 0;
  while (!queue_.stopped()) {
    std::string since;
    if (absl::Status st = Resync(client, since); !st.ok()) {
      if (!queue_.stopped()) {
        Note(ChangeSink::Severity::kError,
             absl::StrCat("docker at ", options_.socket, ": ", st.message()));
        queue_.Backoff(failures, options_.min_backoff, options_.max_backoff);
      }
      continue;
    }
    {
      base::MutexLock lock(&mu_);
      if (!synced_ || !last_error_.empty()) {
        queue_.Note(ChangeSink::Severity::kInfo,
                    absl::StrCat("docker: ", reported_.size(),
                                 " container(s) listed; following events"));
      }
      synced_ = true;
      last_error_.clear();
    }
    queue_.Wake();
    failures = 0;
    absl::Status event_error;
    absl::StatusOr<long> status = client.Stream(
        absl::StrCat(kEventsPath, "&since=", since),
        static_cast<int>(options_.relist_after_quiet.count()),
        [&](std::string_view line) {
          absl::StatusOr<DockerEvent> ev = ParseDockerEvent(line);
          if (!ev.ok()) {
            Note(ChangeSink::Severity::kWarning,
                 std::string(ev.status().message()));
            return true;
          }
          absl::Status st;
          if (ev->type == "network" &&
              (ev->action == "create" || ev->action == "destroy")) {
            st = RefreshSubnets(client);
          } else if (!ev->container_id.empty()) {
            st = Refresh(client, ev->container_id,
                         ev->action == "connect" ? ev->network_id : "");
          }
          if (!st.ok()) {
            event_error = st;
            return false;  // Resync.
          }
          return !queue_.stopped();
        });
    if (queue_.stopped()) break;
    if (event_error.ok() && absl::IsDeadlineExceeded(status.status())) {
      continue;  // Quiet for a while: list again (Resync), then follow on.
    }
    std::string why = !event_error.ok() ? std::string(event_error.message())
                      : !status.ok()    ? std::string(status.status().message())
                      : *status != 200
                          ? absl::StrCat("events: HTTP ", *status)
                          : "the event stream ended (dockerd restarted?)";
    Note(ChangeSink::Severity::kWarning,
         absl::StrCat("docker: ", why, "; reconnecting"));
    queue_.Backoff(failures, options_.min_backoff, options_.max_backoff);
  }
}

SourceStatus DockerSource::status() const {
  base::MutexLock lock(&mu_);
  SourceStatus s = BaseStatus(options_.socket);
  s.objects = objects_;
  s.ok = synced_ && last_error_.empty();
  for (const auto& [id, problem] : problems_) {
    s.warnings.push_back("container " + id.substr(0, 12) +
                         " is no endpoint: " + problem);
  }
  return s;
}

}  // namespace podwall::sources
