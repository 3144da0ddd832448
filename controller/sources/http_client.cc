#include "controller/sources/http_client.h"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace podwall::sources {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

struct Transfer {
  std::string body;  // Whole body (Get) or the partial line (Stream).
  const std::function<bool(std::string_view)>* on_line = nullptr;
  bool stopped_by_caller = false;
  const std::atomic<bool>* stop = nullptr;
};

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->body.append(data, size * n);
  if (t->on_line) {
    std::size_t start = 0;
    for (std::size_t nl; (nl = t->body.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      if (nl > start &&
          !(*t->on_line)(std::string_view(t->body).substr(start, nl - start))) {
        t->stopped_by_caller = true;
        return 0;  // Aborts the transfer.
      }
    }
    t->body.erase(0, start);
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->stop && t->stop->load() ? 1 : 0;
}

CurlPtr NewHandle() {
  // curl_easy_init would do this lazily, but not thread-safely.
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return CurlPtr(curl_easy_init());
}

// Sets `h` up for `path`; an error when the token file is unreadable.
absl::Status Setup(CURL* h, const HttpClientConfig& c, const std::string& path,
                   Transfer& t, SlistPtr& headers) {
  const std::string url = c.server + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  if (!c.unix_socket.empty()) {
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c.unix_socket.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  if (!c.ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(c.ca_pem.data()), c.ca_pem.size(),
                 CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (c.insecure_skip_tls_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!c.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(c.client_cert_pem.data()),
                   c.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(c.client_key_pem.data()),
                  c.client_key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  absl::StatusOr<std::string> token = CurrentToken(c);
  if (!token.ok()) return token.status();
  curl_slist* list = curl_slist_append(nullptr, "Accept: application/json");
  if (!token->empty()) {
    list = curl_slist_append(
        list, absl::StrCat("Authorization: Bearer ", *token).c_str());
  }
  headers.reset(list);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  return absl::OkStatus();
}

absl::Status TransportError(CURLcode rc, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("GET ", path, ": ", curl_easy_strerror(rc)));
}

}  // namespace

absl::StatusOr<std::string> CurrentToken(const HttpClientConfig& config) {
  if (config.token_file.empty()) return config.token;
  std::ifstream in(config.token_file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("token file ", config.token_file, ": cannot read"));
  }
  std::string token = buffer.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' ||
                            token.back() == ' ')) {
    token.pop_back();
  }
  return token;
}

absl::StatusOr<HttpReply> HttpClient::Get(const std::string& path) {
  Transfer t;
  t.stop = stop_;
  SlistPtr headers;
  // One handle for every GET: its connection stays open between requests
  // (keep-alive; a list's pages go over one TLS connection).
  if (!get_handle_) {
    get_handle_ = std::shared_ptr<void>(NewHandle().release(),
                                        [](void* h) { curl_easy_cleanup(h); });
    if (!get_handle_) return absl::InternalError("curl_easy_init failed");
  } else {
    curl_easy_reset(get_handle_.get());
  }
  CURL* h = get_handle_.get();
  if (absl::Status st = Setup(h, config_, path, t, headers); !st.ok()) {
    return st;
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) return TransportError(rc, path);
  HttpReply r;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  r.body = std::move(t.body);
  return r;
}

absl::StatusOr<long> HttpClient::Stream(
    const std::string& path, int idle_seconds,
    const std::function<bool(std::string_view line)>& on_line) {
  Transfer t;
  t.stop = stop_;
  t.on_line = &on_line;
  SlistPtr headers;
  // A handle of its own: the caller may GET while the stream is open.
  CurlPtr curl = NewHandle();
  if (!curl) return absl::InternalError("curl_easy_init failed");
  if (absl::Status st = Setup(curl.get(), config_, path, t, headers);
      !st.ok()) {
    return st;
  }
  // Silence for idle_seconds ends the stream (the caller reconnects).
  if (idle_seconds > 0) {
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(idle_seconds));
  }
  const CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.stopped_by_caller)) {
    if (!t.body.empty() && status == 200) on_line(t.body);
    return status;
  }
  if (status >= 400) {
    if (!t.body.empty()) on_line(t.body);
    return status;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT && idle_seconds > 0) {
    return absl::DeadlineExceededError(
        absl::StrCat("GET ", path, ": nothing for ", idle_seconds, " s"));
  }
  return TransportError(rc, path);
}

}  // namespace podwall::sources
