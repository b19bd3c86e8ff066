#pragma once
// The gateway's configuration as plain structs with safe defaults. Parsed and validated whole by
// parse_config(); compiled into a runtime Snapshot (runtime/snapshot.hpp) that is swapped atomically.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/config/diagnostic.hpp"

namespace cutover::config {

using Duration = std::chrono::milliseconds;

// A percentage in 0.01 steps, stored exactly as basis points (0..10000).
using BasisPoints = std::uint32_t;
inline constexpr BasisPoints kAllTraffic = 10000;

struct HostPort {
  std::string host;  // name or literal address; resolved when the snapshot is built
  std::uint16_t port = 0;
  Mark mark;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// Active health checks (`health_check:`): one prober for the whole gateway asks each endpoint
// `path` every `interval`; `unhealthy` failures in a row take the endpoint out of rotation,
// `healthy` passes in a row put it back. Off unless the backend has the section.
struct HealthCheckConfig {
  bool enabled = false;
  std::string path = "/healthz";
  std::string host;                  // Host of the check; empty: the endpoint's host as written
  Duration interval{2000};
  Duration timeout{1000};            // connect and the whole response header
  unsigned healthy = 2;
  unsigned unhealthy = 3;
  unsigned expect_min = 200;         // a status in [expect_min, expect_max] passes
  unsigned expect_max = 399;
  bool start_healthy = true;         // `start: unhealthy`: in rotation only after `healthy` passes
  Mark mark;
};

// Passive outlier ejection (`outlier:`), judged from real traffic by every worker. On by default:
// a backend that fails `consecutive_failures` times in a row (no answer: refused, reset, timed
// out) or answers `consecutive_5xx` 5xx in a row is ejected for base_ejection times the number of
// its recent ejections, at most max_ejection. 0 turns a trigger off.
struct OutlierConfig {
  unsigned consecutive_failures = 5;
  unsigned consecutive_5xx = 5;
  Duration base_ejection{30000};
  Duration max_ejection{300000};
  unsigned max_ejected_percent = 50;  // of the backend's endpoints; one may always be ejected
  Mark mark;
};

// TLS to a backend's endpoints (`tls:` under a backend).
struct BackendTlsConfig {
  bool enabled = false;
  bool verify = true;        // the chain against ca_file and the name against server_name
  std::string ca_file;       // absolute after parsing; empty: the system's trust store
  std::string server_name;   // SNI and the name verified; empty: each endpoint's host as written
  Mark mark;
};

struct BackendConfig {
  std::string name;
  std::vector<HostPort> endpoints;   // round robin across them
  Duration connect_timeout{2000};    // TCP connect; failure gives 502
  Duration timeout{30000};           // waiting for response headers and between body reads; 504
  std::size_t max_idle_per_endpoint = 64;  // pooled keep-alive connections kept per worker
  std::size_t max_connections_per_endpoint = 0;  // open per endpoint and worker; 0 = no limit
  Duration queue_timeout{2000};      // waiting for a connection under that limit; 503
  Duration idle_timeout{30000};      // a pooled connection idle longer than this is discarded
  HealthCheckConfig health_check;
  OutlierConfig outlier;
  BackendTlsConfig tls;
  Mark mark;
};

struct MatchConfig {
  std::string path;    // exact or template: /api/notes/{id}, /static/* (trailing * = any rest)
  std::string prefix;  // segment-aware: /api matches /api and /api/x, not /apiary
  std::vector<std::string> methods;  // upper case; empty = any method
  std::string host;    // lower case, without port; empty = any host
  Mark mark;
  Mark path_mark;
};

enum class Sticky { user, cookie, none };

// Headers that make some frameworks route or dispatch by another URL or method than the request
// line's, past every check the gateway made on the real one: X-Original-URL and X-Rewrite-URL
// (Symfony, IIS URL Rewrite, Zend), X-Override-URL, and the method overrides of Rails, Express,
// Laravel and ASP.NET. Removed from requests unless the route names them in
// allow_override_headers.
inline constexpr std::array<std::string_view, 6> kOverrideHeaders = {
    "X-Original-URL",         "X-Rewrite-URL", "X-Override-URL",
    "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"};

// A route that answers at the edge instead of sending to a backend (`return:`).
struct ReturnConfig {
  bool enabled = false;
  unsigned status = 403;
  std::string body;          // empty: the gateway's JSON local reply
  std::string content_type;  // for `body`; text/plain by default
};

struct SplitTarget {
  std::string backend;
  BasisPoints share = 0;
  Mark mark;
};

// Retries of a route's requests (after a refused connect, or a reused connection that failed
// before any answer): at most `percent` of its requests over `window`, and always `min_retries`.
struct RetryBudgetConfig {
  unsigned percent = 20;
  unsigned min_retries = 3;
  Duration window{10000};
  Mark mark;
};

struct RouteConfig {
  std::string id;
  MatchConfig match;
  std::string backend;              // a route has either backend ...
  std::vector<SplitTarget> split;   // ... or split (in file order) with rollback_to taking the rest
  std::string rollback_to;
  // Serves the route's requests whose picked backend has no usable endpoint (ejected or failing
  // its health checks); the user's bucket is kept, so they return when it recovers.
  std::string fallback;
  Sticky sticky = Sticky::user;
  std::string cohort;               // bucket salt; routes in one cohort move a user together. Default: id
  bool require_user = false;        // anonymous requests get 401; default from identity.anonymous
  ReturnConfig answer;              // `return:`: answered here, no backend
  std::uint8_t allowed_overrides = 0;  // bit i passes kOverrideHeaders[i] (allow_override_headers)
  std::optional<std::uint64_t> request_buffer;  // limits.request_buffer when unset
  RetryBudgetConfig retry_budget;
  // Protocols a request may switch to on this route (Upgrade), tunnelled both ways once the
  // backend answers 101; others get 501. Lower case.
  std::vector<std::string> upgrades = {"websocket"};
  Mark mark;
};

struct JwtConfig {
  bool enabled = false;
  std::string header = "Authorization";  // "Bearer <token>"
  std::string cookie;                    // optional cookie carrying the token
  std::string hs256_secret_file;
  std::string rs256_public_key_file;
  std::string hs256_secret;              // contents, loaded with the config
  std::string rs256_public_key_pem;      // contents, loaded with the config
  std::string issuer;                    // checked when set
  std::string audience;                  // checked when set
  std::string claim = "sub";             // names the user
  Duration leeway{30000};                // clock skew allowed on exp/nbf
  std::size_t cache_entries = 10000;     // verified tokens remembered per worker
  Mark mark;
};

struct AuthRequestConfig {
  bool enabled = false;
  std::string backend;                       // usually the legacy monolith
  std::string path = "/internal/whoami";
  std::string cookie = "sessionid";          // session cookie forwarded to the subrequest
  std::string user_header = "X-User-Id";     // the answer's header naming the user
  // Host the subrequest sends. Empty: the client's own Host, which the backend also sees on
  // the requests forwarded to it (so its ALLOWED_HOSTS-style check accepts both).
  std::string host;
  Duration cache_ttl{30000};                 // an answer is used without asking again this long
  // ... and after that, while asking fails (backend down, timing out, answering 5xx), for this
  // much longer: a dying monolith does not lock signed-in users out of the new services.
  Duration stale_if_error{300000};
  Duration timeout{2000};                    // the whole subrequest, a retry included
  std::size_t cache_entries = 10000;
  Mark mark;
};

// An HMAC of each injected identity, for backends that can be reached by other paths than the
// gateway and must tell a real identity from a forged one.
struct SignatureConfig {
  bool enabled = false;
  std::string secret_file;
  std::string secret;                        // contents, loaded with the config
  std::string header = "X-User-Id-Signature";
  // After a reload that changes the secret, the previous one signs too for this long, so
  // backends can move to the new secret while requests keep verifying.
  Duration rotation_grace{600000};
  Mark mark;
};

struct IdentityConfig {
  std::string header = "X-User-Id";          // injected; client copies always dropped
  std::string header_namespace = "X-Cutover-";  // gateway-owned prefix; client copies dropped
  bool allow_anonymous = true;               // default for routes' require_user
  bool allow_utf8 = false;                   // user ids beyond printable ASCII, percent-encoded
  std::string sticky_cookie = "cutover_uid"; // set for anonymous users so they stay sticky
  JwtConfig jwt;
  AuthRequestConfig auth_request;
  SignatureConfig signature;
};

struct LimitsConfig {
  std::size_t max_header_bytes = 64 * 1024;          // 431 beyond
  std::uint64_t max_body_bytes = 1ull << 30;          // 413 beyond; 0 = unlimited
  Duration header_timeout{10000};   // a client has this long to send a request's headers
  Duration idle_timeout{60000};     // keep-alive connections idle longer are closed
  Duration body_timeout{30000};     // max silence while streaming a request body
  // Bodies up to this size are read whole before a backend connection is taken, so a slow client
  // never holds one; larger ones stream. 0: every body streams. A route may set its own.
  std::uint64_t request_buffer = 64 * 1024;
  // Bytes per second a request body must keep up, judged over each 10 s (408 below); 0: off.
  std::uint64_t min_body_rate = 1024;
  // A tunnel (an upgraded connection, e.g. a WebSocket) that carries nothing either way this long
  // is closed.
  Duration upgrade_idle_timeout{3600000};
};

inline constexpr std::uint64_t kMaxRequestBuffer = 16ull << 20;

// Client header names with '_' (which CGI-style backends read as '-'): removed, refused (400), or
// passed on. Names the gateway owns are removed in every spelling whatever this says.
enum class UnderscoreHeaders : std::uint8_t { drop, reject, allow };

// How request paths that backends decode differently from the gateway are treated.
struct PathsConfig {
  // %2F and %5C: refused (400), kept encoded inside their segment, or decoded to '/' and '\'
  // before dot segments are resolved and routes matched.
  enum class EscapedSlashes : std::uint8_t { reject, keep, decode } escaped_slashes = EscapedSlashes::reject;
  // A '\' (which some servers, IIS among them, read as '/'): refused (400) or read as '/'.
  enum class Backslash : std::uint8_t { reject, slash } backslash = Backslash::reject;
};

struct AdminConfig {
  bool enabled = true;                        // `listen: off` turns the admin API off
  HostPort listen{"127.0.0.1", 9901, {}};     // loopback: never expose it without a token
  std::string token_file;                     // when set, mutating calls need this bearer token
  std::string token;                          // contents, loaded with the config
};

struct TlsCertificateConfig {
  std::string cert_file;  // PEM, the certificate then its chain; absolute after parsing
  std::string key_file;   // PEM private key
  Mark mark;              // the list item
  Mark cert_mark;         // each file's key, where a file that does not load is reported
  Mark key_mark;
};

enum class TlsVersion : std::uint8_t { tls1_2, tls1_3 };

// TLS termination (`tls:`): a second listener whose requests are served exactly like the plain
// listener's, with X-Forwarded-Proto: https. Certificates follow reloads; `listen` is read at
// start-up only (like the plain `listen`).
struct TlsConfig {
  bool enabled = false;
  HostPort listen{"0.0.0.0", 8443, {}};
  std::vector<TlsCertificateConfig> certificates;  // SNI picks among them; the first is the default
  TlsVersion min_version = TlsVersion::tls1_2;
  Mark mark;
};

struct AccessLogConfig {
  std::string path = "stdout";  // stdout | stderr | off | a file path
};

struct Config {
  std::string source_file;
  HostPort listen{"0.0.0.0", 8080, {}};
  // false: start-up fails when another process already listens on `listen` (the workers' shared
  // SO_REUSEPORT listeners would otherwise join it silently and take a share of its connections).
  bool listen_shared = false;
  unsigned workers = 0;  // 0 = auto (hardware threads)
  bool trust_forwarded_headers = false;  // false: X-Forwarded-* from clients are replaced
  UnderscoreHeaders headers_with_underscores = UnderscoreHeaders::drop;
  bool watch = false;                    // reload by itself when the config (or a key file) changes
  // Where admin overrides are kept (absolute after parsing; relative paths are resolved against
  // the config file's directory). Read at start-up only: a new value takes effect on restart.
  std::string state_file;
  // SIGTERM/SIGINT: how long in-flight requests may take to finish before the gateway exits anyway.
  Duration drain_timeout{10000};
  LimitsConfig limits;
  PathsConfig paths;
  TlsConfig tls;
  AdminConfig admin;
  AccessLogConfig access_log;
  IdentityConfig identity;
  std::vector<BackendConfig> backends;
  std::vector<RouteConfig> routes;

  const BackendConfig* find_backend(std::string_view name) const;
};

}  // namespace cutover::config
