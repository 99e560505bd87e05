"""Projects' domain errors, each with its HTTP status and stable code."""

from __future__ import annotations

from shared.errors import PlatformError


class ProjectsError(PlatformError):
    pass


class ProjectNotFound(ProjectsError):
    status = 404
    code = "project_not_found"
    message = "No such project."


class PositionNotFound(ProjectsError):
    status = 422
    code = "position_not_found"
    message = "The project has no such position."


class EnrollmentNotFound(ProjectsError):
    status = 404
    code = "enrollment_not_found"
    message = "No such enrolment."


class NotOrganizationAdmin(ProjectsError):
    status = 403
    code = "not_organization_admin"
    message = "Only this organization's staff may do this."


class OrganizationNotApproved(ProjectsError):
    status = 409
    code = "organization_not_approved"
    message = "The organization is not approved yet."


class InvalidProjectState(ProjectsError):
    status = 409
    code = "invalid_project_state"
    message = "The project is not in a state that allows this."


class AlreadyCompleted(ProjectsError):
    status = 409
    code = "already_completed"
    message = "The project is already completed."


class AlreadyEnrolled(ProjectsError):
    status = 409
    code = "already_enrolled"
    message = "You are already enrolled in this project."


class PositionFull(ProjectsError):
    status = 409
    code = "position_full"
    message = "The position is full."


class CannotCreditSelf(ProjectsError):
    status = 403
    code = "cannot_credit_self"
    message = "Nobody may approve or credit their own service."


class EvaluationsIncomplete(ProjectsError):
    status = 422
    code = "evaluations_incomplete"
    message = "Every approved volunteer needs an attendance outcome and an evaluation."


class NotEnrolled(ProjectsError):
    status = 422
    code = "not_enrolled"
    message = "The volunteer has no approved enrolment in this project."


class InvalidTimes(ProjectsError):
    status = 422
    code = "invalid_times"
    message = "The times are not valid."
