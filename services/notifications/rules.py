"""What each event tells whom: the zh-CN inbox texts. Pure functions, no I/O.

Texts carry no personal data beyond what the recipient already knows about themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import (
    AppealResolved,
    EnrollmentApproved,
    Event,
    HoursGranted,
    HoursRevoked,
    OrganizationApproved,
    ProjectCancelled,
    SelfReportReviewed,
    StarLevelReached,
)
from shared.units import minutes_to_hours


@dataclass(frozen=True)
class Notice:
    user_id: str
    type: str
    title: str
    body: str


def _h(minutes: int) -> str:
    return f"{minutes_to_hours(minutes)}"


def notices_for(event: Event) -> list[Notice]:
    match event:
        case HoursGranted():
            return [Notice(event.volunteer_id, "hours_granted", "志愿时长已到账",
                           f"您在「{event.project_title or '志愿项目'}」{event.service_date} "
                           f"的服务时长 {_h(event.minutes)} 小时已记录，"
                           f"累计 {_h(event.total_minutes)} 小时。")]
        case HoursRevoked():
            return [Notice(event.volunteer_id, "hours_revoked", "志愿时长已更正",
                           f"您的一条时长记录已更正（{_h(event.minutes)} 小时），"
                           f"原因：{event.reason}。"
                           f"当前累计 {_h(event.total_minutes)} 小时。")]
        case StarLevelReached():
            return [Notice(event.volunteer_id, "star_level_reached", "星级提升",
                           f"恭喜！您的累计志愿服务时长达到 {_h(event.total_minutes)} 小时，"
                           f"已成为{event.star_level}星级志愿者。")]
        case EnrollmentApproved():
            return [Notice(event.volunteer_id, "enrollment_approved", "报名已通过",
                           f"您报名的「{event.project_title}」已通过审核，请按时参加。")]
        case ProjectCancelled():
            return [Notice(v, "project_cancelled", "项目已取消",
                           f"您报名的「{event.title}」已取消，原因：{event.reason}。")
                    for v in event.volunteer_ids]
        case SelfReportReviewed():
            outcome = {"confirmed": "已确认", "reduced": "已部分确认", "declined": "未通过"}
            return [Notice(event.volunteer_id, "self_report_reviewed", "时长申报审核结果",
                           f"您申报的 {_h(event.reported_minutes)} 小时{outcome[event.outcome]}，"
                           f"计入 {_h(event.granted_minutes)} 小时。说明：{event.comment}")]
        case AppealResolved():
            verdict = "已更正" if event.outcome == "corrected" else "未予更正"
            return [Notice(event.volunteer_id, "appeal_resolved", "申诉处理结果",
                           f"您的时长申诉{verdict}。说明：{event.comment}")]
        case OrganizationApproved():
            return [Notice(u, "organization_approved", "组织审核通过",
                           f"您的组织「{event.name}」已通过审核，可以发布项目了。")
                    for u in event.admin_user_ids]
    return []


NOTIFYING_EVENTS: tuple[type[Event], ...] = (
    HoursGranted, HoursRevoked, StarLevelReached, EnrollmentApproved, ProjectCancelled,
    SelfReportReviewed, AppealResolved, OrganizationApproved,
)
