"""Identity's request and response bodies (SPEC §4.1 field names are the contract).

Structure and sizes are checked here (422 ``validation_error``); domain rules with their own
stable codes (mobile format, ID check digit, districts ...) are checked in ``rules.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.identity.rules import IdType

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
MobileIn = Annotated[str, StringConstraints(min_length=1, max_length=32)]
PasswordIn = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PreferencesBody(Request):
    service_areas: list[Label] = Field(default_factory=list, max_length=16)
    categories: list[Label] = Field(default_factory=list, max_length=50)
    industries: list[Label] = Field(default_factory=list, max_length=50)


class Guardian(Request):
    name: Name
    mobile: MobileIn


class RegisterRequest(Request):
    mobile: MobileIn
    password: PasswordIn
    real_name: Name
    id_type: IdType
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    display_name: Name
    preferences: PreferencesBody = Field(default_factory=PreferencesBody)
    guardian: Guardian | None = None
    birth_date: date | None = Field(
        default=None, description="Required for ID documents other than resident_id.")


class RegisterResponse(BaseModel):
    id: str
    volunteer_no: str


class LoginRequest(Request):
    mobile: MobileIn
    password: PasswordIn


class RefreshRequest(Request):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class GuardianOut(BaseModel):
    name: str
    mobile: str


class Preferences(BaseModel):
    service_areas: list[str] = []
    categories: list[str] = []
    industries: list[str] = []


class Me(BaseModel):
    """The caller's own profile: the only place their ID number is shown unmasked."""

    id: str
    mobile: str
    roles: list[str]
    organization_ids: list[str]
    volunteer_no: str | None = None
    display_name: str | None = None
    real_name: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    id_number_masked: str | None = None
    birth_date: date | None = None
    preferences: Preferences = Preferences()
    guardian: GuardianOut | None = None
    created_at: datetime


class UpdateMeRequest(Request):
    display_name: Name | None = None
    preferences: PreferencesBody | None = None


class CreateOrganizationRequest(Request):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    credit_code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    district: Label
    contact_name: Name
    contact_mobile: MobileIn


class OrganizationStatus(BaseModel):
    id: str
    status: Literal["pending", "approved"]


class AddMemberRequest(Request):
    mobile: MobileIn


class Membership(BaseModel):
    organization_id: str
    user_id: str
    role: Literal["org_admin"] = "org_admin"
