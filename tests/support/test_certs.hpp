// Throwaway X.509 material for TLS tests: a CA, leaf certificates it signs and self-signed ones it
// does not, made by /usr/bin/openssl (a subprocess per step) in a directory the test owns.
// Keys are ECDSA P-256 (fast to make, small); everything is valid from now for two days.
//
//   TestCa ca(gw.dir());                                   // ca.cert(): for --cacert / ca_file
//   auto a = ca.issue("a.test", {"a.test", "*.a.test"});   // a.cert, a.key: absolute paths
//   auto wrong = self_signed(gw.dir(), "a.test", {"a.test"});
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::test {

inline constexpr const char* kOpensslPath = "/usr/bin/openssl";

// A certificate (PEM, the leaf only) and its private key (PEM, PKCS#8).
struct CertFiles {
  std::filesystem::path cert;
  std::filesystem::path key;

  // The certificate's PEM block, whitespace removed: compare it with what a server presented
  // (TlsProbe::peer_pem, TlsConnection::peer_certificate_pem) to tell which one it was.
  std::string pem() const;
};

// Subject alternative names: a name that parses as an IPv4/IPv6 address becomes an IP SAN,
// anything else a DNS SAN ("*.a.test" included). The subject is CN=<common_name>.
class TestCa {
 public:
  // Makes the CA's key and certificate in `dir` (created if missing): ca-N.pem / ca-N.key, N
  // making the names unique when several CAs share a directory.
  explicit TestCa(std::filesystem::path dir, std::string_view common_name = "cutover test CA");

  const std::filesystem::path& cert() const { return ca_.cert; }
  const std::filesystem::path& key() const { return ca_.key; }
  const std::filesystem::path& dir() const { return dir_; }

  // A server certificate signed by this CA, in dir(): <common_name>-N.pem / .key (N unique), so
  // issuing the same name twice (a renewed certificate) gives two pairs of files.
  CertFiles issue(std::string_view common_name, const std::vector<std::string>& names) const;

 private:
  std::filesystem::path dir_;
  CertFiles ca_;
};

// A self-signed server certificate in `dir`, from no CA: the "wrong CA" of a test.
CertFiles self_signed(const std::filesystem::path& dir, std::string_view common_name,
                      const std::vector<std::string>& names);

// A self-signed P-256 certificate for DNS name `name`, made in this process (OpenSSL's API, no
// subprocess: for the unit and session tiers): <stem>.pem and <stem>.key in `dir`.
CertFiles quick_self_signed(const std::filesystem::path& dir, std::string_view stem, std::string_view name);

// Runs /usr/bin/openssl with `args` (working directory unchanged, stdin /dev/null) and returns
// its stdout; throws std::runtime_error with stderr when it exits non-zero or takes over 30 s.
std::string run_openssl(std::vector<std::string> args);

// The first PEM block of `text` (BEGIN to END of the first CERTIFICATE), whitespace removed;
// empty when there is none.
std::string first_certificate_pem(std::string_view text);

}  // namespace cutover::test
