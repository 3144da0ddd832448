#include "enforcer/daemon/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::daemon {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, Render_CountersGaugesWithLabels) {
  MetricsRegistry r;
  r.GetCounter("podwall_syncs_total", "Syncs.", {{"result", "ok"}}).Inc(2);
  r.GetCounter("podwall_syncs_total", "Syncs.", {{"result", "error"}}).Inc();
  r.GetGauge("podwall_rules", "Rules.").Set(1773);
  EXPECT_EQ(r.Render(),
            "# HELP podwall_rules Rules.\n"
            "# TYPE podwall_rules gauge\n"
            "podwall_rules 1773\n"
            "# HELP podwall_syncs_total Syncs.\n"
            "# TYPE podwall_syncs_total counter\n"
            "podwall_syncs_total{result=\"error\"} 1\n"
            "podwall_syncs_total{result=\"ok\"} 2\n");
}

TEST(MetricsTest, SameNameAndLabels_SameObject) {
  MetricsRegistry r;
  Counter& a = r.GetCounter("c", "h", {{"k", "v"}});
  Counter& b = r.GetCounter("c", "h", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
}

TEST(MetricsTest, Histogram_CumulativeBucketsSumCount) {
  MetricsRegistry r;
  Histogram& h = r.GetHistogram("d_seconds", "D.", {0.001, 0.01});
  h.Observe(0.0005);
  h.Observe(0.005);
  h.Observe(1);
  const std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{le=\"0.01\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_sum 1.0055\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_count 3\n"));
}

TEST(MetricsTest, LabelValues_AreEscaped) {
  MetricsRegistry r;
  r.GetCounter("c", "h", {{"file", "a\"b\\c\n"}}).Inc();
  EXPECT_THAT(r.Render(), HasSubstr("c{file=\"a\\\"b\\\\c\\n\"} 1\n"));
}

}  // namespace
}  // namespace podwall::daemon
