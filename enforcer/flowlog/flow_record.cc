#include "enforcer/flowlog/flow_record.h"

#include <simdjson.h>

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy-schema/json_fields.h"
#include "policy-schema/json_writer.h"

namespace podwall::flowlog {
namespace {

void WriteEndpoint(schema::JsonWriter& w, const FlowEndpoint& e) {
  w.BeginObject();
  w.Key("ip").String(e.ip);
  w.Key("port").Uint(e.port);
  w.Key("namespace");
  e.namespace_ ? w.String(*e.namespace_) : w.Null();
  w.Key("pod");
  e.pod ? w.String(*e.pod) : w.Null();
  if (e.kind != "pod") {
    w.Key("kind").String(e.kind);
  } else {
    w.Key("labels").BeginObject();
    for (const auto& [k, v] : e.labels) w.Key(k).String(v);
    w.EndObject();
  }
  w.EndObject();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

std::string Name(const FlowEndpoint& e) {
  if (e.namespace_ && e.pod) return *e.namespace_ + "/" + *e.pod;
  return "";
}

// "ns/name", "ns/" (any pod of ns) or an IP.
bool EndpointMatches(const FlowEndpoint& e, const std::string& want) {
  if (want == e.ip) return true;
  if (want.ends_with("/")) {
    return e.namespace_ && *e.namespace_ + "/" == want;
  }
  return Name(e) == want;
}

FlowEndpoint ParseEndpoint(simdjson::dom::element e) {
  FlowEndpoint out;
  out.ip = schema::JsonString(e, "ip");
  out.port = static_cast<uint16_t>(schema::JsonUint(e, "port"));
  std::string_view s;
  if (!e["namespace"].get_string().get(s)) out.namespace_ = std::string(s);
  if (!e["pod"].get_string().get(s)) out.pod = std::string(s);
  if (!e["kind"].get_string().get(s)) out.kind = std::string(s);
  simdjson::dom::object labels;
  if (!e["labels"].get_object().get(labels)) {
    for (auto [k, v] : labels) {
      std::string_view val;
      if (!v.get_string().get(val)) {
        out.labels[std::string(k)] = std::string(val);
      }
    }
  }
  return out;
}

}  // namespace

std::string FlowTime(std::chrono::system_clock::time_point t) {
  return schema::FormatRfc3339(t);
}

namespace {

// A heap block's bookkeeping, and a std::map node's own pointers and colour.
constexpr std::size_t kAllocation = 16;
constexpr std::size_t kMapNode = 32 + kAllocation;

std::size_t EndpointHeapBytes(const FlowEndpoint& e) {
  std::size_t n = HeapBytes(e.ip) + HeapBytes(e.kind);
  if (e.namespace_) n += HeapBytes(*e.namespace_);
  if (e.pod) n += HeapBytes(*e.pod);
  for (const auto& [key, value] : e.labels) {
    n += kMapNode + sizeof(std::pair<const std::string, std::string>) +
         HeapBytes(key) + HeapBytes(value);
  }
  return n;
}

}  // namespace

std::size_t HeapBytes(const std::string& s) {
  // Short strings live inside the object.
  return s.capacity() > 15 ? s.capacity() + 1 + kAllocation : 0;
}

std::size_t HeapBytes(const PolicyRef& p) {
  return HeapBytes(p.kind) + HeapBytes(p.namespace_) + HeapBytes(p.name) +
         (p.rule ? HeapBytes(*p.rule) : 0) + HeapBytes(p.tier) +
         HeapBytes(p.rule_name);
}

std::size_t ApproxBytes(const FlowRecord& r) {
  std::size_t n = sizeof(FlowRecord) + HeapBytes(r.node) +
                  HeapBytes(r.verdict) + HeapBytes(r.direction) +
                  HeapBytes(r.proto) + HeapBytes(r.state) +
                  EndpointHeapBytes(r.src) + EndpointHeapBytes(r.dst);
  if (r.policy) n += HeapBytes(*r.policy);
  n += r.isolated_by.capacity() * sizeof(std::string);
  if (r.isolated_by.capacity() > 0) n += kAllocation;
  for (const std::string& s : r.isolated_by) n += HeapBytes(s);
  return n;
}

std::string FlowRecordJson(const FlowRecord& r) {
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("time").String(FlowTime(r.time));
  w.Key("node").String(r.node);
  w.Key("verdict").String(r.verdict);
  w.Key("direction").String(r.direction);
  w.Key("proto").String(r.proto);
  w.Key("family").Int(r.family);
  w.Key("src");
  WriteEndpoint(w, r.src);
  w.Key("dst");
  WriteEndpoint(w, r.dst);
  w.Key("policy");
  if (r.policy) {
    w.BeginObject();
    w.Key("kind").String(r.policy->kind);
    w.Key("namespace");
    r.policy->tier.empty() ? w.String(r.policy->namespace_) : w.Null();
    w.Key("name").String(r.policy->name);
    w.Key("rule");
    r.policy->rule ? w.String(*r.policy->rule) : w.Null();
    if (!r.policy->tier.empty()) {
      w.Key("tier").String(r.policy->tier);
      w.Key("ruleName").String(r.policy->rule_name);
    }
    w.EndObject();
  } else {
    w.Null();
  }
  if (!r.isolated_by.empty()) {
    w.Key("isolated_by").BeginArray();
    for (const std::string& p : r.isolated_by) w.String(p);
    w.EndArray();
  }
  w.Key("state").String(r.state);
  w.Key("packets").Uint(r.packets);
  w.Key("bytes").Uint(r.bytes);
  w.Key("duration_ms").Uint(r.duration_ms);
  w.Key("count").Uint(r.count);
  w.EndObject();
  return w.Take();
}

absl::StatusOr<ParsedFlow> ParseFlowRecordJson(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(line.data(), line.size()).get(doc)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad flow record: ", simdjson::error_message(err)));
  }
  ParsedFlow out;
  FlowRecord& r = out.record;
  out.time_text = schema::JsonString(doc, "time");
  r.node = schema::JsonString(doc, "node");
  r.verdict = schema::JsonString(doc, "verdict");
  r.direction = schema::JsonString(doc, "direction");
  r.proto = schema::JsonString(doc, "proto");
  r.family = static_cast<int>(schema::JsonUint(doc, "family"));
  simdjson::dom::element e;
  if (!doc["src"].get(e)) r.src = ParseEndpoint(e);
  if (!doc["dst"].get(e)) r.dst = ParseEndpoint(e);
  simdjson::dom::object policy;
  if (!doc["policy"].get_object().get(policy)) {
    PolicyRef p;
    p.kind = schema::JsonString(doc["policy"], "kind");
    p.namespace_ = schema::JsonString(doc["policy"], "namespace");
    p.name = schema::JsonString(doc["policy"], "name");
    std::string_view rule;
    if (!doc["policy"]["rule"].get_string().get(rule)) {
      p.rule = std::string(rule);
    }
    p.tier = schema::JsonString(doc["policy"], "tier");
    p.rule_name = schema::JsonString(doc["policy"], "ruleName");
    r.policy = p;
  }
  simdjson::dom::array iso;
  if (!doc["isolated_by"].get_array().get(iso)) {
    for (simdjson::dom::element x : iso) {
      std::string_view v;
      if (!x.get_string().get(v)) r.isolated_by.emplace_back(v);
    }
  }
  r.state = schema::JsonString(doc, "state");
  r.packets = schema::JsonUint(doc, "packets");
  r.bytes = schema::JsonUint(doc, "bytes");
  r.duration_ms = schema::JsonUint(doc, "duration_ms");
  r.count = schema::JsonUint(doc, "count");
  return out;
}

bool FlowFilter::Matches(const FlowRecord& r) const {
  if (since && r.time < *since) return false;
  if (namespace_ && r.src.namespace_ != namespace_ &&
      r.dst.namespace_ != namespace_) {
    return false;
  }
  if (pod && Name(r.src) != *pod && Name(r.dst) != *pod) return false;
  if (from && !EndpointMatches(r.src, *from)) return false;
  if (to && !EndpointMatches(r.dst, *to)) return false;
  if (verdict && r.verdict != *verdict) return false;
  if (policy) {
    bool any = r.policy && (r.policy->tier.empty()
                                ? r.policy->namespace_ + "/" + r.policy->name
                                : r.policy->name) == *policy;
    for (const std::string& p : r.isolated_by) any |= p == *policy;
    if (!any) return false;
  }
  if (port && r.dst.port != *port) return false;
  if (proto && Lower(r.proto) != Lower(*proto)) return false;
  return true;
}

absl::StatusOr<std::chrono::seconds> ParseDuration(const std::string& text) {
  if (text.size() < 2) {
    return absl::InvalidArgumentError("duration '" + text +
                                      "': want e.g. 30s, 5m, 2h, 1d");
  }
  int64_t n = 0;
  if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) || n < 0) {
    return absl::InvalidArgumentError("duration '" + text +
                                      "': want e.g. 30s, 5m, 2h, 1d");
  }
  switch (text.back()) {
    case 's':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::seconds(n * 60);
    case 'h':
      return std::chrono::seconds(n * 3600);
    case 'd':
      return std::chrono::seconds(n * 86400);
  }
  return absl::InvalidArgumentError("duration '" + text +
                                    "': want e.g. 30s, 5m, 2h, 1d");
}

absl::StatusOr<FlowFilter> ParseFlowQuery(
    const std::map<std::string, std::string>& q,
    std::chrono::system_clock::time_point now) {
  FlowFilter f;
  for (const auto& [k, v] : q) {
    if (k == "since") {
      absl::StatusOr<std::chrono::seconds> d = ParseDuration(v);
      if (!d.ok()) return d.status();
      f.since = now - *d;
    } else if (k == "namespace") {
      f.namespace_ = v;
    } else if (k == "pod") {
      f.pod = v;
    } else if (k == "from") {
      f.from = v;
    } else if (k == "to") {
      f.to = v;
    } else if (k == "verdict") {
      if (v != "allow" && v != "deny" && v != "audit") {
        return absl::InvalidArgumentError(
            "verdict must be allow, deny or "
            "audit");
      }
      f.verdict = v;
    } else if (k == "policy") {
      f.policy = v;
    } else if (k == "port") {
      int p = 0;
      if (!absl::SimpleAtoi(v, &p) || p < 1 || p > 65535) {
        return absl::InvalidArgumentError("port must be 1-65535");
      }
      f.port = static_cast<uint16_t>(p);
    } else if (k == "proto") {
      f.proto = v;
    } else if (k == "last") {
      std::size_t n = 0;
      if (!absl::SimpleAtoi(v, &n)) {
        return absl::InvalidArgumentError("last must be a number");
      }
      f.last = n;
    } else if (k != "follow") {
      return absl::InvalidArgumentError("unknown filter '" + k + "'");
    }
  }
  return f;
}

std::string FlowQueryString(const std::map<std::string, std::string>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    out += out.empty() ? "?" : "&";
    out += k + "=";
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':') {
        out.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof(buf), "%%%02X", c);
        out += buf;
      }
    }
  }
  return out;
}

}  // namespace podwall::flowlog
