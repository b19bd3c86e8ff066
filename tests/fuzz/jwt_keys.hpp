#pragma once
// The keys fuzz_jwt verifies with, fixed so that a saved input reproduces: an RSA key pair made
// once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` for this purpose only
// (it protects nothing), and an HS256 secret. The seed tokens in corpus/jwt are signed with them.
#include <string_view>

namespace cutover::fuzz {

inline constexpr std::string_view kHs256Secret = "fuzz-hs256-secret-0123456789abcdef";

inline constexpr std::string_view kRsaPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDNFzWdAkNMQGmo\n"
    "is9Cv5n3jUCk0eGxIb4lA+tGg/E24/5YESXOaMzkntRYzkYUzri/fy1xyxsvLeiB\n"
    "GR2KhcM0HRvuPb7EcHuE+nDHJX6meIivC8EOaP5bAtxbNyVPoobYjpnmYXjdegNA\n"
    "K9hspjIVfj9tOnM8c8CHlLbwbordCDG/H9q/KXCVQhmB/0DTgovgd54Xbqlyfl/I\n"
    "D0Yj0OjgtZ2MCDZi8tQvBCPhE5Kiu9Xv5lJnUnoDe+PdWQTprkOUG1cd0TRD+tZ1\n"
    "Yi59fKUY0hgPdbDOyHlxmy4NCeiCXlILo7zSQfuNMvd0YEhA94KuOmNnVPBcBYMB\n"
    "ZPL+eLf/AgMBAAECggEAAkzTVhpzZMSIKtK7tlTtxh/4bKDJ9jGZr1KW7eiG6QWv\n"
    "kY9HrEPyoFHDsedGU+9plQQ5H0CW4nWSWPhOI4KSiOAWsxpQLGXSjNA+OY2LGRTa\n"
    "+5OXK7EzwROMIx3ANl9tQbp/sVzAfUNkC/Ex8S3/+8u5rGDub+wgaaTaVGH4/reW\n"
    "qjfa4CI64bPdAqvu7n3q0wpwuY6lT5e6Sk7EARbEtT1Y4mY36Ebbu1U+TksdgXt4\n"
    "XFbRcF6Sw13LqRwOnIqBaaSeplbYKtduNOaDp0h4p+5GxMDnVJxHm6NZHaXO9rmk\n"
    "2vZ1tgGbp8pTEPeidRHv//Bik9ETizAtdXFPhsfveQKBgQDvd5UhaChtaVcMNjOZ\n"
    "FhXQBuT8UJdTLGPVW6FZERJwJAxiDBIMnXsewtvvn3jD+qbeZWvPyf0WL6PCKpHa\n"
    "0ju5qB7g3xgBSUT6oe/GaJwehD5Qdav1Pmi0dxmt9T4Vq693WBLKsS2l3717XpOP\n"
    "uKEjbJ5ZokGLDM5l0LaCkhUaJQKBgQDbQAvpD5DaytTcWQzs50X2YPgRlOfAxTgv\n"
    "2nj2hye6kA89rY2RCzWHYV5Q+metXCk5Fm6+zhdYs/RVoMPHUIcawzlP8kYVe7ig\n"
    "2R3s2qroqSaEt4H0KF5M2AoekhNcOyE+Go2Tk+g37vI5zoCkyEl18FJd/Oyb5nlp\n"
    "8sOyOFTmUwKBgBBRg9Yc9PRPw2DPqMB74sykS6JuE4HVepAliF87bJg7vKRJ0kkN\n"
    "ykAUY0x2/5HLWOe63ZfxWc/TO0OWBw50WSGTtVb5nPcpeQvjUSWiJ1FlDaIKAsfZ\n"
    "kuUJYLScC7kKVBC77bvmSwgMsSrhDQk0ObbiRgAxsGm7W61Qhb9sGQgJAoGAa5AI\n"
    "R9azIiPQOioWBUORN0ZrbXS4HgKjhhaQsaGtBAIY+BFlGnt9T2Wdd+zhYFOOhctT\n"
    "mZhSK9pdTIUKh4YiQib0vxwE9hU0hvT9kW3V2z7g/stonfgQC3MRw922UdFQhb9R\n"
    "Jc2yZ356p5F/21fHcmzse9/R1MpFVo0bJRwtyrECgYBQFvxOlnOuRwYgchAY04co\n"
    "VPrRn+eE4BaF5SL79/2lBM+o1kiSUjW1A00r6nlqGg3hj/1MOhUQRru0I1+xFBdv\n"
    "bKo9vrfxdROwIUl3C+HyqnHFcHuO+008iJ+7w+DhPJWsWhqYpSMByEpHnETjiY9O\n"
    "0gJjrYMVqrQt6bd3P57LGg==\n"
    "-----END PRIVATE KEY-----\n";

inline constexpr std::string_view kRsaPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzRc1nQJDTEBpqIrPQr+Z\n"
    "941ApNHhsSG+JQPrRoPxNuP+WBElzmjM5J7UWM5GFM64v38tccsbLy3ogRkdioXD\n"
    "NB0b7j2+xHB7hPpwxyV+pniIrwvBDmj+WwLcWzclT6KG2I6Z5mF43XoDQCvYbKYy\n"
    "FX4/bTpzPHPAh5S28G6K3Qgxvx/avylwlUIZgf9A04KL4HeeF26pcn5fyA9GI9Do\n"
    "4LWdjAg2YvLULwQj4ROSorvV7+ZSZ1J6A3vj3VkE6a5DlBtXHdE0Q/rWdWIufXyl\n"
    "GNIYD3Wwzsh5cZsuDQnogl5SC6O80kH7jTL3dGBIQPeCrjpjZ1TwXAWDAWTy/ni3\n"
    "/wIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace cutover::fuzz
