#include "support/tls_probe.hpp"

#include "support/process.hpp"
#include "support/test_certs.hpp"

#include <regex>

namespace cutover::test {
namespace {

constexpr const char* kShell = "/bin/sh";

// The first capture of `pattern` in `text`, empty without a match.
std::string capture(const std::string& text, const std::regex& pattern) {
  std::smatch m;
  return std::regex_search(text, m, pattern) ? m[1].str() : std::string();
}

}  // namespace

bool TlsProbe::connected() const {
  static const std::regex summary(R"((^|\n)(New|Reused), (TLSv1\.\d|SSLv3))");
  return std::regex_search(out, summary) && protocol() != "(NONE)";
}

std::string TlsProbe::peer_pem() const { return first_certificate_pem(out); }

std::string TlsProbe::subject() const {
  static const std::regex line(R"((?:^|\n)subject=([^\n]*))");
  return capture(out, line);
}

std::string TlsProbe::protocol() const {
  static const std::regex line(R"((?:^|\n)(?:New|Reused), ([^,\n]+),)");
  return capture(out, line);
}

std::string TlsProbe::alpn() const {
  static const std::regex line(R"((?:^|\n)ALPN protocol: ([^\n]+))");
  return capture(out, line);
}

bool TlsProbe::reused() const {
  static const std::regex line(R"((^|\n)Reused, TLSv1)");
  return std::regex_search(out, line);
}

TlsProbe probe_tls(std::uint16_t port, const TlsProbeOptions& options) {
  std::vector<std::string> args{"s_client", "-connect", "127.0.0.1:" + std::to_string(port)};
  if (options.server_name.empty()) {
    args.emplace_back("-noservername");
  } else {
    args.insert(args.end(), {"-servername", options.server_name});
  }
  if (!options.ca_file.empty()) args.insert(args.end(), {"-CAfile", options.ca_file.string(), "-verify_return_error"});
  args.insert(args.end(), options.extra.begin(), options.extra.end());

  // stdin is /dev/null for every child (process.hpp): a request to send goes through a pipe from
  // printf, its bytes in the environment so no quoting is involved.
  std::vector<std::string> argv;
  ProcessOptions process_options;
  if (options.send.empty()) {
    argv = {kOpensslPath};
  } else {
    args.emplace_back("-ign_eof");
    argv = {kShell, "-c", R"(printf '%s' "$CUTOVER_PROBE_SEND" | exec "$0" "$@")", kOpensslPath};
    process_options.env.push_back("CUTOVER_PROBE_SEND=" + options.send);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(std::move(argv), std::move(process_options));
  TlsProbe probe;
  probe.exit_code = p.wait_exit(options.timeout).value_or(-1);
  probe.out = p.output(Process::Stream::kStdout);
  probe.err = p.output(Process::Stream::kStderr);
  return probe;
}

std::string closing_get(const std::string& host, const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
}

}  // namespace cutover::test
