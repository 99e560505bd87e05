"""Organizations: registration, approval, administrators (SPEC §3.1, §4.1)."""

from __future__ import annotations

from tests.identity.conftest import IdentityApi, bearer
from tests.identity.factories import make_organization, unique_mobile, with_wrong_check_char

ORGS = "/api/v1/organizations"


async def test_register_organization_makes_caller_its_admin(identity: IdentityApi) -> None:
    token, volunteer = await identity.volunteer_token()

    org = await identity.create_organization(token)
    refreshed = await identity.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": volunteer["tokens"]["refresh_token"]})
    me = await identity.http.get("/api/v1/me", headers=bearer(refreshed.json()["access_token"]))

    assert org["status"] == "pending"
    # A pending organization's admin already holds its id; projects checks approval itself.
    assert me.json()["roles"] == ["org_admin", "volunteer"]
    assert me.json()["organization_ids"] == [org["id"]]
    [event] = await identity.outbox("OrganizationRegistered")
    assert event["data"]["organization_id"] == org["id"]
    assert event["data"]["admin_user_id"] == volunteer["id"]


async def test_wrong_credit_code_check_char_is_refused(identity: IdentityApi) -> None:
    token, _ = await identity.volunteer_token()
    body = make_organization()
    body["credit_code"] = with_wrong_check_char(body["credit_code"])

    response = await identity.http.post(ORGS, json=body, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_credit_code_check_char"


async def test_malformed_credit_code_and_district(identity: IdentityApi) -> None:
    token, _ = await identity.volunteer_token()
    short = await identity.http.post(ORGS, json=make_organization(credit_code="91110000"),
                                     headers=bearer(token))
    district = await identity.http.post(ORGS, json=make_organization(district="黄浦区"),
                                        headers=bearer(token))

    assert short.status_code == 422 and short.json()["code"] == "invalid_credit_code"
    assert district.status_code == 422 and district.json()["code"] == "invalid_district"


async def test_duplicate_credit_code_is_refused(identity: IdentityApi) -> None:
    token, _ = await identity.volunteer_token()
    body = make_organization()
    await identity.http.post(ORGS, json=body, headers=bearer(token))

    response = await identity.http.post(
        ORGS, json=make_organization(credit_code=body["credit_code"].lower()),
        headers=bearer(token))

    assert response.status_code == 409
    assert response.json()["code"] == "credit_code_taken"


async def test_platform_admin_approves_once(identity: IdentityApi) -> None:
    token, volunteer = await identity.volunteer_token()
    org = await identity.create_organization(token)
    admin = await identity.admin_token()

    approved = await identity.http.post(f"{ORGS}/{org['id']}/approve", headers=bearer(admin))
    again = await identity.http.post(f"{ORGS}/{org['id']}/approve", headers=bearer(admin))

    assert approved.status_code == 200
    assert approved.json() == {"id": org["id"], "status": "approved"}
    assert again.status_code == 409 and again.json()["code"] == "already_approved"
    [event] = await identity.outbox("OrganizationApproved")
    assert event["data"]["organization_id"] == org["id"]
    assert event["data"]["admin_user_ids"] == [volunteer["id"]]


async def test_only_platform_admins_approve(identity: IdentityApi) -> None:
    token, _ = await identity.volunteer_token()
    org = await identity.create_organization(token)

    response = await identity.http.post(f"{ORGS}/{org['id']}/approve", headers=bearer(token))

    assert response.status_code == 403
    assert await identity.outbox("OrganizationApproved") == []


async def test_approving_unknown_organization_is_404(identity: IdentityApi) -> None:
    admin = await identity.admin_token()
    response = await identity.http.post(f"{ORGS}/nope/approve", headers=bearer(admin))
    assert response.status_code == 404
    assert response.json()["code"] == "organization_not_found"


async def test_org_admin_adds_a_registered_user(identity: IdentityApi) -> None:
    token, _ = await identity.volunteer_token()
    org = await identity.create_organization(token)
    colleague, _ = await identity.register()

    added = await identity.http.post(f"{ORGS}/{org['id']}/members",
                                     json={"mobile": colleague["mobile"]}, headers=bearer(token))
    unknown = await identity.http.post(f"{ORGS}/{org['id']}/members",
                                       json={"mobile": unique_mobile()}, headers=bearer(token))
    colleague_tokens = await identity.login(colleague["mobile"], colleague["password"])
    me = await identity.http.get("/api/v1/me",
                                 headers=bearer(colleague_tokens["access_token"]))

    assert added.status_code == 201
    assert unknown.status_code == 404 and unknown.json()["code"] == "user_not_found"
    assert me.json()["organization_ids"] == [org["id"]]
    assert "org_admin" in me.json()["roles"]


async def test_outsiders_cannot_add_members(identity: IdentityApi) -> None:
    owner, _ = await identity.volunteer_token()
    org = await identity.create_organization(owner)
    outsider, _ = await identity.volunteer_token()
    admin = await identity.admin_token()
    target, _ = await identity.register()

    refused = await identity.http.post(f"{ORGS}/{org['id']}/members",
                                       json={"mobile": target["mobile"]},
                                       headers=bearer(outsider))
    by_platform_admin = await identity.http.post(f"{ORGS}/{org['id']}/members",
                                                 json={"mobile": target["mobile"]},
                                                 headers=bearer(admin))

    assert refused.status_code == 403
    assert by_platform_admin.status_code == 201
