#include "enforcer/trace/trace_report.h"

#include <linux/netfilter/nf_tables.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "enforcer/nft/ruleset.h"
#include "policy-schema/json_writer.h"

namespace podwall::trace {
namespace {

using nft::kTraceChain;

const char* VerdictWord(KernelPath::Verdict v) {
  switch (v) {
    case KernelPath::Verdict::kAllow:
      return "allow";
    case KernelPath::Verdict::kDeny:
      return "deny";
    default:
      return "unseen";
  }
}

const char* TypeName(TraceEvent::Type t) {
  switch (t) {
    case TraceEvent::Type::kRule:
      return "rule";
    case TraceEvent::Type::kReturn:
      return "return";
    case TraceEvent::Type::kPolicy:
      return "policy";
    default:
      return "other";
  }
}

void CompareSide(const char* name, bool local, const KernelSide& kernel,
                 const controller::SideVerdict& model, bool final_deny,
                 std::vector<std::string>& out) {
  if (!local) return;
  const bool model_allows = !model.applies || model.allowed;
  if (kernel.seen) {
    if (kernel.allowed != model_allows) {
      out.push_back(absl::StrCat(
          name, ": kernel ", kernel.allowed ? "allows" : "denies", " (",
          kernel.chain, "), model ", model_allows ? "allows" : "denies"));
    }
  } else if (!model_allows && !final_deny) {
    // The model denies on this side, but the packet never met its chains
    // and was not dropped elsewhere.
    out.push_back(absl::StrCat(name, ": model denies, but the kernel has no ",
                               name, " chain on the packet's path"));
  }
}

std::string StepLine(const TraceStep& s) {
  const TraceEvent& e = s.event;
  std::string where =
      absl::StrCat(FamilyName(e.family), " ", e.table, " ", e.chain);
  std::string what;
  switch (e.type) {
    case TraceEvent::Type::kRule:
      what = absl::StrCat(
          "rule ",
          s.rule.position >= 0 ? absl::StrCat("#", s.rule.position + 1, " ")
                               : "",
          "(handle ", e.handle, ") -> ", VerdictName(e.verdict));
      if (!e.jump_target.empty()) absl::StrAppend(&what, " ", e.jump_target);
      break;
    case TraceEvent::Type::kReturn:
      what = "end of chain -> return";
      break;
    case TraceEvent::Type::kPolicy:
      what = absl::StrCat("policy -> ", VerdictName(e.verdict));
      break;
    default:
      what = "?";
  }
  std::string line = absl::StrCat("  ", where, ": ", what);
  if (!s.rule.origin.empty())
    absl::StrAppend(&line, "   [", s.rule.origin, "]");
  if (!s.rule.text.empty()) absl::StrAppend(&line, "\n      ", s.rule.text);
  return line + "\n";
}

}  // namespace

void Conclude(TraceReport& r) {
  const controller::Verdict& v = r.model.verdict;
  auto side_allows = [](const controller::SideVerdict& s) {
    return !s.applies || s.allowed;
  };
  r.model_allowed = (!r.src_local || side_allows(v.egress)) &&
                    (!r.dst_local || side_allows(v.ingress));
  r.disagreements.clear();
  if (!r.traced) {
    r.agree = false;
    return;
  }
  const bool kernel_allows = r.kernel.verdict == KernelPath::Verdict::kAllow;
  if (r.kernel.verdict == KernelPath::Verdict::kUnseen) {
    r.disagreements.push_back(
        "the packet never reached podwall's forward chain (dropped or "
        "routed elsewhere before it)");
  } else if (kernel_allows != r.model_allowed) {
    r.disagreements.push_back(
        absl::StrCat("verdict: kernel ", kernel_allows ? "allows" : "denies",
                     ", model ", r.model_allowed ? "allows" : "denies"));
  }
  const bool final_deny = r.kernel.verdict == KernelPath::Verdict::kDeny;
  CompareSide("egress", r.src_local, r.kernel.egress, v.egress, final_deny,
              r.disagreements);
  CompareSide("ingress", r.dst_local, r.kernel.ingress, v.ingress, final_deny,
              r.disagreements);
  r.agree = r.disagreements.empty();
}

std::string ReportToText(const TraceReport& r) {
  const controller::Explanation& m = r.model;
  std::string out =
      absl::StrCat("TRACE  ", m.src_name, " (", m.src.address.ToString(),
                   ") -> ", m.dst_name, " (", m.dst.address.ToString(), ") ",
                   m.port, "/", ir::ProtocolName(m.protocol), "\n");
  if (!r.probe.empty()) absl::StrAppend(&out, "probe: ", r.probe, "\n");
  if (!r.traced) {
    return out +
           "\nno packet of this connection crossed the node while the trace "
           "was armed (send one, wait longer, or use --probe)\n";
  }
  out += "\nkernel path (first packet";
  if (r.kernel.steps.front().event.packet) {
    const PacketTuple& p = *r.kernel.steps.front().event.packet;
    absl::StrAppend(&out, ", source port ", p.sport);
  }
  out += "):\n";
  for (const TraceStep& s : r.kernel.steps) {
    // The trace's own arming chain is podwall trace, not policy.
    if (s.podwall && s.event.chain == kTraceChain) continue;
    out += StepLine(s);
  }
  if (r.events_dropped > 0) {
    absl::StrAppend(&out, "  ... ", r.events_dropped,
                    " more events not kept\n");
  }
  for (const std::string& d : r.kernel.other_drops) {
    absl::StrAppend(&out, "  note: dropped by ", d, " (not podwall's)\n");
  }
  absl::StrAppend(&out, "\nkernel: ",
                  r.kernel.verdict == KernelPath::Verdict::kAllow  ? "ALLOW"
                  : r.kernel.verdict == KernelPath::Verdict::kDeny ? "DENY"
                                                                   : "UNSEEN");
  if (!r.kernel.dropped_in.empty()) {
    absl::StrAppend(&out, "  (dropped in ", r.kernel.dropped_in,
                    r.kernel.dropped_origin.empty()
                        ? ""
                        : absl::StrCat(" by ", r.kernel.dropped_origin),
                    ")");
  }
  absl::StrAppend(&out, "\nmodel:  ", r.model_allowed ? "ALLOW" : "DENY",
                  "  (podwall explain; sides enforced here:",
                  r.src_local ? " egress" : "", r.dst_local ? " ingress" : "",
                  ")\n\n", controller::ExplanationToTable(m), "\n");
  if (r.agree) {
    out += "kernel and model agree\n";
  } else {
    out += "DISAGREE: " + absl::StrJoin(r.disagreements, "; ") + "\n";
  }
  return out;
}

std::string ReportToJson(const TraceReport& r) {
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("traced").Bool(r.traced);
  w.Key("agree").Bool(r.agree);
  w.Key("disagreements").BeginArray();
  for (const std::string& d : r.disagreements) w.String(d);
  w.EndArray();
  w.Key("srcLocal").Bool(r.src_local).Key("dstLocal").Bool(r.dst_local);
  if (!r.probe.empty()) w.Key("probe").String(r.probe);
  w.Key("kernel").BeginObject();
  w.Key("verdict").String(VerdictWord(r.kernel.verdict));
  w.Key("droppedIn").String(r.kernel.dropped_in);
  w.Key("droppedBy").String(r.kernel.dropped_origin);
  for (auto [key, side] : {std::pair{"egress", &r.kernel.egress},
                           std::pair{"ingress", &r.kernel.ingress}}) {
    w.Key(key).BeginObject().Key("seen").Bool(side->seen);
    w.Key("allowed").Bool(side->allowed).Key("chain").String(side->chain);
    w.Key("handle").Uint(side->handle).Key("origin").String(side->origin);
    w.EndObject();
  }
  w.EndObject();
  w.Key("modelVerdict").String(r.model_allowed ? "allow" : "deny");
  w.Key("model").Raw(controller::ExplanationToJson(r.model));
  w.Key("steps").BeginArray();
  for (const TraceStep& s : r.kernel.steps) {
    const TraceEvent& e = s.event;
    w.BeginObject().Key("family").String(FamilyName(e.family));
    w.Key("table").String(e.table).Key("chain").String(e.chain);
    w.Key("type").String(TypeName(e.type));
    if (e.type == TraceEvent::Type::kRule) {
      w.Key("handle").Uint(e.handle);
      if (s.rule.position >= 0) w.Key("position").Int(s.rule.position);
    }
    w.Key("verdict").String(VerdictName(e.verdict));
    if (!e.jump_target.empty()) w.Key("target").String(e.jump_target);
    if (!s.rule.origin.empty()) w.Key("origin").String(s.rule.origin);
    if (!s.rule.text.empty()) w.Key("rule").String(s.rule.text);
    w.EndObject();
  }
  w.EndArray();
  w.Key("eventsDropped").Uint(r.events_dropped);
  w.Key("text").String(ReportToText(r));
  w.EndObject();
  return w.Take();
}

}  // namespace podwall::trace
