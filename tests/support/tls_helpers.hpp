// Small helpers shared by the TLS integration tests (header-only, like integration_helpers.hpp):
// the gateway's `tls:` section for a set of certificates, and curl over HTTPS with SNI.
#pragma once

#include "support/curl.hpp"
#include "support/test_certs.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::test {

// `path` relative to `dir` when it lies inside it (as an operator writes it next to the config),
// absolute otherwise.
inline std::string config_relative(const std::filesystem::path& path, const std::filesystem::path& dir) {
  const auto relative = path.lexically_relative(dir);
  if (relative.empty() || relative.native().starts_with("..")) return path.string();
  return relative.string();
}

// The `tls:` section serving `certs` (the first is the default) on 127.0.0.1:0. `more` adds keys
// at the section's indentation, e.g. "  min_version: \"1.3\"\n".
inline std::string tls_listener_yaml(const std::vector<CertFiles>& certs, const std::filesystem::path& config_dir,
                                     std::string_view more = "") {
  std::string yaml = "tls:\n  listen: 127.0.0.1:0\n  certificates:\n";
  for (const auto& cert : certs) {
    yaml += "    - cert_file: " + config_relative(cert.cert, config_dir) + "\n";
    yaml += "      key_file: " + config_relative(cert.key, config_dir) + "\n";
  }
  return yaml + std::string(more);
}

struct HttpsResult {
  int exit_code = -1;        // curl's: 0 when the exchange happened (whatever the status)
  int status = 0;            // 0 when there was no response
  std::string http_version;  // "1.1", "2"
  std::string body;
  std::string err;  // curl's stderr: with "-v" in `extra`, the handshake as curl saw it
};

// curl https://NAME:PORT/TARGET with NAME resolved to 127.0.0.1, so NAME is the SNI and the name
// curl verifies the certificate against, and the chain is verified against `ca`.
inline HttpsResult curl_https(std::uint16_t port, const std::string& name, const std::string& target,
                              const std::filesystem::path& ca, std::vector<std::string> extra = {}) {
  const std::string authority = name + ":" + std::to_string(port);
  std::vector<std::string> args{"-sS", "--max-time", "15", "--cacert", ca.string(), "--resolve",
                                authority + ":127.0.0.1", "-w", "\n%{http_code} %{http_version}"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("https://" + authority + target);
  const auto r = run_curl(std::move(args));
  HttpsResult out{.exit_code = r.exit_code, .status = 0, .http_version = {}, .body = r.out, .err = r.err};
  // The -w line is the last one: "<status> <version>".
  const auto newline = out.body.rfind('\n');
  if (newline == std::string::npos) return out;
  const std::string tail = out.body.substr(newline + 1);
  out.body.resize(newline);
  const auto space = tail.find(' ');
  if (space == std::string::npos) return out;
  out.status = std::atoi(tail.substr(0, space).c_str());
  out.http_version = tail.substr(space + 1);
  return out;
}

}  // namespace cutover::test
