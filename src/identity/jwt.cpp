#include "cutover/identity/jwt.hpp"

#include <jwt.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <climits>
#include <memory>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace cutover::identity {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenBytes = 8 * 1024;
// NumericDates are clamped to 9999-12-31 and leeway to a day, so date arithmetic can't overflow.
constexpr std::int64_t kMaxDate = 253402300799;
constexpr std::int64_t kMaxLeeway = 24 * 60 * 60;
constexpr int kMaxJsonDepth = 16;  // claims are flat; aud is the deepest at 2

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

JwtResult fail(JwtError error) { return JwtResult{error, {}, 0}; }

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// RFC 7515 base64url, strictly: no padding, no stray characters, zero trailing bits. Anything
// looser would let one token have several spellings.
std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int value = base64url_value(c);
    if (value < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xffU));
      acc &= (1U << bits) - 1U;
    }
  }
  if (acc != 0) return std::nullopt;
  return out;
}

// A JSON object encoded as base64url, or nullopt. Never throws on bad input. Also refuses what
// libjwt's jansson would refuse (integers beyond int64, NUL in strings, non-finite numbers, deep
// nesting), so that once the structure passed here, a libjwt failure can only mean the signature.
std::optional<json> decode_object(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text) return std::nullopt;
  bool portable = true;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxJsonDepth) portable = false;
    if (event == json::parse_event_t::key || event == json::parse_event_t::value) {
      if (parsed.is_number_unsigned() && parsed.get<std::uint64_t>() > INT64_MAX) portable = false;
      if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) portable = false;
      if (parsed.is_string() && parsed.get_ref<const std::string&>().find('\0') != std::string::npos) {
        portable = false;
      }
    }
    return portable;
  };
  json value = json::parse(*text, check, /*allow_exceptions=*/false);
  if (!portable || value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// A NumericDate (RFC 7519: integer or fractional seconds), clamped; nullopt when not a number.
std::optional<std::int64_t> numeric_date(const json& value) {
  if (value.is_number_unsigned()) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(value.get<std::uint64_t>(), kMaxDate));
  }
  if (value.is_number_integer()) {
    return std::clamp<std::int64_t>(value.get<std::int64_t>(), -kMaxDate, kMaxDate);
  }
  if (value.is_number_float()) {
    const double seconds = std::floor(value.get<double>());
    return static_cast<std::int64_t>(std::clamp<double>(seconds, -kMaxDate, kMaxDate));
  }
  return std::nullopt;
}

bool string_equals(const json& value, std::string_view expected) {
  return value.is_string() && value.get_ref<const std::string&>() == expected;
}

bool audience_matches(const json& aud, std::string_view expected) {
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(),
                       [&](const json& item) { return string_equals(item, expected); });
  }
  return string_equals(aud, expected);
}

// The user id as it will be injected into a header: a non-empty string without control characters
// (a CR/LF here would be header injection), or an integer in decimal. Floats are refused: 1e3 and
// 1000 must not be two spellings of one user.
std::optional<std::string> user_id(const json& claim) {
  if (claim.is_string()) {
    const auto& user = claim.get_ref<const std::string&>();
    const bool clean = std::none_of(user.begin(), user.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte < 0x20 || byte == 0x7f;
    });
    if (user.empty() || !clean) return std::nullopt;
    return user;
  }
  if (claim.is_number_unsigned()) return std::to_string(claim.get<std::uint64_t>());
  if (claim.is_number_integer()) return std::to_string(claim.get<std::int64_t>());
  return std::nullopt;
}

// The key for the token's own alg, or unsupported_alg. Choosing the key by alg (and handing libjwt
// only that key) is what stops an HS256 token from being HMAC-checked with the RSA public PEM.
struct KeyChoice {
  JwtError error = JwtError::unsupported_alg;
  jwt_alg_t alg = JWT_ALG_INVAL;
  std::string_view key;
};

KeyChoice choose_key(const json& header, const JwtKeys& keys) {
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return {JwtError::malformed, JWT_ALG_INVAL, {}};
  const auto& name = alg->get_ref<const std::string&>();
  if (name == "HS256" && !keys.hs256_secret.empty()) {
    return {JwtError::none, JWT_ALG_HS256, keys.hs256_secret};
  }
  if (name == "RS256" && !keys.rs256_public_key_pem.empty()) {
    return {JwtError::none, JWT_ALG_RS256, keys.rs256_public_key_pem};
  }
  return {};
}

// Header fields we must understand ourselves. libjwt 1.10.2 refuses any typ other than "JWT"
// (case-insensitive) with the same EINVAL as a bad signature, so we classify it first; "crit"
// names extensions we don't implement, which RFC 7515 says must be rejected.
bool header_acceptable(const json& header) {
  if (header.contains("crit")) return false;
  const auto typ = header.find("typ");
  return typ == header.end() || (typ->is_string() && iequals(typ->get_ref<const std::string&>(), "JWT"));
}

bool signature_valid(const std::string& token, const KeyChoice& choice) {
  if (choice.key.size() > static_cast<std::size_t>(INT_MAX)) return false;
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(choice.key.data()),
                            static_cast<int>(choice.key.size()));
  const JwtPtr decoded(raw);
  return rc == 0 && decoded && jwt_get_alg(decoded.get()) == choice.alg;
}

// libjwt parses the payload with jansson, whose integers are 64-bit: a larger one (which our own
// decoding reads as a double, or as an unsigned past INT64_MAX) makes jwt_decode fail as if the
// signature were wrong. Such a token is malformed, whatever its signature.
bool holds_integer_beyond_int64(const json& value) {
  switch (value.type()) {
    case json::value_t::number_unsigned:
      return value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    case json::value_t::number_float: {
      const double number = value.get<double>();
      return std::abs(number) >= 9.2233720368547758e18 && std::floor(number) == number;
    }
    case json::value_t::object:
    case json::value_t::array:
      return std::any_of(value.begin(), value.end(), [](const json& item) { return holds_integer_beyond_int64(item); });
    default:
      return false;
  }
}

JwtResult check_claims(const json& payload, const JwtPolicy& policy, std::int64_t now) {
  const std::int64_t leeway = std::clamp<std::int64_t>(policy.leeway_seconds, 0, kMaxLeeway);
  std::int64_t expires_at = 0;
  if (const auto exp = payload.find("exp"); exp != payload.end()) {
    const auto date = numeric_date(*exp);
    if (!date) return fail(JwtError::malformed);
    if (now > *date + leeway) return fail(JwtError::expired);
    expires_at = *date;
  }
  if (const auto nbf = payload.find("nbf"); nbf != payload.end()) {
    const auto date = numeric_date(*nbf);
    if (!date) return fail(JwtError::malformed);
    if (now < *date - leeway) return fail(JwtError::not_yet_valid);
  }
  if (!policy.issuer.empty()) {
    const auto iss = payload.find("iss");
    if (iss == payload.end() || !string_equals(*iss, policy.issuer)) return fail(JwtError::wrong_issuer);
  }
  if (!policy.audience.empty()) {
    const auto aud = payload.find("aud");
    if (aud == payload.end() || !audience_matches(*aud, policy.audience)) {
      return fail(JwtError::wrong_audience);
    }
  }
  const auto claim = payload.find(policy.claim);
  std::optional<std::string> user;
  if (claim != payload.end()) user = user_id(*claim);
  if (!user) return fail(JwtError::missing_claim);
  return JwtResult{JwtError::none, std::move(*user), expires_at};
}

JwtResult verify(std::string_view token, const JwtKeys& keys, const JwtPolicy& policy, std::int64_t now) {
  if (token.empty() || token.size() > kMaxTokenBytes) return fail(JwtError::malformed);
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtError::malformed);
  }
  const auto header = decode_object(token.substr(0, dot1));
  if (!header) return fail(JwtError::malformed);
  const KeyChoice choice = choose_key(*header, keys);
  if (choice.error != JwtError::none) return fail(choice.error);

  // Claims are read from our own strict decoding of the signed bytes, not from libjwt's getters:
  // jwt_get_grant_int returns 0 with errno 0 for strings and floats, so it can't tell "absent",
  // "wrong type" and 0 apart.
  const auto payload = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = token.substr(dot2 + 1);
  if (!payload || signature.empty() || !base64url_decode(signature) || !header_acceptable(*header)) {
    return fail(JwtError::malformed);
  }
  if (!signature_valid(std::string(token), choice)) {
    return fail(holds_integer_beyond_int64(*payload) ? JwtError::malformed : JwtError::bad_signature);
  }
  return check_claims(*payload, policy, now);
}

}  // namespace

std::string_view to_string(JwtError error) {
  switch (error) {
    case JwtError::none: return "none";
    case JwtError::malformed: return "malformed";
    case JwtError::unsupported_alg: return "unsupported_alg";
    case JwtError::bad_signature: return "bad_signature";
    case JwtError::expired: return "expired";
    case JwtError::not_yet_valid: return "not_yet_valid";
    case JwtError::wrong_issuer: return "wrong_issuer";
    case JwtError::wrong_audience: return "wrong_audience";
    case JwtError::missing_claim: return "missing_claim";
  }
  return "unknown";
}

JwtResult verify_jwt(std::string_view token, const JwtKeys& keys, const JwtPolicy& policy,
                     std::int64_t now_unix_seconds) {
  try {
    return verify(token, keys, policy, now_unix_seconds);
  } catch (...) {
    // Only allocation can throw here (JSON parsing is exception-free); fail closed.
    return fail(JwtError::malformed);
  }
}

}  // namespace cutover::identity
