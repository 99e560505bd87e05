"""SPEC §5: bad input gets a clear 4xx, never a 500 or a stack trace; a fuzzer over the OpenAPI
document finds no server error.

schemathesis generates valid (positive) and invalid (negative) requests for every operation of
the embedded app's OpenAPI document (all four services), sent as: anonymous, a volunteer, an
organization's administrator, the platform administrator, and the organization's administrator
again with its own organization's and published project's ids in the path and body, so that
bodies get past "not found" / "not yours" into the use cases. The token endpoints
(``/api/v1/auth/``) ignore the caller and are fuzzed once, anonymously. Every response must be
below 500, every error a JSON ``{"code", "message"}``, and every response conform to the
documented schema and content type (``status_code_conformance`` is left out: FastAPI documents
only 2xx and 422, not the 401/403/404/409 errors every route has).

The app runs in-process on the session's event loop (its MongoDB client is bound to it): the
hypothesis loop runs in a worker thread and hands each request to the loop. Deterministic
(``derandomize``); no shrinking: every distinct failure is collected and reported with a curl
command to reproduce it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from services.embedded import SERVICES
from tests.conftest import SettingsFactory, running_app
from tests.factories import auth, mobile
from tests.system.scenes import ADMIN_PASSWORD, set_the_scene

MAX_EXAMPLES = 12  # per operation, caller and generation mode: the whole test stays under 60 s
BASE_URL = "http://testserver"
CALLER_BLIND = "/api/v1/auth/"  # operations that do not look at the caller
CHECKS = [
    not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]

# Generated date-times are often one of the ends of the calendar, with an offset: where a
# conversion to UTC or to the platform's time zone leaves datetime's range.
CALENDAR_ENDS = ["0001-01-01T00:00:00+01:00", "0001-01-01T23:59:59+08:00",
                 "9999-12-31T20:00:00-05:00", "9999-12-31T23:59:59+00:00"]
_offset = st.just("Z") | st.builds("{}{:02d}:{:02d}".format, st.sampled_from("+-"),
                                   st.integers(0, 23), st.integers(0, 59))
_time = st.builds("{:02d}:{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59),
                  st.integers(0, 59))
_days = st.dates(date(2000, 1, 2), date(2099, 12, 30)) | st.dates()  # mostly in projects' range
schemathesis.openapi.format("date-time", st.builds(
    "{}T{}{}".format, _days.map(str), _time, _offset) | st.sampled_from(CALENDAR_ENDS))


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    known_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Finding:
    caller: str
    operation: str
    status: int
    problem: str
    curl: str

    def __str__(self) -> str:
        return (f"[{self.caller}] {self.operation} -> {self.status}: {self.problem}\n"
                f"    {self.curl}")


def json_error_problem(response: httpx.Response) -> str | None:
    """Why an error response is not SPEC §4's JSON ``{"code", "message"}``, if it is not."""
    if response.status_code < 400:
        return None
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"error is not JSON: {response.headers.get('content-type')!r}"
    try:
        body = response.json()
    except ValueError:
        return "error body is not valid JSON"
    if not (isinstance(body, dict) and isinstance(body.get("code"), str)
            and isinstance(body.get("message"), str)):
        return f"error body lacks code/message: {str(body)[:200]}"
    return None


def httpx_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis' (requests-style) transport arguments, as httpx takes them. Header values
    go as bytes (latin-1, as on the wire), so odd ones are sent rather than refused."""
    arguments: dict[str, Any] = {
        "method": kwargs["method"], "url": kwargs["url"],
        "headers": {k: v.encode("latin-1") if isinstance(v, str) else v
                    for k, v in (kwargs.get("headers") or {}).items()},
        "params": kwargs.get("params"), "cookies": kwargs.get("cookies") or None,
    }
    if "json" in kwargs:
        arguments["content"] = json.dumps(kwargs["json"]).encode()
    elif isinstance(kwargs.get("data"), dict):
        arguments["data"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        arguments["content"] = kwargs["data"]
    return arguments


def fuzz(schema: Any, callers: list[Caller],
         send: Callable[[dict[str, Any]], httpx.Response]) -> tuple[list[Finding], int]:
    """Runs in a worker thread: every operation, caller and mode; returns (findings, requests)."""
    findings: dict[tuple[str, str, int, str], Finding] = {}
    sent = 0

    def fuzz_one(operation: Any, caller: Caller) -> None:
        names = set(re.findall(r"{(\w+)}", operation.path))
        fixed = {k: v for k, v in caller.known_ids.items() if k in names} or None
        strategy = st.one_of(*(
            operation.as_strategy(generation_mode=mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))

        @settings(max_examples=MAX_EXAMPLES * 2, derandomize=True, database=None,
                  deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: Any) -> None:
            nonlocal sent
            if isinstance(case.body, dict):
                case.body.update({k: v for k, v in caller.known_ids.items() if k in case.body})
            try:
                kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=caller.headers)
                response = send(httpx_arguments(kwargs))
            except (UnicodeEncodeError, httpx.InvalidURL, httpx.LocalProtocolError):
                return  # not expressible as an HTTP request: nothing to send
            sent += 1
            problems = []
            if problem := json_error_problem(response):
                problems.append(problem)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                problems.extend(f"{type(f).__name__}: {f.title}" for f in group.exceptions)
            for problem in problems:
                key = (caller.name, operation.label, response.status_code, problem)
                findings.setdefault(key, Finding(
                    caller.name, operation.label, response.status_code, problem,
                    case.as_curl_command(headers=caller.headers, base_url=BASE_URL)))

        run()

    for result in schema.get_all_operations():
        operation = result.ok()
        for caller in callers:
            if operation.path.startswith(CALLER_BLIND) and caller.headers:
                continue
            fuzz_one(operation, caller)
    return list(findings.values()), sent


async def callers_of(client: httpx.AsyncClient, admin_mobile: str) -> list[Caller]:
    """A volunteer, an approved organization's administrator (with a published project), and
    the platform administrator."""
    scene = await set_the_scene(client, admin_mobile)
    volunteer_token, staff_token, admin_token = (
        scene.volunteer_token, scene.staff_token, scene.admin_token)
    org_id, project_id = scene.organization_id, scene.project_id
    known = {"organization_id": org_id, "project_id": project_id}
    return [
        Caller("anonymous", {}),
        Caller("volunteer", auth(volunteer_token)),
        Caller("org_admin", auth(staff_token)),
        Caller("org_admin with own ids", auth(staff_token), known),
        Caller("platform_admin", auth(admin_token)),
    ]


async def test_fuzzing_every_operation_finds_no_server_error(
        make_settings: SettingsFactory) -> None:
    admin_mobile = mobile()
    settings = make_settings(rabbit=False, admin_mobile=admin_mobile,
                             admin_password=ADMIN_PASSWORD)
    async with running_app(SERVICES, settings) as (_, client):
        document = (await client.get("/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        callers = await callers_of(client, admin_mobile)
        loop = asyncio.get_running_loop()

        def send(arguments: dict[str, Any]) -> httpx.Response:
            future = asyncio.run_coroutine_threadsafe(client.request(**arguments), loop)
            return future.result(timeout=30)

        findings, sent = await asyncio.to_thread(fuzz, schema, callers, send)

    assert sent > 1000, f"only {sent} requests were sent"
    assert not findings, "\n" + "\n".join(map(str, findings))
