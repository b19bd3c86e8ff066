// wrk_tls.so: preloaded into wrk (LD_PRELOAD) by bench's TLS scenario (6) to count wrk's TLS
// handshakes and how many resumed a session, to record what the first one negotiated, and, with
// WRK_TLS_FRESH=1, to make every one a full handshake.
// Why: wrk keeps one SSL object per connection slot and, on reconnect, calls SSL_shutdown and
// SSL_clear on it; SSL_clear keeps the session of a cleanly shut down connection, so the next
// SSL_connect offers it and the server resumes (a TLS 1.3 PSK from its ticket). wrk has no switch
// for that. WRK_TLS_FRESH=1 drops the kept session right after SSL_clear.
// At exit it writes one line to stderr, which bench/harness/load.py reads:
//   WRKTLS {"handshakes": N, "resumed": N, "dropped": N, "version": "TLSv1.3",
//           "cipher": "TLS_AES_256_GCM_SHA384", "group": "X25519"}
#include <dlfcn.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<unsigned long> handshakes{0}, resumed{0}, dropped{0};
char version[32] = "", cipher[64] = "", group[32] = "";  // of the first handshake (written once)
const bool kFresh = [] {
  const char* v = std::getenv("WRK_TLS_FRESH");
  return v != nullptr && std::strcmp(v, "1") == 0;
}();

template <typename Fn>
Fn next_symbol(const char* name) {
  void* sym = dlsym(RTLD_NEXT, name);
  if (sym == nullptr) {
    std::fprintf(stderr, "wrk_tls: no %s after this library\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(sym);
}

void note_negotiated(const SSL* ssl) {
  std::snprintf(version, sizeof version, "%s", SSL_get_version(ssl));
  const char* name = SSL_get_cipher_name(ssl);
  std::snprintf(cipher, sizeof cipher, "%s", name != nullptr ? name : "?");
  const int nid = SSL_get_negotiated_group(const_cast<SSL*>(ssl));
  const char* sn = nid > 0 ? OBJ_nid2sn(nid) : nullptr;
  std::snprintf(group, sizeof group, "%s", sn != nullptr ? sn : "none");
}

struct Report {
  ~Report() {
    std::fprintf(stderr,
                 "WRKTLS {\"handshakes\": %lu, \"resumed\": %lu, \"dropped\": %lu, \"version\": \"%s\", "
                 "\"cipher\": \"%s\", \"group\": \"%s\"}\n",
                 handshakes.load(), resumed.load(), dropped.load(), version, cipher, group);
  }
} report;

}  // namespace

extern "C" int SSL_connect(SSL* ssl) {
  static const auto real = next_symbol<int (*)(SSL*)>("SSL_connect");
  const int r = real(ssl);
  if (r == 1) {  // wrk calls it again after WANT_READ/WANT_WRITE: 1 comes once per handshake
    if (handshakes.fetch_add(1, std::memory_order_relaxed) == 0) {
      note_negotiated(ssl);
    }
    if (SSL_session_reused(ssl) == 1) {
      resumed.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return r;
}

extern "C" int SSL_clear(SSL* ssl) {
  static const auto real = next_symbol<int (*)(SSL*)>("SSL_clear");
  const int r = real(ssl);
  if (kFresh && SSL_get0_session(ssl) != nullptr) {
    SSL_set_session(ssl, nullptr);
    dropped.fetch_add(1, std::memory_order_relaxed);
  }
  return r;
}
