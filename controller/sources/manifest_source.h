#ifndef PODWALL_CONTROLLER_SOURCES_MANIFEST_SOURCE_H_
#define PODWALL_CONTROLLER_SOURCES_MANIFEST_SOURCE_H_

// A directory of manifest files (`podwalld --manifests DIR`), followed with
// inotify. Files are read when written and closed, renamed in or removed;
// hidden files, editors' temporaries and other extensions are ignored.
// Events are debounced: a burst of writes is read once, at most
// `max_delay` after its first event.
//
// A file that does not parse or validate is reported and its previous good
// content stays in force; the other files apply. An object defined in two
// files is taken from the first file by name and the other is reported.

#include <map>
#include <set>
#include <string>

#include "controller/sources/source.h"

namespace podwall::sources {

class ManifestSource : public Source {
 public:
  struct Options {
    std::chrono::milliseconds debounce{5};
    std::chrono::milliseconds max_delay{100};
  };
  ManifestSource(std::string directory, Options options);
  explicit ManifestSource(std::string directory)
      : ManifestSource(std::move(directory), Options()) {}
  ~ManifestSource() override;

  ManifestSource(const ManifestSource&) = delete;
  ManifestSource& operator=(const ManifestSource&) = delete;

  absl::Status Start(ChangeSink& sink) override;
  int fd() const override { return inotify_fd_; }
  void ProcessEvents(ChangeSink& sink) override;
  std::optional<SteadyClock::time_point> deadline() const override;
  void OnDeadline(ChangeSink& sink) override;
  void Reload(ChangeSink& sink) override;
  SourceStatus status() const override;

 private:
  struct FileState {
    std::map<std::string, schema::Object> objects;  // By ObjectKey.
    std::string error;  // Why the current content is rejected, if it is.
    // Of the content last parsed: the same bytes again (a SIGHUP, an
    // editor's touch) are not parsed again.
    std::size_t content_hash = 0;
    std::size_t content_size = 0;
  };

  void MarkDirty(const std::string& name);
  void ScanDirectory();
  void ReadFile(const std::string& name, ChangeSink& sink);
  // Replaces the objects of `name` and reports the effective changes.
  void ReplaceFileObjects(const std::string& name,
                          std::map<std::string, schema::Object> objects,
                          ChangeSink& sink);
  const schema::Object* Winner(const std::string& key) const;

  std::string directory_;
  Options options_;
  int inotify_fd_ = -1;
  std::map<std::string, FileState> files_;  // By file name.
  // Object key -> files defining it, in name order (the first one wins).
  std::map<std::string, std::set<std::string>> owners_;
  std::set<std::string> dirty_;
  std::optional<SteadyClock::time_point> first_dirty_;
  std::optional<SteadyClock::time_point> last_dirty_;
  std::size_t invalid_total_ = 0;
  std::optional<std::chrono::system_clock::time_point> last_change_;
};

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_MANIFEST_SOURCE_H_
