// `openssl s_client` against 127.0.0.1:PORT, for what a TLS test wants to see of a handshake that
// curl does not print reliably: the certificate presented, the protocol, ALPN, session reuse.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cutover::test {

struct TlsProbeOptions {
  std::string server_name{};           // -servername; empty: -noservername (no SNI at all)
  std::filesystem::path ca_file{};     // -CAfile and -verify_return_error when set
  std::vector<std::string> extra{};    // more s_client options: {"-tls1_2"}, {"-alpn", "h2"}, ...
  // Written after the handshake, then s_client waits (-ign_eof) for the server to close: send a
  // request with "Connection: close". A TLS 1.3 session ticket arrives after the handshake, so
  // -sess_out needs this to have something to save. Empty: s_client hangs up after the handshake.
  std::string send{};
  std::chrono::milliseconds timeout{15'000};
};

// s_client's output, and what the tests read from it.
struct TlsProbe {
  int exit_code = -1;  // -1: killed at the deadline
  std::string out{};
  std::string err{};

  // The handshake finished (s_client printed its session summary).
  bool connected() const;
  // The server's leaf certificate, as first_certificate_pem (test_certs.hpp) gives it.
  std::string peer_pem() const;
  // "CN = a.test" (s_client's "subject=" line); empty when no certificate came.
  std::string subject() const;
  // "TLSv1.3", "TLSv1.2"; empty when the handshake failed.
  std::string protocol() const;
  // The protocol ALPN selected; empty when none was.
  std::string alpn() const;
  // The session was resumed ("Reused, TLSv1.x").
  bool reused() const;
  // Both streams, for assertion messages.
  std::string dump() const { return "stdout:\n" + out + "\nstderr:\n" + err; }
};

TlsProbe probe_tls(std::uint16_t port, const TlsProbeOptions& options);

// GET `target` with "Connection: close" and Host `host`: a `send` for TlsProbeOptions.
std::string closing_get(const std::string& host, const std::string& target = "/");

}  // namespace cutover::test
