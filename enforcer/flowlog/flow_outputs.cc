#include "enforcer/flowlog/flow_outputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace podwall::flowlog {
namespace {

constexpr std::size_t kMaxQueued = 100000;

// Appending, and never through a symlink: the log's directory may be
// writable by others than root (a shared /var/log).
int OpenLog(const std::string& path) {
  return open(path.c_str(),
              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
}

}  // namespace

void FlowRing::Add(FlowRecord record, std::string json) {
  const std::size_t bytes =
      ApproxBytes(record) + json.capacity() + sizeof(Entry);
  if (max_records_ == 0 || bytes > max_bytes_) return;
  while (!entries_.empty() &&
         (entries_.size() >= max_records_ || bytes_ + bytes > max_bytes_)) {
    bytes_ -= entries_.front().bytes;
    entries_.pop_front();
    ++first_seq_;
  }
  entries_.push_back({std::move(record), std::move(json), bytes});
  bytes_ += bytes;
}

FlowRing::Cursor FlowRing::Start(const FlowFilter& filter) const {
  Cursor c{first_seq_, first_seq_ + entries_.size()};
  if (!filter.last) return c;
  std::size_t found = 0;
  for (std::size_t i = entries_.size(); i > 0 && found < *filter.last; --i) {
    if (!filter.Matches(entries_[i - 1].record)) continue;
    ++found;
    c.next = first_seq_ + i - 1;
  }
  if (found == 0) c.next = c.end;
  return c;
}

bool FlowRing::Read(Cursor& cursor, const FlowFilter& filter,
                    std::size_t budget, std::string& out) const {
  cursor.next = std::max(cursor.next, first_seq_);
  const uint64_t held = first_seq_ + entries_.size();
  while (cursor.next < cursor.end && cursor.next < held &&
         out.size() < budget) {
    const Entry& e = entries_[cursor.next - first_seq_];
    ++cursor.next;
    if (!filter.Matches(e.record)) continue;
    out += e.json;
    out += '\n';
  }
  return cursor.next < cursor.end && cursor.next < held;
}

absl::StatusOr<std::unique_ptr<FlowFileWriter>> FlowFileWriter::Open(
    const std::string& path, uint64_t max_bytes, int max_files) {
  auto w = std::unique_ptr<FlowFileWriter>(
      new FlowFileWriter(path, max_bytes, max_files));
  w->fd_ = OpenLog(path);
  if (w->fd_ < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--flow-log ", path, ": ", strerror(errno)));
  }
  struct stat st;
  if (fstat(w->fd_, &st) == 0) w->size_ = static_cast<uint64_t>(st.st_size);
  w->thread_ = std::thread([p = w.get()] { p->Run(); });
  return w;
}

FlowFileWriter::FlowFileWriter(std::string path, uint64_t max_bytes,
                               int max_files)
    : path_(std::move(path)), max_bytes_(max_bytes), max_files_(max_files) {}

FlowFileWriter::~FlowFileWriter() {
  {
    base::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.Signal();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

bool FlowFileWriter::Write(std::string line) {
  {
    base::MutexLock lock(&mu_);
    if (queue_.size() >= kMaxQueued) {
      ++dropped_;
      return false;
    }
    line.push_back('\n');
    queue_.push_back(std::move(line));
  }
  cv_.Signal();
  return true;
}

uint64_t FlowFileWriter::dropped() const {
  base::MutexLock lock(&mu_);
  return dropped_;
}

uint64_t FlowFileWriter::errors() const {
  base::MutexLock lock(&mu_);
  return errors_;
}

std::string FlowFileWriter::last_error() const {
  base::MutexLock lock(&mu_);
  return last_error_;
}

void FlowFileWriter::Failed(const std::string& what, uint64_t lines) {
  const int err = errno;
  base::MutexLock lock(&mu_);
  errors_ += lines;
  last_error_ = absl::StrCat(what, " ", path_, ": ", strerror(err));
}

void FlowFileWriter::WriteChunk(const std::string& chunk, uint64_t lines) {
  if (fd_ < 0) fd_ = OpenLog(path_);  // After a failed rotation: again.
  if (fd_ < 0) {
    Failed("open", lines);
    return;
  }
  std::size_t off = 0;
  while (off < chunk.size()) {
    const ssize_t n = write(fd_, chunk.data() + off, chunk.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // What was not written is lost; a partial line stays partial.
      Failed("write", lines);
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  size_ += off;
}

void FlowFileWriter::Rotate() {
  if (fd_ >= 0) close(fd_);
  for (int i = max_files_ - 1; i >= 1; --i) {
    std::rename(absl::StrCat(path_, ".", i).c_str(),
                absl::StrCat(path_, ".", i + 1).c_str());
  }
  if (max_files_ >= 1) {
    std::rename(path_.c_str(), absl::StrCat(path_, ".1").c_str());
  } else {
    unlink(path_.c_str());
  }
  fd_ = OpenLog(path_);  // On failure, WriteChunk tries again.
  size_ = 0;
}

void FlowFileWriter::Run() {
  while (true) {
    std::deque<std::string> batch;
    {
      base::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(&mu_);
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    std::string chunk;
    uint64_t lines = 0;
    for (std::string& line : batch) {
      if (size_ + chunk.size() + line.size() > max_bytes_ &&
          size_ + chunk.size() > 0) {
        if (!chunk.empty()) WriteChunk(chunk, lines);
        chunk.clear();
        lines = 0;
        Rotate();
      }
      chunk += line;
      ++lines;
    }
    if (!chunk.empty()) WriteChunk(chunk, lines);
  }
}

}  // namespace podwall::flowlog
