// Why a user gets the backend they get: the same pick() the request path runs, put into words.
#include "cutover/runtime/explain.hpp"

#include <nlohmann/json.hpp>

#include "cutover/runtime/overrides_describe.hpp"

namespace cutover::runtime {

namespace {

std::string name_of(const config::Config& config, std::uint16_t index) {
  return index < config.backends.size() ? config.backends[index].name : std::string("?");
}

// "rollback by alice at 2026-11-21T12:32:38Z (p99 too high)"
std::string override_text(const RouteOverride& applied) {
  std::string text = applied.kind == RouteOverride::Kind::rollback ? "rollback" : "split override";
  text += " by " + (applied.who.empty() ? std::string("(unknown)") : applied.who) + " at " +
          utc_text(applied.at_unix);
  if (!applied.why.empty()) text += " (" + applied.why + ")";
  return text;
}

// Reads like the layout: the first band grows up from 0, the second down from 9999.
std::string band_text(std::uint32_t bucket, const routing::Band& band) {
  const std::string b = "bucket " + std::to_string(bucket);
  if (band.begin == 0) return b + " < " + std::to_string(band.end);
  if (band.end == routing::kBucketCount) return b + " >= " + std::to_string(band.begin);
  return b + " in [" + std::to_string(band.begin) + ", " + std::to_string(band.end) + ")";
}

std::string bands_text(const config::Config& config, const routing::SplitPlan& plan) {
  std::string text;
  for (const auto& band : plan.bands) {
    text += (text.empty() ? "" : ", ") + name_of(config, band.backend) + " [" +
            std::to_string(band.begin) + ", " + std::to_string(band.end) + ")";
  }
  return text;
}

std::string shares_text(const config::Config& config, const config::RouteConfig& route,
                        const routing::SplitPlan& plan) {
  std::string text;
  for (const auto& share : plan_shares(config, route, plan)) {
    text += (text.empty() ? "" : ", ") + share.backend + " " + percent_text(share.share);
  }
  return text;
}

}  // namespace

std::string_view to_string(ExplainReason reason) {
  switch (reason) {
    case ExplainReason::override_rollback:
      return "override_rollback";
    case ExplainReason::override_split:
      return "override_split";
    case ExplainReason::single_backend:
      return "single_backend";
    case ExplainReason::route_return:
      return "route_return";
    case ExplainReason::sticky_none:
      return "sticky_none";
    case ExplainReason::bucket_band:
      return "bucket_band";
    case ExplainReason::bucket_rest:
      return "bucket_rest";
    case ExplainReason::allowlist:
      return "allowlist";
    case ExplainReason::health_fallback:
      return "health_fallback";
  }
  return "?";
}

Explanation explain(const config::Config& config, const config::RouteConfig& route,
                    const routing::SplitPlan& plan, const RouteOverride* applied,
                    std::string_view user) {
  Explanation out;
  // The user's bucket is a fact worth showing even when it does not decide (it will again once
  // an override is cleared); sticky: none has none.
  const std::uint32_t bucket =
      routing::bucket_of(route.cohort.empty() ? route.id : route.cohort, user);
  if (route.sticky != config::Sticky::none) out.bucket = bucket;
  if (route.answer.enabled) {
    out.reason = ExplainReason::route_return;
    out.detail = "the route answers " + std::to_string(route.answer.status) + " at the edge (return); no backend";
    return out;
  }
  const std::string by = applied ? override_text(*applied) + ": " : std::string();
  // The order mirrors what decides first on the request path.
  if (applied && applied->kind == RouteOverride::Kind::rollback) {
    out.backend = name_of(config, routing::pick(plan, 0));
    out.reason = ExplainReason::override_rollback;
    out.detail = by + "everything goes to " + out.backend;
    return out;
  }
  if (!routing::splits(plan)) {
    out.backend = name_of(config, routing::pick(plan, 0));
    out.reason = applied ? ExplainReason::override_split : ExplainReason::single_backend;
    out.detail =
        by + (applied ? "everything goes to " : "the route has one backend: ") + out.backend;
    return out;
  }
  if (route.sticky == config::Sticky::none) {
    out.reason = ExplainReason::sticky_none;
    out.detail = by + "sticky: none picks a backend at random for each request: " +
                 shares_text(config, route, plan);
    return out;
  }
  out.backend = name_of(config, routing::pick(plan, bucket));
  for (const auto& band : plan.bands) {
    if (bucket < band.begin || bucket >= band.end) continue;
    out.reason = applied ? ExplainReason::override_split : ExplainReason::bucket_band;
    out.detail = by + band_text(bucket, band) + ": " + out.backend;
    return out;
  }
  out.reason = applied ? ExplainReason::override_split : ExplainReason::bucket_rest;
  out.detail = by + "bucket " + std::to_string(bucket) + " is in no split band (" +
               bands_text(config, plan) + "): rollback_to " + out.backend + " takes the rest";
  return out;
}

void explain_fallback(Explanation& explanation, std::string_view fallback, const upstream::BackendDown& down) {
  explanation.bucketed_backend = std::move(explanation.backend);
  explanation.backend = fallback;
  explanation.reason = ExplainReason::health_fallback;
  explanation.detail += "; " + explanation.bucketed_backend + " has no usable endpoint since " +
                        utc_text(down.since_unix_ms / 1000) + " (" + down.reason + "): serving " + explanation.backend +
                        " until it recovers";
}

nlohmann::json to_json(const Explanation& explanation, std::string_view route_id,
                       std::string_view user) {
  nlohmann::json out{{"route", route_id},
                     {"user", user},
                     {"backend", nullptr},
                     {"bucket", nullptr},
                     {"reason", to_string(explanation.reason)},
                     {"detail", explanation.detail}};
  if (!explanation.backend.empty()) out["backend"] = explanation.backend;
  if (explanation.bucket) out["bucket"] = *explanation.bucket;
  if (!explanation.bucketed_backend.empty()) out["bucketed_backend"] = explanation.bucketed_backend;
  return out;
}

}  // namespace cutover::runtime
