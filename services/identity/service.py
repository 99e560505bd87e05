"""Identity's use cases: register, log in, refresh, profile, organizations. The only place that
writes. State changes and the events they cause commit together through ``ctx.transaction``.

Personal data (mobile and ID numbers, real names) never reaches a log line: logs carry user ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pymongo.errors import DuplicateKeyError

from services.identity import errors, rules
from services.identity.crypto import (
    PersonalDataCipher,
    hash_password,
    needs_rehash,
    new_refresh_token,
    refresh_token_hash,
    verify_password,
)
from services.identity.schemas import (
    AddMemberRequest,
    CreateOrganizationRequest,
    GuardianOut,
    LoginRequest,
    Me,
    Membership,
    OrganizationStatus,
    Preferences,
    PreferencesBody,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    TokenPair,
    UpdateMeRequest,
)
from services.identity.store import VOLUNTEER_NO_SEQUENCE, Store
from shared.auth import (
    ROLE_ORG_ADMIN,
    ROLE_PLATFORM_ADMIN,
    ROLE_VOLUNTEER,
    Principal,
    SigningKeys,
    issue_access_token,
)
from shared.errors import InvalidToken, RateLimited
from shared.events import (
    OrganizationApproved,
    OrganizationRegistered,
    VolunteerProfileUpdated,
    VolunteerRegistered,
    new_id,
    utcnow,
)
from shared.events import Preferences as EventPreferences
from shared.logging import get_logger
from shared.mongo import Document
from shared.outbox import Tx
from shared.runtime import ServiceContext

log = get_logger("identity")

KEYS = "keys"
CIPHER = "cipher"


def _keys(ctx: ServiceContext) -> SigningKeys:
    keys: SigningKeys = ctx.state[KEYS]
    return keys


def _cipher(ctx: ServiceContext) -> PersonalDataCipher:
    cipher: PersonalDataCipher = ctx.state[CIPHER]
    return cipher


def _today(ctx: ServiceContext) -> date:
    return datetime.now(ZoneInfo(ctx.settings.timezone)).date()


def _id_index(cipher: PersonalDataCipher, id_type: str, id_number: str) -> str:
    return cipher.blind_index("id_document", f"{id_type}:{id_number}")


def _conflict(exc: DuplicateKeyError) -> errors.IdentityError:
    """Which unique key a racing insert hit, as the matching stable error."""
    details: Mapping[str, Any] = exc.details or {}
    fields = set(details.get("keyPattern") or {})
    if not fields:  # servers that omit keyPattern still name the index
        fields = {f for f in ("mobile", "id_index", "credit_code") if f in str(exc)}
    if "id_index" in fields:
        return errors.IdNumberTaken()
    if "credit_code" in fields:
        return errors.CreditCodeTaken()
    return errors.MobileTaken()


def _preferences(body: PreferencesBody) -> dict[str, list[str]]:
    return {
        "service_areas": rules.check_service_areas(body.service_areas),
        "categories": list(dict.fromkeys(body.categories)),
        "industries": list(dict.fromkeys(body.industries)),
    }


# --- registration ----------------------------------------------------------------------------

async def register(ctx: ServiceContext, body: RegisterRequest) -> RegisterResponse:
    mobile = rules.normalize_mobile(body.mobile)
    rules.check_password(body.password)
    id_number = rules.normalize_id_number(body.id_type, body.id_number)
    born = rules.birth_date_of(body.id_type, id_number, body.birth_date)
    age = rules.check_volunteer_age(born, _today(ctx), has_guardian=body.guardian is not None)
    guardian = None
    if body.guardian is not None and age < rules.ADULT_AGE:
        guardian = {"name": body.guardian.name,
                    "mobile": rules.normalize_mobile(body.guardian.mobile),
                    "recorded_at": utcnow()}
    preferences = _preferences(body.preferences)

    store = Store(ctx.db)
    cipher = _cipher(ctx)
    id_index = _id_index(cipher, body.id_type, id_number)
    # Cheap checks first, so a duplicate does not spend a volunteer number; the unique indexes
    # remain the guard against a concurrent registration.
    if await store.mobile_exists(mobile):
        raise errors.MobileTaken()
    if await store.id_index_exists(id_index):
        raise errors.IdNumberTaken()

    password_hash = await hash_password(body.password)
    volunteer_no = rules.volunteer_no(await store.next_sequence(VOLUNTEER_NO_SEQUENCE))
    user_id = new_id()
    now = utcnow()
    masked_id = rules.mask_id_number(id_number)
    user: Document = {
        "_id": user_id,
        "mobile": mobile,
        "password_hash": password_hash,
        "roles": [ROLE_VOLUNTEER],
        "volunteer_no": volunteer_no,
        "display_name": body.display_name,
        "real_name": body.real_name,
        "id_type": body.id_type,
        "id_number_enc": cipher.encrypt(id_number),
        "id_index": id_index,
        "id_number_masked": masked_id,
        "birth_date": born.isoformat(),
        "guardian": guardian,
        "preferences": preferences,
        "created_at": now,
        "updated_at": now,
    }

    async def write(tx: Tx) -> None:
        await store.insert_user(user, tx.session)
        tx.emit(VolunteerRegistered(
            volunteer_id=user_id, volunteer_no=volunteer_no, display_name=body.display_name,
            real_name_masked=rules.mask_name(body.real_name), id_type=body.id_type,
            id_number_masked=masked_id, birth_date=born,
            preferences=EventPreferences(**preferences)))

    try:
        await ctx.transaction(write)
    except DuplicateKeyError as exc:
        raise _conflict(exc) from None  # the driver's message holds the duplicate value
    log.info("volunteer_registered", user_id=user_id, volunteer_no=volunteer_no,
             minor=guardian is not None)
    return RegisterResponse(id=user_id, volunteer_no=volunteer_no)


# --- tokens ----------------------------------------------------------------------------------

def jwks(ctx: ServiceContext) -> dict[str, Any]:
    return _keys(ctx).jwks()


async def _token_pair(ctx: ServiceContext, user: Document, refresh_token: str) -> TokenPair:
    org_ids = await Store(ctx.db).organizations_of(user["_id"])
    roles = set(user.get("roles", []))
    if org_ids:
        roles.add(ROLE_ORG_ADMIN)
    access = issue_access_token(_keys(ctx), ctx.settings, user_id=user["_id"],
                                roles=sorted(roles), org_ids=org_ids)
    return TokenPair(access_token=access, refresh_token=refresh_token,
                     expires_in=ctx.settings.access_token_ttl_seconds)


def _refresh_expiry(ctx: ServiceContext, now: datetime) -> datetime:
    return now + timedelta(seconds=ctx.settings.refresh_token_ttl_seconds)


async def login(ctx: ServiceContext, body: LoginRequest) -> TokenPair:
    store = Store(ctx.db)
    try:
        mobile: str | None = rules.normalize_mobile(body.mobile)
    except errors.InvalidMobile:
        mobile = None  # same answer as an unknown number
    limit_key = _cipher(ctx).blind_index("login", mobile or body.mobile.strip())
    now = utcnow()
    window_start = now - timedelta(seconds=rules.LOGIN_FAILURE_WINDOW_SECONDS)
    failures = await store.recent_login_failures(limit_key, window_start,
                                                 rules.LOGIN_FAILURE_LIMIT)
    retry_after = rules.login_retry_after([f.timestamp() for f in failures], now.timestamp())
    if retry_after is not None:
        log.info("login_rate_limited", retry_after=retry_after)
        raise RateLimited(retry_after=retry_after)

    user = await store.find_user_by_mobile(mobile) if mobile else None
    password_hash = user.get("password_hash") if user else None
    if not await verify_password(password_hash, body.password) or user is None:
        await store.record_login_failure(limit_key, utcnow())
        log.info("login_failed", user_id=user["_id"] if user else None)
        raise errors.InvalidCredentials()

    await store.clear_login_failures(limit_key)
    if password_hash and needs_rehash(password_hash):
        await store.set_password_hash(user["_id"], await hash_password(body.password))
    token = new_refresh_token()
    await store.insert_refresh_token(refresh_token_hash(token), user["_id"], new_id(), now,
                                     _refresh_expiry(ctx, now))
    log.info("login_succeeded", user_id=user["_id"])
    return await _token_pair(ctx, user, token)


async def refresh(ctx: ServiceContext, body: RefreshRequest) -> TokenPair:
    """Rotate: the presented token is revoked and a new one issued in the same family. A
    revoked token presented again means it leaked: the whole family is revoked."""
    store = Store(ctx.db)
    presented = refresh_token_hash(body.refresh_token)
    token = new_refresh_token()
    now = utcnow()

    async def rotate(tx: Tx) -> Document | None:
        old = await store.consume_refresh_token(presented, now, tx.session)
        if old is not None:
            await store.insert_refresh_token(refresh_token_hash(token), old["user_id"],
                                             old["family_id"], now, _refresh_expiry(ctx, now),
                                             tx.session)
        return old

    old = await ctx.transaction(rotate)
    if old is None:
        found = await store.find_refresh_token(presented)
        if found is not None and found.get("revoked_at") is not None:
            revoked = await store.revoke_family(found["family_id"], now)
            log.warning("refresh_token_reuse_detected", user_id=found["user_id"],
                        revoked=revoked)
        raise errors.InvalidRefreshToken()
    user = await store.find_user(old["user_id"])
    if user is None:
        raise errors.InvalidRefreshToken()
    log.info("tokens_refreshed", user_id=user["_id"])
    return await _token_pair(ctx, user, token)


# --- own profile -----------------------------------------------------------------------------

async def _me(ctx: ServiceContext, user: Document) -> Me:
    org_ids = await Store(ctx.db).organizations_of(user["_id"])
    roles = set(user.get("roles", []))
    if org_ids:
        roles.add(ROLE_ORG_ADMIN)
    encrypted = user.get("id_number_enc")
    guardian = user.get("guardian")
    return Me(
        id=user["_id"],
        mobile=user["mobile"],
        roles=sorted(roles),
        organization_ids=org_ids,
        volunteer_no=user.get("volunteer_no"),
        display_name=user.get("display_name"),
        real_name=user.get("real_name"),
        id_type=user.get("id_type"),
        id_number=_cipher(ctx).decrypt(encrypted) if encrypted else None,
        id_number_masked=user.get("id_number_masked"),
        birth_date=date.fromisoformat(user["birth_date"]) if user.get("birth_date") else None,
        preferences=Preferences(**user.get("preferences", {})),
        guardian=GuardianOut(name=guardian["name"], mobile=guardian["mobile"])
        if guardian else None,
        created_at=user["created_at"],
    )


async def get_me(ctx: ServiceContext, principal: Principal) -> Me:
    user = await Store(ctx.db).find_user(principal.user_id)
    if user is None:
        raise InvalidToken("The token's user no longer exists.")
    return await _me(ctx, user)


async def update_me(ctx: ServiceContext, principal: Principal, body: UpdateMeRequest) -> Me:
    changes: dict[str, Any] = {}
    if body.display_name is not None:
        changes["display_name"] = body.display_name
    if body.preferences is not None:
        changes["preferences"] = _preferences(body.preferences)
    store = Store(ctx.db)
    if not changes:
        return await get_me(ctx, principal)
    changes["updated_at"] = utcnow()

    async def write(tx: Tx) -> Document | None:
        user = await store.update_user(principal.user_id, changes, tx.session)
        if user is not None and ROLE_VOLUNTEER in user.get("roles", []):
            tx.emit(VolunteerProfileUpdated(
                volunteer_id=user["_id"], display_name=user.get("display_name", ""),
                preferences=EventPreferences(**user.get("preferences", {}))))
        return user

    user = await ctx.transaction(write)
    if user is None:
        raise InvalidToken("The token's user no longer exists.")
    log.info("profile_updated", user_id=principal.user_id, fields=sorted(changes))
    return await _me(ctx, user)


# --- organizations ---------------------------------------------------------------------------

async def register_organization(ctx: ServiceContext, principal: Principal,
                                body: CreateOrganizationRequest) -> OrganizationStatus:
    credit_code = rules.normalize_credit_code(body.credit_code)
    district = rules.check_district(body.district)
    contact_mobile = rules.normalize_mobile(body.contact_mobile)
    store = Store(ctx.db)
    if await store.credit_code_exists(credit_code):
        raise errors.CreditCodeTaken()
    org_id = new_id()
    now = utcnow()
    org: Document = {
        "_id": org_id, "name": body.name, "credit_code": credit_code, "district": district,
        "contact_name": body.contact_name, "contact_mobile": contact_mobile,
        "status": "pending", "created_by": principal.user_id, "created_at": now,
    }

    async def write(tx: Tx) -> None:
        await store.insert_organization(org, tx.session)
        await store.add_membership(org_id, principal.user_id, now, tx.session)
        tx.emit(OrganizationRegistered(organization_id=org_id, name=body.name,
                                       district=district, admin_user_id=principal.user_id))

    try:
        await ctx.transaction(write)
    except DuplicateKeyError as exc:
        raise _conflict(exc) from None
    log.info("organization_registered", organization_id=org_id, user_id=principal.user_id)
    return OrganizationStatus(id=org_id, status="pending")


async def approve_organization(ctx: ServiceContext, admin: Principal,
                               org_id: str) -> OrganizationStatus:
    store = Store(ctx.db)

    async def write(tx: Tx) -> None:
        org = await store.approve_organization(org_id, admin.user_id, utcnow(), tx.session)
        if org is None:
            if await store.find_organization(org_id, tx.session) is None:
                raise errors.OrganizationNotFound()
            raise errors.AlreadyApproved()
        tx.emit(OrganizationApproved(organization_id=org_id, name=org["name"],
                                     admin_user_ids=await store.admins_of(org_id, tx.session)))

    await ctx.transaction(write)
    log.info("organization_approved", organization_id=org_id, user_id=admin.user_id)
    return OrganizationStatus(id=org_id, status="approved")


async def add_member(ctx: ServiceContext, principal: Principal, org_id: str,
                     body: AddMemberRequest) -> Membership:
    store = Store(ctx.db)
    # Identity owns memberships, so it checks them rather than the token's ``orgs`` claim,
    # which lags behind until the next refresh (e.g. right after registering the organization).
    if not (principal.is_platform_admin or await store.is_member(org_id, principal.user_id)):
        raise errors.NotOrganizationAdmin()
    if await store.find_organization(org_id) is None:
        raise errors.OrganizationNotFound()
    try:
        mobile = rules.normalize_mobile(body.mobile)
    except errors.InvalidMobile:
        raise errors.UserNotFound() from None
    user = await store.find_user_by_mobile(mobile)
    if user is None:
        raise errors.UserNotFound()
    added = await store.add_membership(org_id, user["_id"], utcnow())
    log.info("organization_admin_added", organization_id=org_id, user_id=user["_id"],
             by_user_id=principal.user_id, already_member=not added)
    return Membership(organization_id=org_id, user_id=user["_id"])


# --- platform administrators -----------------------------------------------------------------

BootstrapOutcome = Literal["created", "exists", "mobile_taken"]


async def bootstrap_platform_admin(store: Store, mobile: str,
                                   password: str) -> BootstrapOutcome:
    """Create the platform administrator if missing. Idempotent, and safe when several
    replicas start at once (the unique mobile index decides). An existing non-admin account
    with that mobile is left alone: registering first must not make someone an admin."""
    mobile = rules.normalize_mobile(mobile)
    rules.check_password(password)
    existing = await store.find_user_by_mobile(mobile)
    if existing is None:
        now = utcnow()
        user_id = new_id()
        try:
            await store.insert_user({
                "_id": user_id, "mobile": mobile, "password_hash": await hash_password(password),
                "roles": [ROLE_PLATFORM_ADMIN], "display_name": "platform admin",
                "preferences": {}, "created_at": now, "updated_at": now,
            })
        except DuplicateKeyError:
            existing = await store.find_user_by_mobile(mobile)
        else:
            log.info("platform_admin_created", user_id=user_id)
            return "created"
    if existing is not None and ROLE_PLATFORM_ADMIN in existing.get("roles", []):
        return "exists"
    log.warning("platform_admin_mobile_taken",
                user_id=existing["_id"] if existing is not None else None)
    return "mobile_taken"
