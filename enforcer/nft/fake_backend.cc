#include "enforcer/nft/fake_backend.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace podwall::nft {
namespace {

// The kernel's answers, as NetlinkSocket words them.
absl::Status Refused(const Op& op, const char* why) {
  return absl::InternalError(absl::StrCat(Describe(op), ": ", why));
}
constexpr char kNoEntry[] = "No such file or directory";
constexpr char kExists[] = "File exists";
constexpr char kBusy[] = "Device or resource busy";
constexpr char kInvalid[] = "Invalid argument";

bool SameKey(const SetElement& a, const SetElement& b) {
  return a.address == b.address && a.address_end == b.address_end &&
         a.protocol == b.protocol && a.port == b.port;
}

bool Overlaps(const SetElement& a, const SetElement& b) {
  return a.address.family == b.address.family && a.address <= b.address_end &&
         b.address <= a.address_end;
}

bool UsesSet(const Chain& chain, const std::string& set) {
  for (const Rule& r : chain.rules) {
    if (r.set == set || r.unless_set == set) return true;
  }
  return false;
}

bool JumpedTo(const FakeBackend::Tables& t, const std::string& chain) {
  for (const auto& [name, c] : t.chains) {
    for (const Rule& r : c.rules) {
      if (r.verdict == Verdict::kGoto && r.goto_chain == chain) return true;
    }
  }
  for (const auto& [name, set] : t.sets) {
    if (!set.verdict_map) continue;
    for (const SetElement& e : set.elements) {
      if (e.jump_chain == chain) return true;
    }
  }
  return false;
}

bool SameDefinition(const Set& a, const Set& b) {
  return a.key == b.key && a.interval == b.interval &&
         a.verdict_map == b.verdict_map;
}

}  // namespace

absl::Status FakeBackend::Apply(const Op& op, Tables& t) const {
  if (fail_match_ && fail_match_(op)) return fail_match_status_;
  const bool inet_op =
      op.kind != Op::Kind::kAddTable && op.kind != Op::Kind::kDeleteTable &&
      op.kind != Op::Kind::kAddGuard && op.kind != Op::Kind::kAddGuardRules &&
      op.kind != Op::Kind::kFlushGuard && op.kind != Op::Kind::kDeleteGuard;
  if (inet_op && !t.inet) return Refused(op, kNoEntry);
  bool* table = op.family == TableFamily::kInet     ? &t.inet
                : op.family == TableFamily::kNetdev ? &t.netdev
                                                    : &t.bridge;
  switch (op.kind) {
    case Op::Kind::kAddTable:
      *table = true;
      return absl::OkStatus();
    case Op::Kind::kDeleteTable:
      if (!*table) return Refused(op, kNoEntry);
      *table = false;
      if (op.family == TableFamily::kInet) {
        t.sets.clear();
        t.chains.clear();
      }
      if (op.family != TableFamily::kNetdev) t.guard_base = false;
      t.guards.clear();
      return absl::OkStatus();
    case Op::Kind::kAddGuardBase:
      t.netdev = t.bridge = t.guard_base = true;
      return absl::OkStatus();
    case Op::Kind::kAddSet: {
      auto it = t.sets.find(op.set->name);
      if (it != t.sets.end()) {
        return SameDefinition(it->second, *op.set) ? absl::OkStatus()
                                                   : Refused(op, kExists);
      }
      Set s = *op.set;
      s.elements.clear();
      t.sets.emplace(s.name, std::move(s));
      return absl::OkStatus();
    }
    case Op::Kind::kAddElements: {
      auto it = t.sets.find(op.set->name);
      if (it == t.sets.end()) return Refused(op, kNoEntry);
      Set& set = it->second;
      for (const SetElement& e : *op.elements) {
        if (set.verdict_map && !t.chains.contains(e.jump_chain)) {
          return Refused(op, kNoEntry);
        }
        auto same =
            std::find_if(set.elements.begin(), set.elements.end(),
                         [&](const SetElement& x) { return SameKey(x, e); });
        if (same != set.elements.end()) {
          if (same->jump_chain != e.jump_chain) return Refused(op, kExists);
          continue;  // Present already: no change without NLM_F_EXCL.
        }
        if (set.interval) {
          for (const SetElement& x : set.elements) {
            if (Overlaps(x, e)) return Refused(op, kExists);
          }
        }
        set.elements.insert(
            std::lower_bound(set.elements.begin(), set.elements.end(), e), e);
      }
      return absl::OkStatus();
    }
    case Op::Kind::kDeleteElements: {
      auto it = t.sets.find(op.set->name);
      if (it == t.sets.end()) return Refused(op, kNoEntry);
      std::vector<SetElement>& elements = it->second.elements;
      for (const SetElement& e : *op.elements) {
        auto same =
            std::find_if(elements.begin(), elements.end(),
                         [&](const SetElement& x) { return SameKey(x, e); });
        if (same == elements.end()) return Refused(op, kNoEntry);
        elements.erase(same);
      }
      return absl::OkStatus();
    }
    case Op::Kind::kFlushSet: {
      auto it = t.sets.find(op.name);
      if (it == t.sets.end()) return Refused(op, kNoEntry);
      it->second.elements.clear();
      return absl::OkStatus();
    }
    case Op::Kind::kDeleteSet: {
      auto it = t.sets.find(op.name);
      if (it == t.sets.end()) return Refused(op, kNoEntry);
      for (const auto& [name, chain] : t.chains) {
        if (UsesSet(chain, op.name)) return Refused(op, kBusy);
      }
      t.sets.erase(it);
      return absl::OkStatus();
    }
    case Op::Kind::kAddChain: {
      auto it = t.chains.find(op.chain->name);
      if (it != t.chains.end()) {
        return it->second.base_forward == op.chain->base_forward
                   ? absl::OkStatus()
                   : Refused(op, kExists);
      }
      Chain c = *op.chain;
      c.rules.clear();
      t.chains.emplace(c.name, std::move(c));
      return absl::OkStatus();
    }
    case Op::Kind::kAddRules: {
      auto it = t.chains.find(op.chain->name);
      if (it == t.chains.end()) return Refused(op, kNoEntry);
      for (const Rule& r : op.chain->rules) {
        if (r.verdict == Verdict::kGoto && !t.chains.contains(r.goto_chain)) {
          return Refused(op, kNoEntry);
        }
        for (const std::string* name : {&r.set, &r.unless_set}) {
          if (name->empty()) continue;
          auto set = t.sets.find(*name);
          if (set == t.sets.end()) return Refused(op, kNoEntry);
          if ((r.kind == Rule::Kind::kVmap) != set->second.verdict_map) {
            return Refused(op, kInvalid);
          }
        }
        it->second.rules.push_back(r);
      }
      return absl::OkStatus();
    }
    case Op::Kind::kFlushChain: {
      auto it = t.chains.find(op.name);
      if (it == t.chains.end()) return Refused(op, kNoEntry);
      it->second.rules.clear();
      return absl::OkStatus();
    }
    case Op::Kind::kDeleteChain: {
      auto it = t.chains.find(op.name);
      if (it == t.chains.end()) return Refused(op, kNoEntry);
      // The kernel deletes a chain's own rules with it, but not a chain
      // something still jumps to.
      if (JumpedTo(t, op.name)) return Refused(op, kBusy);
      t.chains.erase(it);
      return absl::OkStatus();
    }
    case Op::Kind::kAddGuard: {
      if (!t.guard_base) return Refused(op, kNoEntry);
      if (devices_ && !devices_->contains(op.guard->device)) {
        return Refused(op, kNoEntry);
      }
      t.guards.try_emplace(op.guard->device);
      return absl::OkStatus();
    }
    case Op::Kind::kAddGuardRules: {
      auto it = t.guards.find(op.guard->device);
      if (!t.guard_base || it == t.guards.end()) return Refused(op, kNoEntry);
      it->second.push_back(*op.guard);
      return absl::OkStatus();
    }
    case Op::Kind::kFlushGuard: {
      auto it = t.guards.find(op.name);
      if (!t.guard_base || it == t.guards.end()) return Refused(op, kNoEntry);
      it->second.clear();
      return absl::OkStatus();
    }
    case Op::Kind::kDeleteGuard: {
      auto it = t.guards.find(op.name);
      if (!t.guard_base || it == t.guards.end()) return Refused(op, kNoEntry);
      t.guards.erase(it);
      return absl::OkStatus();
    }
  }
  return Refused(op, kInvalid);
}

absl::Status FakeBackend::Commit(const Transaction& tx) {
  last_.clear();
  for (const Op& op : tx.ops) last_.push_back(Describe(op));
  last_size_ = tx.size();
  if (fail_commits_ > 0) {
    --fail_commits_;
    return fail_status_;
  }
  Tables next = tables_;
  for (const Op& op : tx.ops) {
    if (absl::Status st = Apply(op, next); !st.ok()) return st;
  }
  tables_ = std::move(next);
  ++commits_;
  return absl::OkStatus();
}

absl::StatusOr<bool> FakeBackend::Holds(const Ruleset& ruleset) {
  if (fail_read_back_) {
    absl::Status st = *std::move(fail_read_back_);
    fail_read_back_.reset();
    return st;
  }
  if (!tables_.inet) return false;
  // A guard chain holds its guard's rules once, no more.
  for (const auto& [device, appended] : tables_.guards) {
    if (appended.size() != 1) return false;
  }
  return Dump() == Canonical(ruleset);
}

Ruleset FakeBackend::Dump() const {
  Ruleset out;
  for (const auto& [name, set] : tables_.sets) out.sets.push_back(set);
  for (const auto& [name, chain] : tables_.chains) out.chains.push_back(chain);
  for (const auto& [device, appended] : tables_.guards) {
    if (!appended.empty()) out.guards.push_back(appended.front());
  }
  return Canonical(std::move(out));
}

void FakeBackend::FailCommits(int n, absl::Status status) {
  fail_commits_ = n;
  fail_status_ = std::move(status);
}

void FakeBackend::FailOperations(std::function<bool(const Op&)> match,
                                 absl::Status status) {
  fail_match_ = std::move(match);
  fail_match_status_ = std::move(status);
}

void FakeBackend::FailNextReadBack(absl::Status status) {
  fail_read_back_ = std::move(status);
}

Ruleset Canonical(Ruleset ruleset) {
  for (Set& s : ruleset.sets) s.comment.clear();
  for (Chain& c : ruleset.chains) c.comment.clear();
  std::sort(ruleset.sets.begin(), ruleset.sets.end(),
            [](const Set& a, const Set& b) { return a.name < b.name; });
  std::sort(ruleset.chains.begin(), ruleset.chains.end(),
            [](const Chain& a, const Chain& b) { return a.name < b.name; });
  std::sort(ruleset.guards.begin(), ruleset.guards.end(),
            [](const SpoofGuard& a, const SpoofGuard& b) {
              return a.device < b.device;
            });
  return ruleset;
}

}  // namespace podwall::nft
