"""Hours' use cases: the only place that writes the ledger and totals.

Every grant goes through :func:`grant`: it refuses a second entry for the same grant key,
appends the entries, adds them to the volunteer's totals, and emits HoursGranted (and
StarLevelReached when a level is crossed), all in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from services.hours import rules, store
from shared.events import (
    Evaluation,
    HoursGranted,
    HoursSource,
    ProjectCompleted,
    StarLevelReached,
    new_id,
    utcnow,
)
from shared.logging import get_logger
from shared.mongo import Document
from shared.outbox import Tx
from shared.runtime import ServiceContext

log = get_logger("hours")


@dataclass(frozen=True)
class Grant:
    volunteer_id: str
    project_id: str
    position_id: str
    service_date: date
    minutes: int
    source: HoursSource
    recorded_by: str
    organization_id: str
    project_title: str = ""
    evaluation: Evaluation | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        return rules.grant_key(self.volunteer_id, self.project_id, self.position_id,
                               self.service_date)


@dataclass(frozen=True)
class GrantResult:
    granted: list[Document]
    refused_keys: list[str]


async def grant(ctx: ServiceContext, tx: Tx, grants: list[Grant]) -> GrantResult:
    """Append ledger entries for ``grants`` (zero-minute ones are skipped) in ``tx``."""
    wanted = [g for g in grants if g.minutes > 0]
    if not wanted:
        return GrantResult([], [])
    taken = await store.existing_keys(tx.db, [g.key for g in wanted], tx.session)
    now = utcnow()
    entries: list[Document] = []
    refused: list[str] = []
    seen: set[str] = set()
    for g in wanted:
        if g.key in taken or g.key in seen:
            refused.append(g.key)
            continue
        seen.add(g.key)
        entries.append({
            "_id": new_id(), "key": g.key, "volunteer_id": g.volunteer_id,
            "project_id": g.project_id, "position_id": g.position_id,
            "organization_id": g.organization_id, "project_title": g.project_title,
            "service_date": g.service_date.isoformat(), "minutes": g.minutes,
            "source": g.source, "evaluation": g.evaluation.model_dump() if g.evaluation else None,
            "note": g.note, "recorded_by": g.recorded_by, "recorded_at": now,
        })
    if not entries:
        return GrantResult([], refused)
    await store.insert_entries(tx.db, entries, tx.session)

    by_volunteer: dict[str, list[Document]] = defaultdict(list)
    added: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        by_volunteer[entry["volunteer_id"]].append(entry)
        added[entry["volunteer_id"]][entry["service_date"][:4]] += entry["minutes"]
    all_totals = await store.add_to_totals(
        tx.db, {v: dict(by_year) for v, by_year in added.items()}, tx.session)
    star_hours = ctx.settings.star_level_hours
    new_levels: dict[str, int] = {}
    for volunteer_id, own in by_volunteer.items():
        by_year = added[volunteer_id]
        totals = all_totals[volunteer_id]
        running_total = totals["total_minutes"] - sum(by_year.values())
        running_year = {y: totals["years"][y] - m for y, m in by_year.items()}
        for entry in own:
            year = entry["service_date"][:4]
            running_total += entry["minutes"]
            running_year[year] += entry["minutes"]
            tx.emit(HoursGranted(
                entry_id=entry["_id"], volunteer_id=volunteer_id,
                project_id=entry["project_id"], position_id=entry["position_id"],
                project_title=entry["project_title"],
                service_date=date.fromisoformat(entry["service_date"]),
                minutes=entry["minutes"], source=entry["source"],
                total_minutes=running_total, year_minutes=running_year[year]))
        level = rules.star_level(totals["total_minutes"], star_hours)
        if level > totals.get("star_level", 0):
            new_levels[volunteer_id] = level
            tx.emit(StarLevelReached(volunteer_id=volunteer_id, star_level=level,
                                     total_minutes=totals["total_minutes"]))
    await store.set_star_levels(tx.db, new_levels, tx.session)
    return GrantResult(entries, refused)


async def grant_completion(ctx: ServiceContext, tx: Tx, event: ProjectCompleted) -> GrantResult:
    """ProjectCompleted → one ledger entry per attended service record."""
    result = await grant(ctx, tx, [
        Grant(volunteer_id=r.volunteer_id, project_id=event.project_id,
              position_id=r.position_id, service_date=r.service_date, minutes=r.minutes,
              source="project_completion", recorded_by=event.completed_by,
              organization_id=event.organization_id, project_title=event.project_title,
              evaluation=r.evaluation)
        for r in event.records
    ])
    if result.refused_keys:
        log.warning("grants_refused_already_recorded", project_id=event.project_id,
                    refused=len(result.refused_keys))
    return result


async def summary(ctx: ServiceContext, volunteer_id: str, year: str) -> Document:
    totals = await store.totals_of(ctx.db, volunteer_id) or {}
    total = int(totals.get("total_minutes", 0))
    return {
        "total_minutes": total,
        "year": year,
        "year_minutes": int(totals.get("years", {}).get(year, 0)),
        "star_level": rules.star_level(total, ctx.settings.star_level_hours),
        "next_level_minutes": rules.next_level_minutes(total, ctx.settings.star_level_hours),
    }
