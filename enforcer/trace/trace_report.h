#ifndef PODWALL_ENFORCER_TRACE_TRACE_REPORT_H_
#define PODWALL_ENFORCER_TRACE_TRACE_REPORT_H_

// The answer of `podwall trace`: the kernel's path (trace_path.h) beside
// what the model predicts (controller::Explain, the reference evaluator),
// with whether they agree. Only the sides this node enforces are compared:
// egress when the source is a local pod, ingress when the destination is.

#include <string>

#include "controller/explain.h"
#include "enforcer/trace/trace_path.h"

namespace podwall::trace {

struct TraceReport {
  controller::Explanation model;
  bool src_local = false;
  bool dst_local = false;
  bool traced = false;  // A packet of the connection was seen.
  KernelPath kernel;
  std::size_t events_dropped = 0;  // Over the event cap.
  std::string probe;               // What the probe did ("" without one).
  // Derived by Conclude().
  bool model_allowed = true;
  bool agree = false;
  std::vector<std::string> disagreements;
};

// Fills model_allowed, agree and disagreements.
void Conclude(TraceReport& report);

// {"traced":..,"agree":..,"kernel":{..},"model":<explain JSON>,"steps":[..],
//  "text":"<the table>"}
std::string ReportToJson(const TraceReport& report);
std::string ReportToText(const TraceReport& report);

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_TRACE_REPORT_H_
