#ifndef PODWALL_CONTROLLER_SOURCES_RECORDING_SINK_H_
#define PODWALL_CONTROLLER_SOURCES_RECORDING_SINK_H_

// A ChangeSink that records what a source reports, for tests:
// "+Kind/namespace/name" for an upsert, "-..." for a delete; notes too.
// Test-only.

#include <string>
#include <vector>

#include "controller/sources/source.h"

namespace podwall::sources {

class RecordingSink : public ChangeSink {
 public:
  void Apply(const ObjectChange& c) override {
    keys.push_back((c.type == ObjectChange::Type::kUpsert ? "+" : "-") +
                   ObjectKey(c.object));
  }
  void Note(Severity, const std::string&, const std::string& message) override {
    notes.push_back(message);
  }
  std::vector<std::string> keys;
  std::vector<std::string> notes;
};

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_RECORDING_SINK_H_
