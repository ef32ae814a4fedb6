"""RSA signing keys made on this machine, as JSON Web Keys, for the identity stand-in.

Making a 2048-bit key costs tens of milliseconds and sometimes far more, so each process makes
one per name and shares it; a test that needs a key nobody else has asks for a fresh one."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """A private key and the key id (`kid`) its tokens carry."""

    private: rsa.RSAPrivateKey = field(repr=False)
    kid: str

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.private.public_key()

    def jwk(self, endorsements: tuple[str, ...] = ()) -> dict[str, Any]:
        """The public half as a JWKS entry, as login.botframework.com publishes its keys: with
        the channels that endorse it (botbuilder refuses a token whose key does not endorse
        the activity's channel)."""
        numbers = self.public.public_numbers()
        der = self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        thumbprint = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()  # noqa: S324 (x5t is a SHA-1 thumbprint by definition, not a security check)
        entry: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": thumbprint,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }
        if endorsements:
            entry["endorsements"] = list(endorsements)
        return entry


def fresh_key(kid: str = "") -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(private, kid or secrets.token_urlsafe(16))


@cache
def shared_key(name: str) -> SigningKey:
    """One key per name per process (see the module's docstring)."""
    return fresh_key(f"{name}-{secrets.token_hex(8)}")
