"""Identity's HTTP routes (SPEC §4): parse, authorize, call the use case, shape the response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from services.identity import service
from services.identity.schemas import (
    AddMemberRequest,
    CreateOrganizationRequest,
    LoginRequest,
    Me,
    Membership,
    OrganizationStatus,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    TokenPair,
    UpdateMeRequest,
)
from shared.auth import CurrentUser, PlatformAdmin
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/api/v1", tags=["identity"])

Ctx = Annotated[ServiceContext, context_of("identity")]


@router.post("/auth/register", status_code=201, summary="Register a volunteer")
async def register(body: RegisterRequest, ctx: Ctx) -> RegisterResponse:
    return await service.register(ctx, body)


@router.post("/auth/login", summary="Log in with mobile and password")
async def login(body: LoginRequest, ctx: Ctx) -> TokenPair:
    return await service.login(ctx, body)


@router.post("/auth/refresh", summary="Exchange a refresh token for a new token pair")
async def refresh(body: RefreshRequest, ctx: Ctx) -> TokenPair:
    return await service.refresh(ctx, body)


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(ctx: Ctx) -> dict[str, Any]:
    return service.jwks(ctx)


@router.get("/me", summary="My profile (my ID number unmasked)")
async def get_me(user: CurrentUser, ctx: Ctx) -> Me:
    return await service.get_me(ctx, user)


@router.patch("/me", summary="Update my display name and preferences")
async def update_me(body: UpdateMeRequest, user: CurrentUser, ctx: Ctx) -> Me:
    return await service.update_me(ctx, user, body)


@router.post("/organizations", status_code=201, summary="Register an organization")
async def create_organization(body: CreateOrganizationRequest, user: CurrentUser,
                              ctx: Ctx) -> OrganizationStatus:
    return await service.register_organization(ctx, user, body)


@router.post("/organizations/{organization_id}/approve", summary="Approve an organization")
async def approve_organization(organization_id: str, admin: PlatformAdmin,
                               ctx: Ctx) -> OrganizationStatus:
    return await service.approve_organization(ctx, admin, organization_id)


@router.post("/organizations/{organization_id}/members", status_code=201,
             summary="Add a registered user as an administrator of the organization")
async def add_member(organization_id: str, body: AddMemberRequest, user: CurrentUser,
                     ctx: Ctx) -> Membership:
    return await service.add_member(ctx, user, organization_id, body)
