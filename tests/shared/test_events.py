"""The event contracts: every event SPEC §2 names exists, is versioned, round-trips through the
wire format, tolerates unknown fields and carries hours as integer minutes."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from shared.events import CONTRACTS, Envelope, HoursGranted, ProjectCompleted

SPEC_EVENTS = {
    "VolunteerRegistered", "VolunteerProfileUpdated", "OrganizationRegistered",
    "OrganizationApproved", "WeChatBound", "ProjectPublished", "EnrollmentApproved",
    "EnrollmentCancelled", "ProjectCancelled", "ProjectCompleted", "HoursGranted",
    "HoursRevoked", "StarLevelReached", "CertificateIssued", "SelfReportReviewed",
    "AppealResolved",
}


def test_every_event_of_the_spec_has_a_versioned_contract() -> None:
    assert set(CONTRACTS) == SPEC_EVENTS
    assert all(c.VERSION >= 1 for c in CONTRACTS.values())


@pytest.mark.parametrize("name", sorted(SPEC_EVENTS))
def test_no_contract_carries_unmasked_personal_data_or_float_hours(name: str) -> None:
    fields = CONTRACTS[name].model_fields
    assert not {"mobile", "id_number", "real_name", "password"} & set(fields)
    for field_name, field in fields.items():
        assert field.annotation is not float, f"{name}.{field_name} is a float"
        if "minutes" in field_name:
            assert field.annotation is int or int in typing.get_args(field.annotation)


def test_envelope_round_trips_and_ignores_unknown_fields() -> None:
    granted = HoursGranted(entry_id="e", volunteer_id="v", project_id="p", position_id="x",
                           service_date="2026-11-20", minutes=90, source="hours_code",
                           total_minutes=90, year_minutes=90)
    envelope = Envelope(type=granted.TYPE, producer="hours", correlation_id="c",
                        data={**granted.model_dump(mode="json"), "added_in_v1_1": True})
    wire = envelope.model_dump_json()

    back = Envelope.model_validate_json(wire.replace('"producer"', '"future_field":1,"producer"'))
    event = HoursGranted.model_validate(back.data)

    assert back.id == envelope.id and back.occurred_at == envelope.occurred_at
    assert back.occurred_at.tzinfo is not None
    assert event == granted


def test_a_payload_that_breaks_the_contract_is_refused() -> None:
    with pytest.raises(ValidationError):
        ProjectCompleted.model_validate({"project_id": "p", "records": [{"minutes": -5}]})
    with pytest.raises(ValidationError):
        HoursGranted.model_validate({"entry_id": "e", "minutes": "ninety"})
