// The identity signature backends verify (identity/signature.hpp): its exact bytes, checked
// against Python's hmac module, and how a rotation keeps the previous secret signing.
#include "cutover/identity/signature.hpp"

#include <gtest/gtest.h>

namespace cutover::identity {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kPrevious = "previous-secret-previous-secret-00";
// python3 -c "import hmac,hashlib; print(hmac.new(KEY, b'1767225600\nreq-1\nalice', hashlib.sha256).hexdigest())"
constexpr std::string_view kCurrentMac = "c021027658d803fcb18cf5b29f155f2b2bfc30e5b57a85e9e771bdd24f6c0d06";
constexpr std::string_view kPreviousMac = "fed91dc82c742ebb9d34ec354aa52f72c47d2b9c66bd677ae42247a97a1a5372";

TEST(IdentitySignature, IsAnHmacOverTimeRequestIdAndUser) {
  SigningKeys keys{std::string(kSecret), "", 0};
  EXPECT_EQ(sign_identity(keys, "alice", "req-1", 1767225600), "t=1767225600,v1=" + std::string(kCurrentMac));
  EXPECT_NE(sign_identity(keys, "alice", "req-2", 1767225600), sign_identity(keys, "alice", "req-1", 1767225600));
  // A request id may hold '.', but never a line break: these two triples sign different bytes.
  EXPECT_NE(sign_identity(keys, "b.c", "a", 1), sign_identity(keys, "c", "a.b", 1));
}

TEST(IdentitySignature, ARotationSignsWithBothSecretsForItsGracePeriod) {
  const SigningKeys before{std::string(kPrevious), "", 0};
  const SigningKeys after = rotate_signing_keys(before, std::string(kSecret), 1767225000, std::chrono::seconds(600));
  EXPECT_EQ(after.current, kSecret);
  EXPECT_EQ(after.previous, kPrevious);
  EXPECT_EQ(after.previous_until, 1767225600);
  EXPECT_EQ(sign_identity(after, "alice", "req-1", 1767225600),
            "t=1767225600,v1=" + std::string(kCurrentMac) + ",v1=" + std::string(kPreviousMac));
  EXPECT_EQ(sign_identity(after, "alice", "req-1", 1767225601).find(",v1=", 20), std::string::npos)
      << "after the grace period only the current secret signs";
}

TEST(IdentitySignature, AReloadWithTheSameSecretKeepsTheRotationUnderWay) {
  const SigningKeys rotating{std::string(kSecret), std::string(kPrevious), 2000};
  const auto same = rotate_signing_keys(rotating, std::string(kSecret), 1500, std::chrono::seconds(600));
  EXPECT_EQ(same.previous, kPrevious);
  EXPECT_EQ(same.previous_until, 2000);
  const auto later = rotate_signing_keys(rotating, std::string(kSecret), 2500, std::chrono::seconds(600));
  EXPECT_EQ(later.previous, "") << "an expired grace period is not carried";
  const auto off = rotate_signing_keys(rotating, "", 1500, std::chrono::seconds(600));
  EXPECT_EQ(off.current, "");
  EXPECT_EQ(off.previous, "");
}

}  // namespace
}  // namespace cutover::identity
