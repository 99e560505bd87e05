"""Registering volunteers (SPEC §3.1, §4.1) and their own profile."""

from __future__ import annotations

from datetime import date

from tests.identity.conftest import IdentityApi, bearer
from tests.identity.factories import (
    birth_date_for_age,
    make_registration,
    resident_id,
    unique_mobile,
    with_wrong_check_digit,
)

REGISTER = "/api/v1/auth/register"


async def test_register_login_and_see_own_profile_unmasked(identity: IdentityApi) -> None:
    token, volunteer = await identity.volunteer_token()
    assert volunteer["volunteer_no"].startswith("BJ") and len(volunteer["volunteer_no"]) == 12

    me = (await identity.http.get("/api/v1/me", headers=bearer(token))).json()

    assert me["id"] == volunteer["id"]
    assert me["id_number"] == volunteer["id_number"]
    assert me["id_number_masked"] == volunteer["id_number"][:3] + "*" * 11 \
        + volunteer["id_number"][-4:]
    assert me["mobile"] == volunteer["mobile"]
    assert me["volunteer_no"] == volunteer["volunteer_no"]
    assert me["roles"] == ["volunteer"]
    assert me["birth_date"] == date(int(volunteer["id_number"][6:10]),
                                    int(volunteer["id_number"][10:12]),
                                    int(volunteer["id_number"][12:14])).isoformat()
    assert me["preferences"]["service_areas"] == ["海淀区", "朝阳区"]


async def test_id_number_is_encrypted_at_rest(identity: IdentityApi) -> None:
    body, created = await identity.register()

    stored = await identity.db["users"].find_one({"_id": created["id"]})

    assert stored is not None
    assert body["id_number"] not in str(stored)
    assert body["password"] not in str(stored)


async def test_registration_emits_masked_volunteer_registered(identity: IdentityApi) -> None:
    body, created = await identity.register(real_name="张小三")

    [event] = await identity.outbox("VolunteerRegistered")

    data = event["data"]
    assert data["volunteer_id"] == created["id"]
    assert data["volunteer_no"] == created["volunteer_no"]
    assert data["real_name_masked"] == "张*三"
    assert data["id_number_masked"] == body["id_number"][:3] + "*" * 11 + body["id_number"][-4:]
    assert body["id_number"] not in str(event) and body["mobile"] not in str(event)


async def test_volunteer_numbers_are_distinct(identity: IdentityApi) -> None:
    numbers = {(await identity.register())[1]["volunteer_no"] for _ in range(3)}
    assert len(numbers) == 3


async def test_wrong_resident_id_check_digit_is_refused(identity: IdentityApi) -> None:
    body = make_registration()
    body["id_number"] = with_wrong_check_digit(body["id_number"])

    response = await identity.http.post(REGISTER, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_id_check_digit"


async def test_under_14_is_refused(identity: IdentityApi) -> None:
    body = make_registration(id_number=resident_id(birth_date_for_age(13)),
                             guardian={"name": "张大三", "mobile": unique_mobile()})

    response = await identity.http.post(REGISTER, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "too_young"


async def test_minor_needs_a_guardian(identity: IdentityApi) -> None:
    without = make_registration(age=16)
    del without["guardian"]

    refused = await identity.http.post(REGISTER, json=without)
    accepted = await identity.http.post(REGISTER, json=make_registration(age=16))

    assert refused.status_code == 422
    assert refused.json()["code"] == "guardian_required"
    assert accepted.status_code == 201


async def test_other_documents_need_a_declared_birth_date(identity: IdentityApi) -> None:
    body = make_registration(id_type="passport", id_number="E12345678")

    missing = await identity.http.post(REGISTER, json=body)
    given = await identity.http.post(
        REGISTER, json={**body, "birth_date": birth_date_for_age(25).isoformat()})

    assert missing.status_code == 422
    assert missing.json()["code"] == "birth_date_required"
    assert given.status_code == 201


async def test_duplicate_mobile_is_refused(identity: IdentityApi) -> None:
    first, _ = await identity.register()

    response = await identity.http.post(REGISTER, json=make_registration(mobile=first["mobile"]))

    assert response.status_code == 409
    assert response.json()["code"] == "mobile_taken"


async def test_one_account_per_id_document(identity: IdentityApi) -> None:
    first, _ = await identity.register()

    response = await identity.http.post(
        REGISTER, json=make_registration(id_number=first["id_number"].lower()))

    assert response.status_code == 409
    assert response.json()["code"] == "id_number_taken"


async def test_invalid_mobile_password_and_service_area(identity: IdentityApi) -> None:
    cases = {
        "invalid_mobile": make_registration(mobile="12345678901"),
        "weak_password": make_registration(password="short"),
        "invalid_service_area": make_registration(
            preferences={"service_areas": ["浦东新区"]}),
    }
    for code, body in cases.items():
        response = await identity.http.post(REGISTER, json=body)
        assert response.status_code == 422, code
        assert response.json()["code"] == code


async def test_update_profile_emits_event(identity: IdentityApi) -> None:
    token, volunteer = await identity.volunteer_token()

    response = await identity.http.patch(
        "/api/v1/me", headers=bearer(token),
        json={"display_name": "新名字", "preferences": {"service_areas": ["延庆区"]}})
    bad = await identity.http.patch("/api/v1/me", headers=bearer(token),
                                    json={"preferences": {"service_areas": ["nowhere"]}})

    assert response.status_code == 200
    assert response.json()["display_name"] == "新名字"
    assert response.json()["preferences"]["service_areas"] == ["延庆区"]
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_service_area"
    [event] = await identity.outbox("VolunteerProfileUpdated")
    assert event["data"]["volunteer_id"] == volunteer["id"]
    assert event["data"]["display_name"] == "新名字"


async def test_profile_needs_a_token(identity: IdentityApi) -> None:
    response = await identity.http.get("/api/v1/me")
    assert response.status_code == 401
