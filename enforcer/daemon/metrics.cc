#include "enforcer/daemon/metrics.h"

#include <cstdio>

namespace podwall::daemon {
namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// `{a="1",b="2"}` or "" (with an extra label, e.g. le, appended).
// Series are keyed by this text.
std::string LabelText(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) out.push_back(',');
    first = false;
    out += k + "=\"" + EscapeLabel(v) + "\"";
  };
  for (const auto& [k, v] : labels) add(k, v);
  out.push_back('}');
  return out;
}

// Shortest form that reads back exactly: integers without a fraction.
std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.15g", v);
  return buf;
}

}  // namespace

void Histogram::Observe(double v) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (v <= bounds_[i]) ++counts_[i];
  }
  ++count_;
  sum_ += v;
}

MetricsRegistry::Family& MetricsRegistry::GetFamily(const std::string& name,
                                                    const std::string& help,
                                                    const char* type) {
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  }
  return f;
}

Counter& MetricsRegistry::GetCounter(const std::string& name,
                                     const std::string& help,
                                     const MetricLabels& labels) {
  auto& slot = GetFamily(name, help, "counter").counters[LabelText(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name,
                                 const std::string& help,
                                 const MetricLabels& labels) {
  auto& slot = GetFamily(name, help, "gauge").gauges[LabelText(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name,
                                         const std::string& help,
                                         const std::vector<double>& bounds,
                                         const MetricLabels& labels) {
  Family& f = GetFamily(name, help, "histogram");
  auto& slot = f.histograms[LabelText(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, c] : f.counters) {
      out += name + labels + " " + Number(c->value()) + "\n";
    }
    for (const auto& [labels, g] : f.gauges) {
      out += name + labels + " " + Number(g->value()) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) {
      // The label text without braces, so that le can be appended.
      const std::string inner =
          labels.empty() ? "" : labels.substr(1, labels.size() - 2) + ",";
      for (std::size_t i = 0; i < h->bounds().size(); ++i) {
        out += name + "_bucket{" + inner + "le=\"" + Number(h->bounds()[i]) +
               "\"} " + std::to_string(h->counts()[i]) + "\n";
      }
      out += name + "_bucket{" + inner + "le=\"+Inf\"} " +
             std::to_string(h->count()) + "\n";
      out += name + "_sum" + labels + " " + Number(h->sum()) + "\n";
      out += name + "_count" + labels + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

}  // namespace podwall::daemon
