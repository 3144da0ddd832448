#include "enforcer/daemon/source_set.h"

#include "absl/strings/str_cat.h"

namespace podwall::daemon {

SourceSet::SourceSet(EventLoop& loop, sources::ChangeSink& sink,
                     std::function<void()> after_events)
    : loop_(loop), sink_(sink), after_events_(std::move(after_events)) {}

SourceSet::~SourceSet() {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    loop_.Cancel(deadlines_[i]);
    if (sources_[i]->fd() >= 0) loop_.Unwatch(sources_[i]->fd());
  }
}

absl::Status SourceSet::Add(std::unique_ptr<sources::Source> source) {
  if (absl::Status st = source->Start(sink_); !st.ok()) {
    return absl::Status(
        st.code(),
        absl::StrCat("source ", source->status().name, ": ", st.message()));
  }
  const std::size_t i = sources_.size();
  sources_.push_back(std::move(source));
  deadlines_.push_back(0);
  if (sources_[i]->fd() >= 0) {
    absl::Status st = loop_.Watch(sources_[i]->fd(), [this, i] {
      sources_[i]->ProcessEvents(sink_);
      ArmDeadline(i);
      if (after_events_) after_events_();
    });
    if (!st.ok()) return st;
  }
  ArmDeadline(i);
  return absl::OkStatus();
}

void SourceSet::ArmDeadline(std::size_t i) {
  loop_.Cancel(deadlines_[i]);
  deadlines_[i] = 0;
  if (auto when = sources_[i]->deadline()) {
    deadlines_[i] = loop_.At(*when, [this, i] {
      deadlines_[i] = 0;
      sources_[i]->OnDeadline(sink_);
      ArmDeadline(i);
    });
  }
}

bool SourceSet::AllSynced() const {
  for (const auto& source : sources_) {
    if (!source->synced()) return false;
  }
  return true;
}

void SourceSet::DrainAll() {
  for (const auto& source : sources_) {
    if (source->fd() >= 0) source->ProcessEvents(sink_);
  }
}

void SourceSet::Reload() {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    sources_[i]->Reload(sink_);
    ArmDeadline(i);
  }
}

std::vector<schema::IpPrefix> SourceSet::GuardedNetworks() const {
  std::vector<schema::IpPrefix> networks;
  for (const auto& source : sources_) {
    for (const std::string& text : source->guarded_networks()) {
      if (auto p = schema::IpPrefix::Parse(text)) networks.push_back(*p);
    }
  }
  return networks;
}

std::vector<SourceReport> SourceSet::Reports() const {
  std::vector<SourceReport> out;
  for (const auto& source : sources_) {
    out.push_back({source->status(), source->synced()});
  }
  return out;
}

}  // namespace podwall::daemon
