"""Tokens: identity signs short-lived JWT access tokens (RS256); every service verifies them
locally against identity's public keys (JWKS), checking signature, expiry, issuer and audience.

Route signatures read like sentences::

    async def complete(project_id: str, staff: CurrentUser) -> ...
    async def approve(org_id: str, admin: PlatformAdmin) -> ...
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from jwt.algorithms import RSAAlgorithm

from shared.errors import Forbidden, InvalidToken, Unauthorized
from shared.events import new_id
from shared.keyfiles import read_or_create
from shared.logging import bind, get_logger
from shared.settings import Settings

log = get_logger("auth")

ALGORITHM = "RS256"

ROLE_VOLUNTEER = "volunteer"
ROLE_ORG_ADMIN = "org_admin"
ROLE_PLATFORM_ADMIN = "platform_admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, roles and the organizations they administer."""

    user_id: str
    roles: frozenset[str]
    org_ids: frozenset[str] = frozenset()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_platform_admin(self) -> bool:
        return ROLE_PLATFORM_ADMIN in self.roles

    def administers(self, organization_id: str) -> bool:
        return organization_id in self.org_ids


# --- signing (identity) -----------------------------------------------------------------------

@dataclass
class SigningKeys:
    private_key: rsa.RSAPrivateKey
    kid: str

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": ALGORITHM}]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM,
                          headers={"kid": self.kid})


def load_signing_keys(settings: Settings) -> SigningKeys:
    """The private key from ``JWT_PRIVATE_KEY_FILE``, or one generated once under DATA_DIR."""
    path = settings.jwt_private_key_file or settings.data_dir / "jwt-signing-key.pem"
    key = serialization.load_pem_private_key(read_or_create(path, _new_private_key_pem),
                                             password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKeys(key, hashlib.sha256(public_der).hexdigest()[:16])


def _new_private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def issue_access_token(keys: SigningKeys, settings: Settings, *, user_id: str,
                       roles: list[str], org_ids: list[str]) -> str:
    now = int(time.time())
    return keys.sign({
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": user_id,
        "iat": now,
        "exp": now + settings.access_token_ttl_seconds,
        "jti": new_id(),
        "roles": sorted(roles),
        "orgs": sorted(org_ids),
    })


# --- verification (every service) -------------------------------------------------------------

@dataclass
class TokenVerifier:
    """Verifies access tokens against a JWKS: given (embedded mode, identity) or fetched from
    ``JWKS_URL`` and refreshed when a token names an unknown key id."""

    issuer: str
    audience: str
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None
    refresh_interval: float = 30.0
    _keys: dict[str, Any] = field(default_factory=dict)
    _fetched_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        if self.jwks:
            self._load(self.jwks)

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenVerifier:
        if settings.jwks_url:
            return cls(settings.jwt_issuer, settings.jwt_audience, jwks_url=settings.jwks_url)
        return cls(settings.jwt_issuer, settings.jwt_audience,
                   jwks=load_signing_keys(settings).jwks())

    def _load(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: RSAAlgorithm.from_jwk(k) for k in jwks.get("keys", [])
                      if k.get("kty") == "RSA" and "kid" in k}

    async def _refresh(self) -> None:
        if not self.jwks_url:
            return
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.refresh_interval and self._keys:
                return
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    response = await client.get(self.jwks_url)
                    response.raise_for_status()
                    self._load(response.json())
                    self._fetched_at = time.monotonic()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("jwks_fetch_failed", error=repr(exc))

    async def verify(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        if str(kid) not in self._keys:
            await self._refresh()
        key = self._keys.get(str(kid))
        if key is None:
            raise InvalidToken("The token is signed with an unknown key.")
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self.audience,
                                issuer=self.issuer, options={"require": ["exp", "sub", "iat"]})
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        return Principal(
            user_id=str(claims["sub"]),
            roles=frozenset(str(r) for r in claims.get("roles", [])),
            org_ids=frozenset(str(o) for o in claims.get("orgs", [])),
        )


async def current_user(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized()
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(token.strip())
    bind(user_id=principal.user_id)
    return principal


def require_role(role: str) -> Any:
    async def dependency(user: Annotated[Principal, Depends(current_user)]) -> Principal:
        if not user.has_role(role):
            raise Forbidden(f"This needs the {role} role.")
        return user

    return Depends(dependency)


CurrentUser = Annotated[Principal, Depends(current_user)]
CurrentVolunteer = Annotated[Principal, require_role(ROLE_VOLUNTEER)]
OrgAdmin = Annotated[Principal, require_role(ROLE_ORG_ADMIN)]
PlatformAdmin = Annotated[Principal, require_role(ROLE_PLATFORM_ADMIN)]
