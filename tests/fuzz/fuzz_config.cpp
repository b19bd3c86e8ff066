// Config loading: YAML text -> parse_config (every section and its validation) ->
// RouteTable::build (the compiled route table and each route's split plan), then a few matches
// and picks. That is build_snapshot (runtime/snapshot.cpp) without resolving backend host names,
// which is DNS, not parsing, and without the runtime module, which clang 14 cannot compile
// (tests/fuzz/CMakeLists.txt).
// Properties: nothing throws and nothing crashes, whatever the text: every problem comes back as
// a diagnostic naming the file, on a line the text has (0 for the whole file), with a message;
// a config without errors compiles, and every request it matches picks a backend it declares.
//
// Key files (identity.jwt.*_file, admin.token_file, ...) are read relative to the config file,
// which the harness places in a directory of its own holding a valid secret.txt, rsa.pem,
// token.txt and demo-jwt-secret.txt. Inputs naming any other path for a *_file key are skipped,
// so that a run reads no file outside that directory (a mutated "/dev/zero" would read forever).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/config/parse.hpp"
#include "cutover/routing/route_table.hpp"
#include "cutover/routing/split.hpp"
#include "fuzz_check.hpp"
#include "jwt_keys.hpp"

namespace {

namespace fs = std::filesystem;
using cutover::config::DiagnosticSink;

// The directory the config "lives" in, made once per process with the key files seeds name.
const std::string& config_file() {
  static const std::string file = [] {
    char pattern[] = "/tmp/cutover-fuzz-config-XXXXXX";
    const char* dir = mkdtemp(pattern);
    if (!dir) std::abort();
    auto write = [&](const char* name, std::string_view text) { std::ofstream(fs::path(dir) / name) << text; };
    write("secret.txt", cutover::fuzz::kHs256Secret);
    write("demo-jwt-secret.txt", "demo-secret-for-the-bundled-config-only-0123456789\n");
    write("rsa.pem", cutover::fuzz::kRsaPublicPem);
    write("token.txt", "admin-token\n");
    static const fs::path made = dir;
    std::atexit([] { fs::remove_all(made); });
    return (fs::path(dir) / "cutover.yaml").string();
  }();
  return file;
}

// A *_file value that stays in the config's directory: a plain file name.
bool safe_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Anchors and aliases make the document a graph, cycles included (`a: &x { b: *x }`): each node
// is looked at once.
bool reads_only_harness_files(const YAML::Node& node, std::vector<YAML::Node>& seen) {
  if (std::any_of(seen.begin(), seen.end(), [&](const YAML::Node& other) { return other.is(node); })) return true;
  seen.push_back(node);
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!reads_only_harness_files(item, seen)) return false;
    }
  } else if (node.IsMap()) {
    for (const auto& item : node) {
      const bool names_file = item.first.IsScalar() && item.first.Scalar().ends_with("_file");
      if (names_file && item.second.IsDefined() && !item.second.IsNull() &&
          !(item.second.IsScalar() && safe_file_name(item.second.Scalar()))) {
        return false;
      }
      if (!reads_only_harness_files(item.first, seen) || !reads_only_harness_files(item.second, seen)) return false;
    }
  }
  return true;
}

// Only the first document is read (parse_config reports any other without reading it). Load,
// not LoadAll: yaml-cpp 0.7's LoadAll never returns for some inputs (a ',' where a document
// could start, e.g. `{a: 1},`), and that must show up in parse_config, not here.
bool reads_only_harness_files(const std::string& text) {
  try {
    std::vector<YAML::Node> seen;
    return reads_only_harness_files(YAML::Load(text), seen);
  } catch (const YAML::Exception&) {
    return true;  // parse_config fails the same way, before reading anything
  }
}

void check_diagnostics(const DiagnosticSink& sink, std::string_view text, const std::string& shown) {
  const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& d : sink.all()) {
    CHECK_PROPERTY(d.file == config_file(), "a diagnostic names the config file", shown + "\n" + d.to_string());
    CHECK_PROPERTY(d.mark.line >= 0 && d.mark.line <= lines && d.mark.column >= 0,
                   "a diagnostic points at a line of the text (or 0: the whole file)", shown + "\n" + d.to_string());
    CHECK_PROPERTY(!d.message.empty(), "a diagnostic says what is wrong", shown);
  }
}

// Requests a route table of this kind is likely to see; every match must pick a declared backend.
void check_routing(const cutover::config::Config& config, const cutover::routing::RouteTable& table,
                   const std::string& shown) {
  CHECK_PROPERTY(table.routes().size() == config.routes.size(), "every configured route is compiled", shown);
  for (const char* path : {"/", "/api/notes/1", "/api/account", "/internal/x", "/static/a/b.css", "/a"}) {
    for (const char* method : {"GET", "POST"}) {
      const cutover::routing::Route* route = table.match({method, "example.com", path});
      if (!route) continue;
      CHECK_PROPERTY(route->index < config.routes.size(), "a match is one of the routes", shown);
      for (std::uint32_t bucket : {0u, 1u, 2500u, 4999u, 5000u, 9998u, 9999u}) {
        const std::uint16_t backend = cutover::routing::pick(route->plan, bucket);
        CHECK_PROPERTY(backend < config.backends.size(), "every bucket picks a declared backend",
                       shown + "\nroute " + route->id + ", bucket " + std::to_string(bucket));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!reads_only_harness_files(text)) return -1;  // not added to the corpus
  DiagnosticSink sink(config_file());
  const cutover::config::Config config = cutover::config::parse_config(text, config_file(), sink);
  check_diagnostics(sink, text, text);
  if (sink.has_errors()) return 0;
  const auto table = cutover::routing::RouteTable::build(config, sink);
  check_diagnostics(sink, text, text);
  if (sink.has_errors()) return 0;
  check_routing(config, table, text);
  return 0;
}
