"""Identity's domain errors, each with its HTTP status and stable ``code`` (SPEC §4).

``shared.app`` turns them into ``{"code", "message"}`` JSON; routes never build errors by hand.
Messages never carry personal data (mobile or ID numbers).
"""

from __future__ import annotations

from shared.errors import PlatformError


class IdentityError(PlatformError):
    status = 400
    code = "identity_error"
    message = "The identity request could not be processed."


# --- registration (422) --------------------------------------------------------------------

class InvalidInput(IdentityError):
    status = 422


class InvalidMobile(InvalidInput):
    code = "invalid_mobile"
    message = "The mobile number must be a mainland China mobile number (11 digits)."


class WeakPassword(InvalidInput):
    code = "weak_password"
    message = "The password must have at least 8 characters."


class InvalidIdNumber(InvalidInput):
    code = "invalid_id_number"
    message = "The ID number does not have the format of its document type."


class InvalidIdCheckDigit(InvalidInput):
    code = "invalid_id_check_digit"
    message = "The resident ID number's check digit is wrong; please check the number."


class BirthDateRequired(InvalidInput):
    code = "birth_date_required"
    message = "A birth date is required for this ID document type."


class InvalidBirthDate(InvalidInput):
    code = "invalid_birth_date"
    message = "The birth date is not valid."


class TooYoung(InvalidInput):
    code = "too_young"
    message = "Volunteers must be at least 14 years old."


class GuardianRequired(InvalidInput):
    code = "guardian_required"
    message = "Volunteers under 18 need a guardian's consent (name and mobile)."


class InvalidServiceArea(InvalidInput):
    code = "invalid_service_area"
    message = "Service areas must be districts of Beijing."


class InvalidDistrict(InvalidInput):
    code = "invalid_district"
    message = "The district must be one of Beijing's 16 districts."


class InvalidCreditCode(InvalidInput):
    code = "invalid_credit_code"
    message = "The unified social credit code must have 18 valid characters."


class InvalidCreditCodeCheckChar(InvalidInput):
    code = "invalid_credit_code_check_char"
    message = "The unified social credit code's check character is wrong."


# --- conflicts (409) -----------------------------------------------------------------------

class IdentityConflict(IdentityError):
    status = 409


class MobileTaken(IdentityConflict):
    code = "mobile_taken"
    message = "An account with this mobile number already exists."


class IdNumberTaken(IdentityConflict):
    code = "id_number_taken"
    message = "An account with this ID document already exists."


class CreditCodeTaken(IdentityConflict):
    code = "credit_code_taken"
    message = "An organization with this unified social credit code already exists."


class AlreadyApproved(IdentityConflict):
    code = "already_approved"
    message = "The organization is already approved."


# --- authentication (401) / authorization (403) ----------------------------------------------

class InvalidCredentials(IdentityError):
    status = 401
    code = "invalid_credentials"
    message = "The mobile number or password is wrong."


class InvalidRefreshToken(IdentityError):
    status = 401
    code = "invalid_refresh_token"
    message = "The refresh token is invalid, expired or already used."


class NotOrganizationAdmin(IdentityError):
    status = 403
    code = "not_organization_admin"
    message = "Only this organization's administrators can do this."


# --- not found (404) ---------------------------------------------------------------------------

class OrganizationNotFound(IdentityError):
    status = 404
    code = "organization_not_found"
    message = "No such organization."


class UserNotFound(IdentityError):
    status = 404
    code = "user_not_found"
    message = "No registered user has this mobile number."
