#include "controller/sources/manifest_source.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "policy-schema/manifest.h"

namespace podwall::sources {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

ManifestSource::ManifestSource(std::string directory, Options options)
    : directory_(std::move(directory)), options_(options) {}

ManifestSource::~ManifestSource() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

absl::Status ManifestSource::Start(ChangeSink& sink) {
  std::error_code ec;
  if (!fs::is_directory(directory_, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(directory_, ": not a directory"));
  }
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    return absl::InternalError(
        absl::StrCat("inotify_init1: ", std::strerror(errno)));
  }
  // Watch first, then read: a write in between is read twice, never lost.
  if (inotify_add_watch(inotify_fd_, directory_.c_str(), kWatchMask) < 0) {
    return absl::InternalError(absl::StrCat("inotify_add_watch ", directory_,
                                            ": ", std::strerror(errno)));
  }
  ScanDirectory();
  OnDeadline(sink);
  return absl::OkStatus();
}

void ManifestSource::ScanDirectory() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory_, ec)) {
    MarkDirty(entry.path().filename().string());
  }
  // Files that vanished while nobody watched.
  for (const auto& [name, state] : files_) MarkDirty(name);
}

void ManifestSource::MarkDirty(const std::string& name) {
  if (!schema::IsManifestFileName(name) && !files_.contains(name)) return;
  dirty_.insert(name);
  const auto now = SteadyClock::now();
  if (!first_dirty_) first_dirty_ = now;
  last_dirty_ = now;
}

void ManifestSource::ProcessEvents(ChangeSink& sink) {
  alignas(inotify_event) char buf[16384];
  while (true) {
    const ssize_t n = read(inotify_fd_, buf, sizeof(buf));
    if (n <= 0) break;  // EAGAIN: drained.
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        sink.Note(ChangeSink::Severity::kWarning, "manifests",
                  "inotify queue overflowed; re-reading " + directory_);
        ScanDirectory();
        continue;
      }
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        sink.Note(ChangeSink::Severity::kError, "manifests",
                  directory_ +
                      " was removed or moved; its last content "
                      "stays in force");
        continue;
      }
      if (ev->len > 0) MarkDirty(ev->name);
    }
  }
}

std::optional<SteadyClock::time_point> ManifestSource::deadline() const {
  if (dirty_.empty()) return std::nullopt;
  return std::min(*last_dirty_ + options_.debounce,
                  *first_dirty_ + options_.max_delay);
}

void ManifestSource::OnDeadline(ChangeSink& sink) {
  const std::set<std::string> dirty = std::exchange(dirty_, {});
  first_dirty_.reset();
  last_dirty_.reset();
  for (const std::string& name : dirty) ReadFile(name, sink);
}

void ManifestSource::Reload(ChangeSink& sink) {
  ScanDirectory();
  OnDeadline(sink);
}

void ManifestSource::ReadFile(const std::string& name, ChangeSink& sink) {
  const std::string path = (fs::path(directory_) / name).string();
  std::error_code ec;
  if (!schema::IsManifestFileName(name) || !fs::is_regular_file(path, ec)) {
    // Removed (or renamed away): its objects go.
    if (files_.contains(name)) {
      ReplaceFileObjects(name, {}, sink);
      files_.erase(name);
    }
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::string content(std::istreambuf_iterator<char>(in), {});
  const bool read = in.is_open() && !in.bad();
  const std::size_t hash = std::hash<std::string>{}(content);
  if (auto known = files_.find(name);
      read && known != files_.end() && known->second.content_hash == hash &&
      known->second.content_size == content.size()) {
    return;  // Parsed as it is already: the same objects, or the same error.
  }
  // A file that cannot be read gets the loader's own error.
  absl::StatusOr<schema::ManifestSet> set =
      read ? schema::ParseManifests(content, path)
           : schema::LoadManifestFile(path);
  if (read) {
    FileState& state = files_[name];
    state.content_hash = hash;
    state.content_size = content.size();
  }
  if (!set.ok()) {
    ++invalid_total_;
    const std::string error(set.status().message());
    FileState& state = files_[name];
    const bool had_content = !state.objects.empty();
    state.error = error;
    sink.Note(
        ChangeSink::Severity::kError, "manifests",
        absl::StrCat(error, had_content ? " (the file's previous content stays "
                                          "in force)"
                                        : " (nothing from this file applies)"));
    return;
  }
  for (const std::string& w : set->warnings) {
    sink.Note(ChangeSink::Severity::kWarning, "manifests", w);
  }
  std::map<std::string, schema::Object> objects;
  for (schema::SourcedObject& o : set->objects) {
    std::string key = ObjectKey(o.object);
    if (objects.contains(key)) {
      sink.Note(ChangeSink::Severity::kWarning, "manifests",
                absl::StrCat(path, ":", o.line(), ": ", key,
                             " is defined twice in the file; the last one "
                             "applies"));
    }
    objects[std::move(key)] = std::move(o.object);
  }
  if (!files_[name].error.empty()) {
    sink.Note(ChangeSink::Severity::kInfo, "manifests",
              path + " is valid again");
  }
  files_[name].error.clear();
  ReplaceFileObjects(name, std::move(objects), sink);
}

const schema::Object* ManifestSource::Winner(const std::string& key) const {
  auto it = owners_.find(key);
  if (it == owners_.end() || it->second.empty()) return nullptr;
  const FileState& file = files_.at(*it->second.begin());
  return &file.objects.at(key);
}

void ManifestSource::ReplaceFileObjects(
    const std::string& name, std::map<std::string, schema::Object> objects,
    ChangeSink& sink) {
  FileState& file = files_[name];
  std::set<std::string> keys;
  for (const auto& [key, o] : file.objects) keys.insert(key);
  for (const auto& [key, o] : objects) keys.insert(key);
  // Effective objects before, by value: the file's old content is about to
  // be replaced.
  std::map<std::string, schema::Object> before;
  for (const std::string& key : keys) {
    if (const schema::Object* o = Winner(key)) before.emplace(key, *o);
  }
  for (const std::string& key : keys) {
    if (objects.contains(key)) {
      owners_[key].insert(name);
    } else if (auto it = owners_.find(key); it != owners_.end()) {
      it->second.erase(name);
      if (it->second.empty()) owners_.erase(it);
    }
  }
  file.objects = std::move(objects);
  bool changed = false;
  for (const std::string& key : keys) {
    const schema::Object* now = Winner(key);
    auto old = before.find(key);
    if (!now) {
      sink.Apply({ObjectChange::Type::kDelete, old->second});
      changed = true;
    } else if (old == before.end() || !(old->second == *now)) {
      sink.Apply({ObjectChange::Type::kUpsert, *now});
      changed = true;
    }
    if (now && owners_[key].size() > 1 && file.objects.contains(key) &&
        *owners_[key].begin() != name) {
      sink.Note(ChangeSink::Severity::kWarning, "manifests",
                absl::StrCat(key, " in ", name, " is also defined in ",
                             *owners_[key].begin(), ", which applies"));
    }
  }
  if (changed) last_change_ = std::chrono::system_clock::now();
}

SourceStatus ManifestSource::status() const {
  SourceStatus s;
  s.name = "manifests";
  s.target = directory_;
  s.objects = owners_.size();
  for (const auto& [name, file] : files_) {
    if (!file.error.empty()) s.errors.push_back(file.error);
  }
  s.ok = s.errors.empty();
  s.invalid_inputs_total = invalid_total_;
  s.last_change = last_change_;
  return s;
}

}  // namespace podwall::sources
