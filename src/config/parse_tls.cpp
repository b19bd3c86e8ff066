// tls: (termination) and backends.NAME.tls: (to a backend). Files are only located here; the
// snapshot loads them (runtime/snapshot.cpp), reporting what OpenSSL finds wrong at the same line.
#include <filesystem>
#include <fstream>

#include "config/parse_sections.hpp"
#include "config/yaml_reader.hpp"

namespace cutover::config {
namespace {

// Relative to the config file, like every other file it names; reported when it cannot be read.
bool read_file_path(MapReader& reader, std::string_view key, const std::string& config_file, std::string& out,
                    DiagnosticSink& sink) {
  if (!reader.read(key, out)) return false;
  std::filesystem::path path(out);
  if (path.is_relative()) path = std::filesystem::path(config_file).parent_path() / path;
  out = path.lexically_normal().string();
  if (!std::ifstream(path, std::ios::binary)) {
    sink.error(reader.key_mark(key), "cannot read '" + reader.where() + "." + std::string(key) + "' file '" + out +
                                         "' (missing or unreadable)");
    return false;
  }
  return true;
}

void parse_certificate(const YAML::Node& node, const std::string& where, const std::string& file,
                       TlsCertificateConfig& certificate, DiagnosticSink& sink) {
  certificate.mark = mark_of(node);
  MapReader reader(node, where, sink);
  if (!reader.ok()) return;
  for (auto key : {"cert_file", "key_file"}) {
    if (!reader.has(key)) sink.error(reader.mark(), "'" + where + "' needs " + key);
  }
  read_file_path(reader, "cert_file", file, certificate.cert_file, sink);
  read_file_path(reader, "key_file", file, certificate.key_file, sink);
  certificate.cert_mark = reader.key_mark("cert_file");
  certificate.key_mark = reader.key_mark("key_file");
  reader.finish();
}

}  // namespace

void parse_tls(const YAML::Node& node, const std::string& file, TlsConfig& tls, DiagnosticSink& sink) {
  tls.mark = mark_of(node);
  MapReader reader(node, "tls", sink);
  if (!reader.ok()) return;
  tls.enabled = true;
  std::string listen;
  if (reader.read("listen", listen) && !parse_host_port(listen, tls.listen)) {
    sink.error(reader.key_mark("listen"), "'tls.listen' must be host:port, e.g. 0.0.0.0:8443, not '" + listen + "'");
  }
  tls.listen.mark = reader.key_mark("listen");
  auto certificates = reader.get("certificates");
  if (!certificates.IsDefined()) {
    sink.error(reader.mark(), "'tls' needs 'certificates', e.g. certificates: [{ cert_file: site.pem, key_file: site.key }]");
  } else if (!certificates.IsSequence() || certificates.size() == 0) {
    sink.error(mark_of(certificates), "'tls.certificates' must be a non-empty list of { cert_file, key_file }");
  } else {
    for (std::size_t i = 0; i < certificates.size(); ++i) {
      TlsCertificateConfig certificate;
      parse_certificate(certificates[i], "tls.certificates[" + std::to_string(i) + "]", file, certificate, sink);
      tls.certificates.push_back(std::move(certificate));
    }
  }
  if (std::string version; reader.read_enum("min_version", version, {"1.2", "1.3"})) {
    tls.min_version = version == "1.3" ? TlsVersion::tls1_3 : TlsVersion::tls1_2;
  }
  reader.finish();
}

void parse_backend_tls(const YAML::Node& node, const std::string& where, const std::string& file,
                       BackendTlsConfig& tls, DiagnosticSink& sink) {
  tls.mark = mark_of(node);
  MapReader reader(node, where, sink);
  if (!reader.ok()) return;
  tls.enabled = true;
  reader.read("verify", tls.verify);
  read_file_path(reader, "ca_file", file, tls.ca_file, sink);
  if (reader.read("server_name", tls.server_name) && tls.server_name.empty()) {
    sink.error(reader.key_mark("server_name"), "'" + where + ".server_name' must be a host name (or leave it out)");
  }
  reader.finish();
}

}  // namespace cutover::config
