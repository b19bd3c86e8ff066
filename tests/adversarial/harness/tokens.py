"""JWTs the cases carry, by placeholder: `{TOKEN}` in a case's bytes becomes a valid HS256 token for
bob, `{TOKEN_EXPIRED}` an expired one, and so on. USERS says which user the gateway must inject for
each placeholder (None: the request must reach the backend anonymous).

Tokens are minted with python3-jwt when it is importable; otherwise with hmac from the standard
library (HS256 is deterministic, so both give the same bytes).
"""
import base64
import hashlib
import hmac
import json
import time

try:
    import jwt as pyjwt
except ImportError:  # e.g. a python3 outside Debian's, without python3-jwt
    pyjwt = None

# docs/security.md (identity values): empty, > 256 bytes, leading/trailing whitespace, ',' or anything
# outside printable ASCII makes the credential invalid, so the request goes on anonymous.
SUBJECTS = {
    "TOKEN": "bob",
    "TOKEN_SUB_256": "b" * 256,
    "TOKEN_SUB_COMMA": "bob,admin",
    "TOKEN_SUB_LONG": "b" * 257,
    "TOKEN_SUB_EMPTY": "",
    "TOKEN_SUB_LEADING_SPACE": " bob",
    "TOKEN_SUB_TRAILING_SPACE": "bob ",
    "TOKEN_SUB_CRLF": "bob\r\nX-User-Id: forged-admin",
    "TOKEN_SUB_NUL": "bob\0admin",
    "TOKEN_SUB_DEL": "bob\x7f",
    "TOKEN_SUB_UTF8": "b\u00f6b",
    "TOKEN_SUB_TAB": "bob\tadmin",
}
USERS = {name: sub for name, sub in SUBJECTS.items()
         if sub and len(sub) <= 256 and sub == sub.strip() and "," not in sub
         and all(0x20 <= ord(c) <= 0x7e for c in sub)}
# Tokens that must never establish anyone, whatever they say.
BROKEN = ("TOKEN_EXPIRED", "TOKEN_BADSIG", "TOKEN_ALG_NONE", "TOKEN_GARBAGE")
ALL = tuple(SUBJECTS) + BROKEN


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims, key):
    if pyjwt is not None:
        return pyjwt.encode(claims, key, algorithm="HS256")
    signing = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode())
    sig = hmac.new(key.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + _b64(sig)


def mint_all(key, now=None):
    """{placeholder: token} for every placeholder, signed with key (the gateway's HS256 secret)."""
    now = int(now if now is not None else time.time())
    tokens = {name: _hs256({"sub": sub, "iat": now, "exp": now + 3600}, key) for name, sub in SUBJECTS.items()}
    tokens["TOKEN_EXPIRED"] = _hs256({"sub": "bob", "iat": now - 7200, "exp": now - 3600}, key)
    tokens["TOKEN_BADSIG"] = _hs256({"sub": "bob", "iat": now, "exp": now + 3600}, key + "-not-the-key")
    unsigned = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + \
        _b64(json.dumps({"sub": "bob", "exp": now + 3600}).encode())
    tokens["TOKEN_ALG_NONE"] = unsigned + "."
    tokens["TOKEN_GARBAGE"] = "not.a.jwt"
    return tokens


def substitute(raw, tokens):
    """raw with every {PLACEHOLDER} replaced; (bytes, expected user or None)."""
    user = None
    for name in sorted(tokens, key=len, reverse=True):
        marker = ("{" + name + "}").encode()
        if marker in raw:
            raw = raw.replace(marker, tokens[name].encode())
            user = USERS.get(name, user)
    return raw, user


def verify(token, key, now=None):
    """The subject of a valid HS256 token under the contract's rules, else None. Used by the auth
    service nginx asks (nginx has no JWT support of its own)."""
    now = time.time() if now is None else now
    try:
        head, payload, sig = token.split(".")
        want = hmac.new(key.encode(), f"{head}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64(want), sig):
            return None
        if json.loads(base64.urlsafe_b64decode(head + "==")).get("alg") != "HS256":
            return None
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    except (ValueError, UnicodeDecodeError):
        return None
    sub = claims.get("sub")
    if not isinstance(sub, str) or claims.get("exp", now + 1) + 30 < now:
        return None
    if not sub or len(sub) > 256 or sub != sub.strip() or not all(0x20 <= ord(c) <= 0x7e for c in sub):
        return None
    return sub
