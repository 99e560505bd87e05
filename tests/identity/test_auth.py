"""Logging in, token refresh and JWKS (SPEC §3.1)."""

from __future__ import annotations

from services.identity.service import bootstrap_platform_admin
from services.identity.store import Store
from shared.auth import TokenVerifier
from tests.identity.conftest import ADMIN_MOBILE, ADMIN_PASSWORD, IdentityApi, bearer
from tests.identity.factories import unique_mobile

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


async def test_login_returns_a_bearer_token_pair(identity: IdentityApi) -> None:
    body, _ = await identity.register()

    tokens = await identity.login(body["mobile"], body["password"])

    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == identity.settings.access_token_ttl_seconds
    assert tokens["access_token"] and tokens["refresh_token"]


async def test_wrong_password_and_unknown_mobile_look_the_same(identity: IdentityApi) -> None:
    body, _ = await identity.register()

    wrong = await identity.http.post(LOGIN, json={"mobile": body["mobile"],
                                                  "password": "not the password"})
    unknown = await identity.http.post(LOGIN, json={"mobile": unique_mobile(),
                                                    "password": body["password"]})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


async def test_repeated_failures_are_rate_limited(identity: IdentityApi) -> None:
    body, _ = await identity.register()
    attempt = {"mobile": body["mobile"], "password": "guess-guess"}

    statuses = [(await identity.http.post(LOGIN, json=attempt)).status_code for _ in range(5)]
    limited = await identity.http.post(LOGIN, json=attempt)
    even_right = await identity.http.post(LOGIN, json={"mobile": body["mobile"],
                                                       "password": body["password"]})

    assert statuses == [401] * 5
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 15 * 60
    assert even_right.status_code == 429


async def test_success_resets_the_failure_count(identity: IdentityApi) -> None:
    body, _ = await identity.register()
    wrong = {"mobile": body["mobile"], "password": "guess-guess"}
    for _ in range(4):
        await identity.http.post(LOGIN, json=wrong)
    await identity.login(body["mobile"], body["password"])

    statuses = [(await identity.http.post(LOGIN, json=wrong)).status_code for _ in range(4)]

    assert statuses == [401] * 4


async def test_refresh_rotates_and_refuses_reuse(identity: IdentityApi) -> None:
    body, _ = await identity.register()
    first = await identity.login(body["mobile"], body["password"])

    rotated = await identity.http.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    reused = await identity.http.post(REFRESH, json={"refresh_token": first["refresh_token"]})

    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid_refresh_token"
    # Reuse means the token leaked: the whole chain is revoked, the thief's copy too.
    after_reuse = await identity.http.post(REFRESH,
                                           json={"refresh_token": second["refresh_token"]})
    assert after_reuse.status_code == 401


async def test_unknown_refresh_token_is_refused(identity: IdentityApi) -> None:
    response = await identity.http.post(REFRESH, json={"refresh_token": "made-up"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_refresh_token"


async def test_served_jwks_verifies_issued_tokens(identity: IdentityApi) -> None:
    token, volunteer = await identity.volunteer_token()
    jwks = (await identity.http.get("/api/v1/.well-known/jwks.json")).json()
    verifier = TokenVerifier(identity.settings.jwt_issuer, identity.settings.jwt_audience,
                             jwks=jwks)

    principal = await verifier.verify(token)

    assert principal.user_id == volunteer["id"]
    assert principal.roles == frozenset({"volunteer"})
    assert jwks["keys"][0]["kty"] == "RSA" and "d" not in jwks["keys"][0]


async def test_tampered_token_is_refused(identity: IdentityApi) -> None:
    token, _ = await identity.volunteer_token()
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"

    response = await identity.http.get("/api/v1/me", headers=bearer(forged))

    assert response.status_code == 401


async def test_platform_admin_is_bootstrapped_from_settings(identity: IdentityApi) -> None:
    token = await identity.admin_token()

    me = await identity.http.get("/api/v1/me", headers=bearer(token))

    assert me.status_code == 200
    assert me.json()["roles"] == ["platform_admin"]
    assert me.json()["volunteer_no"] is None


async def test_bootstrap_is_idempotent(identity: IdentityApi) -> None:
    again = await bootstrap_platform_admin(Store(identity.db), ADMIN_MOBILE, ADMIN_PASSWORD)

    assert again == "exists"
    assert await identity.db["users"].count_documents({"mobile": ADMIN_MOBILE}) == 1


async def test_malformed_bodies_are_422_not_500(identity: IdentityApi) -> None:
    bodies: list[object] = [{"mobile": {"$ne": ""}, "password": "x"}, {"mobile": "13800000000"},
                            []]
    for body in bodies:
        response = await identity.http.post(LOGIN, json=body)
        assert response.status_code == 422
    response = await identity.http.post(LOGIN, content=b"not json",
                                        headers={"content-type": "application/json"})
    assert response.status_code == 422
