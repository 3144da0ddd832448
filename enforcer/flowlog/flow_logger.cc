#include "enforcer/flowlog/flow_logger.h"

#include <netinet/in.h>

#include <charconv>

namespace podwall::flowlog {
namespace {

// A hash-map node and the order queue's slot, beside the value itself.
constexpr std::size_t kEntryBytes = 48;

}  // namespace

std::string ProtoName(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "TCP";
    case IPPROTO_UDP:
      return "UDP";
    case IPPROTO_SCTP:
      return "SCTP";
    case IPPROTO_ICMP:
      return "ICMP";
    case IPPROTO_ICMPV6:
      return "ICMPv6";
  }
  return std::to_string(proto);
}

FlowRecord FlowLogger::Base(const FiveTuple& t,
                            std::chrono::system_clock::time_point time) const {
  FlowRecord r;
  r.time = time;
  r.node = options_.node;
  r.proto = ProtoName(t.proto);
  r.family = t.src.family == schema::IpFamily::kV4 ? 4 : 6;
  r.src = context_.Describe(t.src, t.sport);
  r.dst = context_.Describe(t.dst, t.dport);
  return r;
}

void FlowLogger::Emit(const FlowRecord& r) {
  ++stats_.records;
  sink_.Emit(r);
}

void FlowLogger::OnConntrack(const ConntrackEvent& ev) {
  if (ev.ct_mark == 0) return;  // Not a connection podwall decided.
  ev.ended ? OnEnd(ev) : OnNew(ev);
}

void FlowLogger::OnNew(const ConntrackEvent& ev) {
  Tracked t{Base(ev.tuple, ev.time), {}};
  const uint16_t egress = static_cast<uint16_t>(ev.ct_mark >> 16);
  const uint16_t ingress = static_cast<uint16_t>(ev.ct_mark & 0xffff);
  for (const auto& [number, dir] :
       {std::pair{egress, "egress"}, std::pair{ingress, "ingress"}}) {
    if (number == 0) continue;
    // 0xffff (nft::kUnnumberedRule) also marks a side no policy isolates,
    // on whatever crosses the forward hook: only a local pod's side is
    // this node's to record.
    const schema::IpAddress& end =
        dir == std::string_view("egress") ? ev.tuple.src : ev.tuple.dst;
    if (number == 0xffff && !context_.IsLocalEndpoint(end)) continue;
    FlowRecord r = t.base;
    r.verdict = "allow";
    r.direction = dir;
    r.state = "new";
    if (std::optional<PolicyRef> p = context_.RuleByNumber(number)) {
      r.policy = *p;
      t.sides.push_back({dir, *p});
    }
    Emit(r);
  }
  t.bytes = ApproxBytes(t.base) + kEntryBytes + sizeof(Tracked);
  for (const Side& s : t.sides) {
    t.bytes += sizeof(Side) + HeapBytes(s.policy) + HeapBytes(s.direction);
  }
  // Forget the oldest connections still open while a cap is reached:
  // their ends go unrecorded.
  while (!tracked_.empty() &&
         (tracked_.size() >= options_.max_tracked ||
          stats_.tracked_bytes + t.bytes > options_.max_tracked_bytes)) {
    while (!tracked_order_.empty() &&
           !tracked_.contains(tracked_order_.front())) {
      tracked_order_.pop_front();
    }
    if (tracked_order_.empty()) break;
    auto oldest = tracked_.find(tracked_order_.front());
    stats_.tracked_bytes -= oldest->second.bytes;
    tracked_.erase(oldest);
    tracked_order_.pop_front();
    ++stats_.lost_tracking;
  }
  const std::size_t bytes = t.bytes;
  if (tracked_.emplace(ev.ct_id, std::move(t)).second) {
    tracked_order_.push_back(ev.ct_id);
    stats_.tracked_bytes += bytes;
  }
  // The order queue holds ids of ended connections too; keep it bounded.
  if (tracked_order_.size() > 2 * options_.max_tracked) {
    std::deque<uint32_t> live;
    for (uint32_t id : tracked_order_) {
      if (tracked_.contains(id)) live.push_back(id);
    }
    tracked_order_.swap(live);
  }
  stats_.tracked = tracked_.size();
}

void FlowLogger::OnPacket(const PacketEvent& ev) {
  // "podwall deny|audit <direction>[ #<rule number>]": the number names
  // the rule that denied (a ClusterNetworkPolicy Deny); without it, the
  // chain's implicit deny.
  std::string_view prefix = ev.prefix;
  const bool deny = prefix.starts_with("podwall deny ");
  const bool audit = prefix.starts_with("podwall audit ");
  if (!deny && !audit) return;
  std::optional<uint16_t> rule_number;
  if (const std::size_t hash = prefix.find(" #");
      hash != std::string_view::npos) {
    const std::string_view digits = prefix.substr(hash + 2);
    uint16_t n = 0;
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      rule_number = n;
    }
    prefix = prefix.substr(0, hash);
  }
  const DenialKey key{ev.tuple, ev.prefix};
  auto it = pending_.find(key);
  if (it != pending_.end()) {
    ++it->second.record.count;
    return;
  }
  if (pending_.size() >= options_.max_pending_denials ||
      stats_.pending_bytes >= options_.max_pending_bytes) {
    ++stats_.lost_denials;
    return;
  }
  const bool ingress = prefix.ends_with("ingress");
  FlowRecord r = Base(ev.tuple, ev.time);
  r.verdict = deny ? "deny" : "audit";
  r.direction = ingress ? "ingress" : "egress";
  r.state = "denied";
  r.count = 1;
  r.isolated_by = context_.IsolatingPolicies(
      ingress ? ev.tuple.dst : ev.tuple.src, ingress);
  if (rule_number) {
    r.policy = context_.RuleByNumber(*rule_number);
  } else if (!r.isolated_by.empty()) {
    const std::string& first = r.isolated_by.front();
    const std::size_t slash = first.find('/');
    PolicyRef p;
    p.namespace_ = first.substr(0, slash);
    p.name = slash == std::string::npos ? "" : first.substr(slash + 1);
    r.policy = p;
  }
  const std::size_t bytes = ApproxBytes(r) + kEntryBytes + sizeof(Pending) +
                            sizeof(DenialKey) + ev.prefix.capacity();
  pending_.emplace(key, Pending{std::move(r), ev.time, bytes});
  stats_.pending_bytes += bytes;
  stats_.pending_denials = pending_.size();
}

void FlowLogger::OnEnd(const ConntrackEvent& end) {
  auto it = tracked_.find(end.ct_id);
  const bool was_tracked = it != tracked_.end();
  Tracked t;
  if (was_tracked) {
    t = std::move(it->second);
    stats_.tracked_bytes -= t.bytes;
    tracked_.erase(it);
  } else {
    // Began before this daemon started (or was forgotten): enrich now.
    t.base = Base(end.tuple, end.time);
    const uint16_t egress = static_cast<uint16_t>(end.ct_mark >> 16);
    const uint16_t ingress = static_cast<uint16_t>(end.ct_mark & 0xffff);
    if (egress != 0) {
      if (auto p = context_.RuleByNumber(egress))
        t.sides.push_back({"egress", *p});
    }
    if (ingress != 0) {
      if (auto p = context_.RuleByNumber(ingress)) {
        t.sides.push_back({"ingress", *p});
      }
    }
  }
  stats_.tracked = tracked_.size();
  uint64_t duration_ms = 0;
  if (end.stop_ns > end.start_ns && end.start_ns != 0) {
    duration_ms = (end.stop_ns - end.start_ns) / 1000000;
  } else if (was_tracked && end.time > t.base.time) {
    duration_ms = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(end.time -
                                                              t.base.time)
            .count());
  }
  for (const Side& side : t.sides) {
    FlowRecord r = t.base;
    r.time = end.time;
    r.verdict = "allow";
    r.direction = side.direction;
    r.policy = side.policy;
    r.state = "closed";
    r.packets = end.packets;
    r.bytes = end.bytes;
    r.duration_ms = duration_ms;
    Emit(r);
  }
}

void FlowLogger::Flush(std::chrono::system_clock::time_point now, bool all) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (all || now - it->second.first >= std::chrono::seconds(1)) {
      Emit(it->second.record);
      stats_.pending_bytes -= it->second.bytes;
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  stats_.pending_denials = pending_.size();
}

}  // namespace podwall::flowlog
