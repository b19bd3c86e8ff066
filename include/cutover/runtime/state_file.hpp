#pragma once
// The durable half of invariant 4: admin overrides in a small JSON file, re-applied over the YAML
// on every reload and restart until cleared. Control path: failures throw StateFileError naming
// the file. A corrupt or unknown-version file is an error, never "no overrides": silently
// dropping a rollback would send users back to the backend an operator took out.
//
//   {"version": 1,
//    "overrides": {"notes": {"kind": "split", "split": {"notes-svc": 50}, "who": "alice",
//                            "reason": "p99 ok", "at_unix": 1763728358, "file_split": "..."},
//                  "search": {"kind": "rollback", "rollback_to": "legacy", ...}}}
//
// Percentages are JSON numbers read by basis_points_from_json(), the same rule as the admin API.
//
// How the gateway uses it:
// - Start-up: load_state_file() before serving; an error stops the gateway with the message, like
//   a bad config does. Reload (SIGHUP): the overrides in memory stay, they are not re-read.
// - A mutating admin call: validate, apply the change to a copy of the set, save_state_file(),
//   then publish the snapshot built with effective_plan(), then answer. A failed save answers 500
//   and changes nothing: an override that is live but not durable would vanish on restart.
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cutover/runtime/overrides.hpp"

namespace cutover::runtime {

inline constexpr int kStateFileVersion = 1;

class StateFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(const RouteOverride& override_);
nlohmann::json to_json(const OverrideSet& set);  // the whole file, with "version"
// Throw StateFileError saying which field is wrong (without the path; load_state_file adds it).
RouteOverride override_from_json(const nlohmann::json& json);
OverrideSet override_set_from_json(const nlohmann::json& json);

// A missing file is an empty set; an unreadable, corrupt or newer-version file throws.
OverrideSet load_state_file(const std::string& path);

// Replaces `path` atomically: a temp file in the same directory is written and fsynced, renamed
// over `path`, then the directory is fsynced. On any failure the old file is untouched, the temp
// file removed, and StateFileError thrown. Callers serialize saves (one admin writer).
void save_state_file(const std::string& path, const OverrideSet& set);

// Why a save to `path` would fail now (its directory missing or not writable), or nullopt.
// Checked at start-up and shown in /admin/status, so an operator learns it before the incident
// in which a rollback has to be saved.
std::optional<std::string> state_file_problem(const std::string& path);

}  // namespace cutover::runtime
