#pragma once
// Token minting for the identity unit tests: the shared test-support implementation, plus the
// secret these tests sign with.
#include <string_view>

#include "support/jwt_mint.hpp"

namespace cutover::identity::test {

inline constexpr std::string_view kSecret = "an-hs256-secret-of-32-bytes-min!";

using cutover::test::base64url;
using cutover::test::generate_rsa_keys;
using cutover::test::hand_jwt;
using cutover::test::hs256_signed;
using cutover::test::RsaKeys;
using cutover::test::sign_jwt;
using cutover::test::with_payload;

}  // namespace cutover::identity::test
