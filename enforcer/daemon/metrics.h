#ifndef PODWALL_ENFORCER_DAEMON_METRICS_H_
#define PODWALL_ENFORCER_DAEMON_METRICS_H_

// A minimal Prometheus registry: counters, gauges and histograms, with
// constant label sets, rendered in the text exposition format (0.0.4).
// Single-threaded, like the daemon loop that owns it. Metric objects live
// as long as the registry; references stay valid.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace podwall::daemon {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(double v = 1) { value_ += v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Gauge {
 public:
  void Set(double v) { value_ = v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
    counts_.assign(bounds_.size(), 0);
  }
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count per bound (le), as exposed.
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

class MetricsRegistry {
 public:
  // Same name and labels give the same object; a name keeps one type.
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const MetricLabels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help,
                  const MetricLabels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& bounds,
                          const MetricLabels& labels = {});

  // Every metric, families sorted by name, series by labels.
  std::string Render() const;

 private:
  struct Family {
    std::string help;
    std::string type;  // "counter", "gauge", "histogram".
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(const std::string& name, const std::string& help,
                    const char* type);

  std::map<std::string, Family> families_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_METRICS_H_
