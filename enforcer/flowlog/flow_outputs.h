#ifndef PODWALL_ENFORCER_FLOWLOG_FLOW_OUTPUTS_H_
#define PODWALL_ENFORCER_FLOWLOG_FLOW_OUTPUTS_H_

// Where flow records go besides live subscribers:
//   FlowRing        the newest records in memory, within a count and a
//                   byte budget (GET /v1/flows, read a part at a time);
//   FlowFileWriter  JSON lines in a file, rotated by size, written by its
//                   own thread so the capture path never waits on the disk
//                   (a full queue drops lines and counts them). The file is
//                   never opened through a symlink; a file that cannot be
//                   (re)opened or written loses lines, which are counted,
//                   and the writer tries again with the next lines.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "enforcer/flowlog/flow_record.h"

namespace podwall::flowlog {

class FlowRing {
 public:
  // Keeps the newest records while there are at most `max_records` and
  // they take at most `max_bytes` (ApproxBytes of each and its JSON).
  FlowRing(std::size_t max_records, std::size_t max_bytes)
      : max_records_(max_records), max_bytes_(max_bytes) {}
  void Add(FlowRecord record, std::string json);

  // An answer being read: records from `next` up to (not including) `end`,
  // by sequence number. Records added later are not part of it; records
  // evicted meanwhile are skipped.
  struct Cursor {
    uint64_t next = 0;
    uint64_t end = 0;
  };
  // The answer to `filter` as the ring holds it now: from the oldest
  // record, or from the newest `filter.last` matching ones.
  Cursor Start(const FlowFilter& filter) const;
  // Appends the matching records' JSON lines (each with a newline) from
  // `cursor` until `out` holds `budget` bytes or the answer ends; false
  // when it has ended.
  bool Read(Cursor& cursor, const FlowFilter& filter, std::size_t budget,
            std::string& out) const;

  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    FlowRecord record;
    std::string json;
    std::size_t bytes = 0;
  };
  const std::size_t max_records_;
  const std::size_t max_bytes_;
  std::deque<Entry> entries_;
  uint64_t first_seq_ = 0;  // Of entries_.front().
  std::size_t bytes_ = 0;
};

class FlowFileWriter {
 public:
  // Appends to `path`; when it would exceed `max_bytes` it becomes
  // path.1 (path.1 becomes path.2, ... up to `max_files` old files).
  static absl::StatusOr<std::unique_ptr<FlowFileWriter>> Open(
      const std::string& path, uint64_t max_bytes, int max_files);
  ~FlowFileWriter();  // Writes what is queued, then stops.

  // Queues one line (without newline); false when the queue is full.
  bool Write(std::string line);
  uint64_t dropped() const;
  // Lines lost because the file could not be opened or written, and why
  // the last time ("" when none was).
  uint64_t errors() const;
  std::string last_error() const;

 private:
  FlowFileWriter(std::string path, uint64_t max_bytes, int max_files);
  void Run();
  void Rotate();
  // Writes `chunk` (`lines` lines) whole, or counts them lost.
  void WriteChunk(const std::string& chunk, uint64_t lines);
  void Failed(const std::string& what, uint64_t lines);

  const std::string path_;
  const uint64_t max_bytes_;
  const int max_files_;
  // The writer thread's own.
  int fd_ = -1;
  uint64_t size_ = 0;

  mutable base::Mutex mu_;
  base::CondVar cv_;  // Lines queued, or stopping.
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace podwall::flowlog

#endif  // PODWALL_ENFORCER_FLOWLOG_FLOW_OUTPUTS_H_
