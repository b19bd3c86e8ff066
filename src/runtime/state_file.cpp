// The override state file: JSON in and out, and an atomic, durable replace.
#include "cutover/runtime/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace cutover::runtime {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& what) { throw StateFileError(what); }

// "<doing> <subject>: <strerror>". Called right after the failing call with no string built in
// between, so errno is still the call's.
[[noreturn]] void fail_errno(const char* doing, const std::string& subject) {
  const int error = errno;
  fail(std::string(doing) + " " + subject + ": " + std::strerror(error));
}

const json& field(const json& object, const char* name, json::value_t type,
                  const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) fail(where + ": missing '" + name + "'");
  // Every JSON integer is acceptable where a number is asked for.
  const bool ok =
      it->type() == type || (type == json::value_t::number_integer && it->is_number_integer());
  if (!ok) fail(where + ": '" + name + "' has the wrong type (" + it->type_name() + ")");
  return *it;
}

std::string optional_string(const json& object, const char* name, const std::string& where) {
  if (!object.contains(name)) return {};
  return field(object, name, json::value_t::string, where).get<std::string>();
}

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const std::string& text, const std::string& temp) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("cannot write", temp);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

json to_json(const RouteOverride& override_) {
  json out{{"who", override_.who},
           {"reason", override_.why},
           {"at_unix", override_.at_unix},
           {"file_split", override_.file_split}};
  if (override_.kind == RouteOverride::Kind::split) {
    out["kind"] = "split";
    json split = json::object();
    for (const auto& [backend, share] : override_.split) split[backend] = percent_json(share);
    out["split"] = std::move(split);
  } else {
    out["kind"] = "rollback";
    out["rollback_to"] = override_.rollback_to;
  }
  return out;
}

json to_json(const OverrideSet& set) {
  json overrides = json::object();
  for (const auto& [id, override_] : set.routes) overrides[id] = to_json(override_);
  return {{"version", kStateFileVersion}, {"overrides", std::move(overrides)}};
}

RouteOverride override_from_json(const json& in) {
  const std::string where = "override";
  if (!in.is_object()) fail(where + " must be an object");
  RouteOverride out;
  const auto kind = field(in, "kind", json::value_t::string, where).get<std::string>();
  if (kind == "split") {
    out.kind = RouteOverride::Kind::split;
    for (const auto& [backend, value] : field(in, "split", json::value_t::object, where).items()) {
      const auto share = basis_points_from_json(value);
      if (!share) {
        fail(where + ": split share of '" + backend +
             "' must be a percentage from 0 to 100 in steps of 0.01, not " + value.dump());
      }
      out.split.emplace_back(backend, *share);  // items() walks keys sorted: already canonical
    }
  } else if (kind == "rollback") {
    out.kind = RouteOverride::Kind::rollback;
    out.rollback_to = field(in, "rollback_to", json::value_t::string, where).get<std::string>();
    if (out.rollback_to.empty()) fail(where + ": 'rollback_to' is empty");
  } else {
    fail(where + ": 'kind' must be \"split\" or \"rollback\", not \"" + kind + "\"");
  }
  out.who = optional_string(in, "who", where);
  // Files written before "reason" say "why".
  out.why = optional_string(in, in.contains("reason") ? "reason" : "why", where);
  out.file_split = optional_string(in, "file_split", where);
  if (in.contains("at_unix")) {
    out.at_unix = field(in, "at_unix", json::value_t::number_integer, where).get<std::int64_t>();
  }
  return out;
}

OverrideSet override_set_from_json(const json& in) {
  if (!in.is_object()) fail("the top level must be a JSON object");
  const auto& version = field(in, "version", json::value_t::number_integer, "the file");
  if (version.get<std::int64_t>() != kStateFileVersion) {
    fail("version " + version.dump() + " is not one this cutover reads (" +
         std::to_string(kStateFileVersion) + "); it was written by another release");
  }
  OverrideSet set;
  for (const auto& [id, value] :
       field(in, "overrides", json::value_t::object, "the file").items()) {
    try {
      set.routes.emplace(id, override_from_json(value));
    } catch (const StateFileError& error) {
      fail("route '" + id + "': " + error.what());
    }
  }
  return set;
}

OverrideSet load_state_file(const std::string& path) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    if (errno == ENOENT) return {};  // no override was ever saved
    fail_errno("cannot read state file", path);
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("cannot read state file", path);
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string delete_hint = " (fix it, or delete it to start without overrides)";
  if (parsed.is_discarded()) fail("state file " + path + " is not valid JSON" + delete_hint);
  try {
    return override_set_from_json(parsed);
  } catch (const StateFileError& error) {
    fail("state file " + path + ": " + error.what() + delete_hint);
  }
}

namespace {
std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}
}  // namespace

std::optional<std::string> state_file_problem(const std::string& path) {
  const std::string dir = directory_of(path);
  // The save creates a temp file next to the target and renames it: the directory must be
  // writable; the file itself may be read-only (rename replaces it).
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int error = errno;
    return "admin overrides cannot be saved: directory " + dir + " of state file " + path + ": " +
           std::strerror(error);
  }
  return std::nullopt;
}

void save_state_file(const std::string& path, const OverrideSet& set) {
  const auto slash = path.rfind('/');
  const std::string dir = directory_of(path);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  // Same directory as the target: rename() is atomic only within one file system.
  std::string temp = dir + "/." + base + ".tmp-XXXXXX";
  Fd file{::mkstemp(temp.data())};
  if (file.fd < 0) {
    const int error = errno;
    fail("cannot save state file " + path + ": cannot create a temp file in " + dir + ": " +
         std::strerror(error));
  }
  try {
    // Invalid UTF-8 in who/why (from a header, say) is replaced rather than failing the save.
    const auto text = to_json(set).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    write_all(file.fd, text, temp);
    if (::fchmod(file.fd, 0644) != 0) fail_errno("cannot chmod", temp);
    // Data on disk before the name points at it, or a crash could leave an empty file.
    if (::fsync(file.fd) != 0) fail_errno("cannot fsync", temp);
    const int fd = file.fd;
    file.fd = -1;
    if (::close(fd) != 0) fail_errno("cannot close", temp);
    if (::rename(temp.c_str(), path.c_str()) != 0) fail_errno("cannot rename over", path);
  } catch (const StateFileError& error) {
    ::unlink(temp.c_str());
    throw StateFileError("cannot save state file " + path + ": " + error.what());
  }
  // The rename itself is durable only once the directory is synced.
  Fd directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (directory.fd < 0 || ::fsync(directory.fd) != 0) {
    const int error = errno;
    fail("state file " + path + " was replaced, but cannot fsync directory " + dir + ": " +
         std::strerror(error));
  }
}

}  // namespace cutover::runtime
