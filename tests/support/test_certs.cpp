#include "support/test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "support/process.hpp"

#include <arpa/inet.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <random>
#include <stdexcept>

namespace cutover::test {
namespace {

namespace fs = std::filesystem;

constexpr auto kOpensslTimeout = std::chrono::seconds(30);
constexpr const char* kDays = "2";

// The request config of every certificate: the subject comes from -subj, the extensions from the
// section named by -extensions, the SANs from a line appended per certificate.
constexpr std::string_view kConfigHead =
    "[req]\n"
    "distinguished_name = dn\n"
    "prompt = no\n"
    "[dn]\n"
    "[v3_ca]\n"
    "basicConstraints = critical, CA:TRUE\n"
    "keyUsage = critical, keyCertSign, cRLSign\n"
    "subjectKeyIdentifier = hash\n"
    "[v3_leaf]\n"
    "basicConstraints = critical, CA:FALSE\n"
    "keyUsage = critical, digitalSignature\n"
    "extendedKeyUsage = serverAuth\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid\n";

bool is_ip_address(const std::string& name) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 || ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

std::string san_line(const std::vector<std::string>& names) {
  std::string line = "subjectAltName = ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) line += ", ";
    line += (is_ip_address(names[i]) ? "IP:" : "DNS:") + names[i];
  }
  return line + "\n";
}

// "<name>-N" ("*.a.test" -> "_.a.test-N") with the first N no file in `dir` uses yet.
std::string unique_stem(const fs::path& dir, std::string_view name) {
  std::string base;
  for (const char c : name) {
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    base.push_back(safe ? c : '_');
  }
  for (int n = 1;; ++n) {
    const std::string stem = base + "-" + std::to_string(n);
    if (!fs::exists(dir / (stem + ".pem")) && !fs::exists(dir / (stem + ".cnf"))) return stem;
  }
}

// Distinct serials keep clients that cache by (issuer, serial) from mixing certificates up.
std::string next_serial() {
  static std::atomic<std::uint64_t> counter{std::random_device{}() & 0xffffffu};
  return std::to_string((std::uint64_t{1} << 40) + counter.fetch_add(1));
}

// Writes <stem>.key, <stem>.pem (and the request config <stem>.cnf) in `dir`; signed by `issuer`,
// or self-signed when it is null.
CertFiles make_certificate(const fs::path& dir, const std::string& stem, std::string_view common_name,
                           const std::vector<std::string>& names, bool ca, const CertFiles* issuer) {
  fs::create_directories(dir);
  const fs::path config = dir / (stem + ".cnf");
  {
    std::ofstream file(config, std::ios::binary | std::ios::trunc);
    file << kConfigHead << (names.empty() ? std::string() : san_line(names));
    if (!file) throw std::runtime_error("cannot write " + config.string());
  }
  CertFiles out{.cert = dir / (stem + ".pem"), .key = dir / (stem + ".key")};
  std::vector<std::string> args{"req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-nodes", "-keyout", out.key.string(), "-out", out.cert.string()};
  args.insert(args.end(), {"-subj", "/CN=" + std::string(common_name), "-days", kDays, "-set_serial", next_serial()});
  args.insert(args.end(), {"-config", config.string(), "-extensions", ca ? "v3_ca" : "v3_leaf"});
  if (issuer != nullptr) {
    args.insert(args.end(), {"-CA", issuer->cert.string(), "-CAkey", issuer->key.string()});
  }
  run_openssl(std::move(args));
  return out;
}

}  // namespace

std::string CertFiles::pem() const { return first_certificate_pem(read_text_file(cert)); }

TestCa::TestCa(fs::path dir, std::string_view common_name)
    : dir_(std::move(dir)), ca_(make_certificate(dir_, unique_stem(dir_, "ca"), common_name, {}, true, nullptr)) {}

CertFiles TestCa::issue(std::string_view common_name, const std::vector<std::string>& names) const {
  return make_certificate(dir_, unique_stem(dir_, common_name), common_name, names, false, &ca_);
}

CertFiles self_signed(const fs::path& dir, std::string_view common_name, const std::vector<std::string>& names) {
  return make_certificate(dir, unique_stem(dir, common_name), common_name, names, false, nullptr);
}

std::string run_openssl(std::vector<std::string> args) {
  std::vector<std::string> argv{kOpensslPath};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  std::string command;
  for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
  Process p(std::move(argv));
  const auto status = p.wait_exit(kOpensslTimeout);
  if (status != 0) {
    throw std::runtime_error("`" + command + "` " +
                             (status ? "exited " + std::to_string(*status) : std::string("timed out")) + "\n" +
                             p.output(Process::Stream::kStderr));
  }
  return p.output(Process::Stream::kStdout);
}

std::string first_certificate_pem(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const auto begin = text.find(kBegin);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find(kEnd, begin);
  if (end == std::string_view::npos) return {};
  std::string out;
  for (const char c : text.substr(begin, end + kEnd.size() - begin)) {
    if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

CertFiles quick_self_signed(const std::filesystem::path& dir, std::string_view stem, std::string_view name) {
  const std::string common_name(name);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 2 * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* names = X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, ("DNS:" + common_name).c_str());
  X509_add_ext(cert, names, -1);
  X509_EXTENSION_free(names);
  X509_sign(cert, key, EVP_sha256());
  CertFiles files{dir / (std::string(stem) + ".pem"), dir / (std::string(stem) + ".key")};
  if (FILE* out = std::fopen(files.cert.c_str(), "w")) {
    PEM_write_X509(out, cert);
    std::fclose(out);
  }
  if (FILE* out = std::fopen(files.key.c_str(), "w")) {
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace cutover::test
