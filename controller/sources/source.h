#ifndef PODWALL_CONTROLLER_SOURCES_SOURCE_H_
#define PODWALL_CONTROLLER_SOURCES_SOURCE_H_

// Sources feed the cluster state: manifest files (ManifestSource), the
// Kubernetes API (KubernetesSource) and the Docker Engine (DockerSource).
// Each is driven by the daemon's single-threaded loop: it polls fd(), calls
// ProcessEvents() when the fd is readable, and OnDeadline() once deadline()
// has passed (debouncing). A source reports objects that appeared, changed
// or went away to a ChangeSink.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "controller/object_change.h"
#include "policy-schema/api_types.h"

namespace podwall::sources {

using SteadyClock = std::chrono::steady_clock;

// Sources report changes to the cluster state's objects.
using controller::ObjectChange;

// Receives what sources find: object changes, and notes for the log (an
// input rejected, a warning, a recovery).
class ChangeSink {
 public:
  enum class Severity { kInfo, kWarning, kError };
  virtual ~ChangeSink() = default;
  virtual void Apply(const ObjectChange& change) = 0;
  virtual void Note(Severity severity, const std::string& source,
                    const std::string& message) = 0;
};

// What `podwall status` shows for a source.
struct SourceStatus {
  std::string name;    // "manifests"
  std::string target;  // The directory, URL or socket it reads.
  bool ok = true;      // False while some input is rejected or unreachable.
  std::size_t objects = 0;
  // Problems now in force, one line each (file:line: field: message).
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::size_t invalid_inputs_total = 0;  // Rejected loads since start.
  std::optional<std::chrono::system_clock::time_point> last_change;
};

class Source {
 public:
  virtual ~Source() = default;

  // Loads what the source holds now and starts watching. A source whose
  // first load happens in the background (an API that may be down) returns
  // at once and reports synced() once it has handed over a complete view.
  // An error here (bad configuration) is fatal for the daemon's start-up.
  virtual absl::Status Start(ChangeSink& sink) = 0;
  // True once the source has handed over everything it held at least once;
  // the daemon applies nothing before every source is synced.
  virtual bool synced() const { return true; }
  // Node-local pod networks ("172.17.0.0/16") this source knows every
  // address of: traffic to or from an address there that no pod holds is
  // dropped (a Docker host's bridge networks).
  virtual std::vector<std::string> guarded_networks() const { return {}; }
  // Readable when events are pending; -1 when the source has no fd.
  virtual int fd() const = 0;
  virtual void ProcessEvents(ChangeSink& sink) = 0;
  // When the source wants OnDeadline() called (debounced work), if ever.
  virtual std::optional<SteadyClock::time_point> deadline() const = 0;
  virtual void OnDeadline(ChangeSink& sink) = 0;
  // Re-reads everything (SIGHUP).
  virtual void Reload(ChangeSink& sink) = 0;
  virtual SourceStatus status() const = 0;
};

// "Kind/namespace/name": identifies an object across sources and files.
std::string ObjectKey(const schema::Object& object);

// An object of the same kind with only its namespace and name: all a
// delete needs, and all a source keeps of what it has reported (the
// cluster state holds the one full copy).
schema::Object Identity(const schema::Object& object);

// The identity of the object `key` (ObjectKey) names, made from any
// identity of the same kind: a source that reports many objects of one
// kind keeps their keys and one such prototype, not an identity each.
schema::Object IdentityFromKey(const schema::Object& prototype,
                               std::string_view key);

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_SOURCE_H_
