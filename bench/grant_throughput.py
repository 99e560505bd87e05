"""Grant throughput benchmark (SPEC §5 "Performance"): prints plain-text tables.

    python -m bench.grant_throughput [--volunteers 200 500] [--broker rabbitmq|memory]
                                     [--ledger-growth 0 5000] [--server uvicorn|inprocess]

One run measures, on servers it starts itself (a SecantusDB child process, and the real RabbitMQ
under a unique queue prefix and exchange, both removed at the end):

1. the raw capacity of those servers: SecantusDB ``insert_one``, ``insert_many``, indexed
   ``find_one`` and two-insert transactions; RabbitMQ publish with confirms and consume;
2. end-to-end grant throughput: ``POST /projects/{id}/complete`` for N approved volunteers until
   every ledger entry, totals document and inbox item exists, with latency percentiles per stage;
3. how that changes as the hours ledger grows (pre-filled with realistic entries);
4. API latency under concurrent load on the read routes.

Each system figure is printed beside the raw figure it depends on, with their ratio. The tables
are also written as JSON under ``bench/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from asgi_lifespan import LifespanManager
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from services.embedded import create_embedded_app
from services.hours.rules import grant_key
from shared.bus import RabbitBus
from shared.bus.rabbitmq import QUORUM, delete_topology
from shared.embedded_db import EmbeddedMongo, _die_with_parent, free_port
from shared.events import Envelope, new_id
from shared.logging import configure_logging
from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
SERVICE_QUEUES = ("identity", "projects", "hours", "notifications")
RAW_QUEUE = "raw"
RAW_EVENT_TYPE = "BenchRawProbe"
ADMIN_PASSWORD = "bench-admin-password"
FIXED_HOURS = "3"
CONCURRENCY = 16  # as many as one consumer's handlers run at once (BUS_CONCURRENCY default)
INSERT_MANY_BATCH = 500  # records per ProjectCompleted part (MAX_RECORDS_PER_MESSAGE)
PUBLISH_BATCH = 100
PERCENTS = (50, 95, 99, 100)

Doc = dict[str, Any]
Mongo = AsyncMongoClient[Doc]


# --- small helpers -------------------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fmt(value: float | int | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def ratio(system: float | None, raw: float | None) -> str:
    if not system or not raw or math.isnan(system) or math.isnan(raw):
        return "n/a"
    return f"{system / raw:.1%}"


def render_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                 notes: Sequence[str] = ()) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "-" * len(line(headers))
    out = [title, rule, line(headers), rule, *(line(r) for r in rows), rule]
    out += [f"  {n}" for n in notes]
    return "\n".join(out)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- test data (the shapes tests/factories.py makes; copied so bench/ does not import tests) --

_mobiles = iter(range(random.randrange(10_000_000, 80_000_000), 99_999_999))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def mobile() -> str:
    return f"139{next(_mobiles):08d}"


def resident_id(birth: date) -> str:
    body = f"110105{birth:%Y%m%d}{random.randrange(100, 999):03d}"
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def credit_code() -> str:
    body = "911101085" + "".join(random.choice(_CREDIT_CHARS[:10]) for _ in range(8))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]


def registration(real_name: str = "张三") -> Doc:
    return {
        "mobile": mobile(), "password": "correct horse battery", "real_name": real_name,
        "id_type": "resident_id", "id_number": resident_id(date(1995, 6, 15)),
        "display_name": "小张",
        "preferences": {"service_areas": ["海淀区"], "categories": ["社区服务"],
                        "industries": ["教育"]},
    }


def project_body(organization_id: str, capacity: int) -> Doc:
    starts = datetime.fromisoformat("2026-11-20T09:00:00+08:00")
    return {
        "organization_id": organization_id, "title": "社区图书角整理",
        "description": "整理社区图书角，协助读者借还书。", "category": "社区服务",
        "service_area": "海淀区", "industry": "教育", "address": "北京市海淀区中关村大街1号",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=4)).isoformat(),
        "positions": [{"name": "图书整理员", "capacity": capacity,
                       "hours_rule": {"type": "fixed", "hours": FIXED_HOURS}}],
    }


def ledger_doc(volunteer_id: str, project_id: str, position_id: str, day: date,
               minutes: int = 180) -> Doc:
    """A ledger entry shaped like ``services.hours.service.grant`` writes."""
    return {
        "_id": new_id(), "key": grant_key(volunteer_id, project_id, position_id, day),
        "volunteer_id": volunteer_id, "project_id": project_id, "position_id": position_id,
        "organization_id": "bench-org", "project_title": "社区图书角整理",
        "service_date": day.isoformat(), "minutes": minutes, "source": "project_completion",
        "evaluation": {"punctuality": 5, "attitude": 5, "professionalism": 4,
                       "comment": "认真负责"},
        "note": None, "recorded_by": "bench-staff", "recorded_at": datetime.now(UTC),
    }


def ledger_history(volunteer_id: str, entries: int) -> tuple[list[Doc], Doc]:
    """``entries`` past ledger entries of one volunteer and the totals document they make."""
    docs = [ledger_doc(volunteer_id, f"past-{new_id()[:12]}", "pos",
                       date(2024, 1, 1) + timedelta(days=i * 7), minutes=60 * (1 + i % 4))
            for i in range(entries)]
    years: dict[str, int] = {}
    for d in docs:
        years[d["service_date"][:4]] = years.get(d["service_date"][:4], 0) + d["minutes"]
    total = sum(years.values())
    return docs, {"_id": volunteer_id, "total_minutes": total, "years": years,
                  "star_level": 0}


# --- timing loops --------------------------------------------------------------------------

async def rate(op: Callable[[], Awaitable[int]], seconds: float, concurrency: int) -> Doc:
    """Run ``op`` (returns units done) from ``concurrency`` workers for ``seconds``."""
    latencies: list[float] = []
    units = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal units
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            done = await op()  # not `units += await op()`: that loses concurrent updates
            units += done
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"per_s": units / elapsed, "units": units, "ops": len(latencies),
            "in_flight": concurrency, "seconds": elapsed,
            "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000}


# --- 1. raw capacity -----------------------------------------------------------------------

async def raw_mongo(url: str, seconds: float) -> dict[str, Doc]:
    client: Mongo = AsyncMongoClient(url, tz_aware=True)
    db = client[f"bench_raw_{new_id()[:8]}"]
    results: dict[str, Doc] = {}
    try:
        for name in ("one", "many", "tx_a", "tx_b"):
            await db[name].create_index("key", unique=True)
            await db[name].create_index([("volunteer_id", ASCENDING),
                                         ("service_date", ASCENDING)])
        day = date(2026, 11, 20)

        async def insert_one() -> int:
            await db.one.insert_one(ledger_doc(new_id(), "p", "pos", day))
            return 1

        keys: list[str] = []

        async def insert_many() -> int:
            docs = [ledger_doc(new_id(), "p", "pos", day) for _ in range(INSERT_MANY_BATCH)]
            await db.many.insert_many(docs)
            keys.extend(d["key"] for d in docs)
            return len(docs)

        async def find_one() -> int:
            found = await db.many.find_one({"key": random.choice(keys)})
            assert found is not None
            return 1

        async def two_inserts(session: AsyncClientSession) -> None:
            await db.tx_a.insert_one(ledger_doc(new_id(), "p", "pos", day), session=session)
            await db.tx_b.insert_one({"_id": new_id(), "key": new_id(), "n": 1},
                                     session=session)

        async def transaction() -> int:
            async with client.start_session() as session:
                await session.with_transaction(two_inserts)
            return 1

        results["insert_one"] = await rate(insert_one, seconds, CONCURRENCY)
        results["insert_many"] = await rate(insert_many, seconds, 1)
        results["find_one"] = await rate(find_one, seconds, CONCURRENCY)
        results["transaction"] = await rate(transaction, seconds, CONCURRENCY)
    finally:
        with contextlib.suppress(Exception):
            await client.drop_database(db.name)
        await client.close()
    return results


def probe_envelope() -> Envelope:
    """An envelope the size of a HoursGranted."""
    return Envelope(type=RAW_EVENT_TYPE, producer="bench", correlation_id=new_id(), data={
        "entry_id": new_id(), "volunteer_id": new_id(), "project_id": new_id(),
        "position_id": new_id(), "project_title": "社区图书角整理", "service_date": "2026-11-20",
        "minutes": 180, "source": "project_completion", "total_minutes": 180,
        "year_minutes": 180})


async def raw_rabbit(url: str, exchange: str, queue: str, seconds: float) -> dict[str, Doc]:
    bus = RabbitBus(url, exchange=exchange)
    await bus.start()
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PUBLISH_BATCH)
        topic = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC,
                                               durable=True)
        declared = await channel.declare_queue(queue, durable=True, arguments=QUORUM)
        await declared.bind(topic, routing_key=RAW_EVENT_TYPE)
        batch = [probe_envelope() for _ in range(PUBLISH_BATCH)]

        async def publish() -> int:
            await bus.publish(batch)
            return len(batch)

        published = await rate(publish, seconds, 1)
        published["in_flight"] = PUBLISH_BATCH
        expected = published["units"]
        received = 0
        done = asyncio.Event()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received >= expected:
                done.set()

        started = time.perf_counter()
        tag = await declared.consume(on_message, no_ack=False)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout=120)
        elapsed = time.perf_counter() - started
        await declared.cancel(tag)
        consumed = {"per_s": received / elapsed, "units": received, "ops": received,
                    "in_flight": PUBLISH_BATCH, "seconds": elapsed,
                    "p50_ms": math.nan, "p99_ms": math.nan}
        await channel.queue_delete(queue)
    finally:
        await bus.close()
        await connection.close()
    return {"publish": published, "consume": consumed}


# --- the system under test -----------------------------------------------------------------

def _env_value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


@asynccontextmanager
async def running_system(server: str, values: Doc, workdir: Path
                         ) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded app (all four services), and an HTTP client talking to it."""
    if server == "inprocess":
        app = create_embedded_app(Settings(**values))
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                         timeout=120) as client:
                yield client
        return

    port = free_port()
    env = dict(os.environ)
    for key, value in values.items():
        env.pop(key.upper(), None)
        if value is not None:
            env[key.upper()] = _env_value(value)
    env.update(HTTP_HOST="127.0.0.1", HTTP_PORT=str(port))
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "services"], cwd=ROOT, env=env, stdout=log_file,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    try:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                     limits=limits) as client:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{tail}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not become ready in 60 s")
                await asyncio.sleep(0.2)
            yield client
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 30)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)


async def ok(response: httpx.Response, status: int = 200) -> Doc:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path} -> "
                           f"{response.status_code}: {response.text[:500]}")
    body: Doc = response.json()
    return body


async def login(client: httpx.AsyncClient, mobile_no: str, password: str) -> str:
    body = await ok(await client.post("/api/v1/auth/login",
                                      json={"mobile": mobile_no, "password": password}))
    return str(body["access_token"])


async def register(client: httpx.AsyncClient, real_name: str = "张三"
                   ) -> tuple[str, str, Doc]:
    body = registration(real_name)
    created = await ok(await client.post("/api/v1/auth/register", json=body), 201)
    return str(created["id"]), await login(client, body["mobile"], body["password"]), body


@dataclass
class Organization:
    id: str
    staff_token: str
    approval_seen: bool = False


async def approved_organization(client: httpx.AsyncClient, admin_mobile: str) -> Organization:
    _, staff_token, staff = await register(client, real_name="李四")
    org = await ok(await client.post("/api/v1/organizations", headers=auth(staff_token), json={
        "name": "海淀区阳光志愿服务队", "credit_code": credit_code(), "district": "海淀区",
        "contact_name": "李四", "contact_mobile": staff["mobile"]}), 201)
    admin_token = await login(client, admin_mobile, ADMIN_PASSWORD)
    await ok(await client.post(f"/api/v1/organizations/{org['id']}/approve",
                               headers=auth(admin_token)))
    staff_token = await login(client, staff["mobile"], staff["password"])  # now with the org
    return Organization(str(org["id"]), staff_token)


async def published_project(client: httpx.AsyncClient, org: Organization, capacity: int
                            ) -> tuple[str, str]:
    """A published project; the first waits until projects has seen the org's approval."""
    project = await ok(await client.post("/api/v1/projects", headers=auth(org.staff_token),
                                         json=project_body(org.id, capacity)), 201)
    deadline = time.monotonic() + 30
    while True:
        r = await client.post(f"/api/v1/projects/{project['id']}/publish",
                              headers=auth(org.staff_token))
        if r.status_code == 200:
            break
        if r.status_code != 409 or time.monotonic() > deadline:
            raise RuntimeError(f"publish -> {r.status_code}: {r.text[:300]}")
        await asyncio.sleep(0.05)
    org.approval_seen = True
    return str(project["id"]), str(project["positions"][0]["id"])


# --- 2./3. end-to-end grants ---------------------------------------------------------------

@dataclass
class Databases:
    projects: Any
    hours: Any
    notifications: Any


async def grow_ledger(dbs: Databases, filler: int, target: int) -> int:
    """Top the ledger's filler entries (other volunteers, 10 each, with totals) up to target."""
    per_volunteer = 10
    while filler < target:
        entries: list[Doc] = []
        totals: list[Doc] = []
        while len(entries) < min(1000, target - filler):
            docs, total = ledger_history(f"filler-{new_id()[:16]}",
                                         min(per_volunteer, target - filler - len(entries)))
            entries.extend(docs)
            totals.append(total)
        await dbs.hours.ledger.insert_many(entries, ordered=False)
        await dbs.hours.totals.insert_many(totals, ordered=False)
        filler += len(entries)
    return filler


async def complete_and_wait(client: httpx.AsyncClient, dbs: Databases, org: Organization,
                            n: int, poll_s: float, timeout: float) -> Doc:
    """Complete a project with n approved volunteers; time ledger, totals and inbox."""
    project_id, position_id = await published_project(client, org, capacity=n)
    run = new_id()[:10]
    volunteers = [f"bench-{run}-{i:06d}" for i in range(n)]
    await dbs.projects.enrollments.insert_many([
        {"_id": new_id(), "project_id": project_id, "position_id": position_id,
         "volunteer_id": v, "status": "approved", "created_at": datetime.now(UTC)}
        for v in volunteers])
    ledger_before = await dbs.hours.ledger.count_documents({})
    body = {"evaluations": [{"volunteer_id": v, "attended": True, "punctuality": 5,
                             "attitude": 5, "professionalism": 4, "comment": "认真负责"}
                            for v in volunteers]}
    # Cheap probes only: SecantusDB answers `$in` over hundreds of ids by scanning, which
    # would load the server under test. The ledger is counted on its project_id index; the
    # inbox through notifications' processed-event records (``inbox``, indexed handled_at),
    # written in the same transaction as each notice. Exact counts are checked at the end.
    since = datetime.now(UTC)
    counts = {
        "ledger": lambda: dbs.hours.ledger.count_documents({"project_id": project_id}),
        "inbox": lambda: dbs.notifications.inbox.count_documents(
            {"handled_at": {"$gte": since}}),
    }
    thresholds = {p: max(1, math.ceil(p / 100 * n)) for p in PERCENTS}
    marks: dict[str, dict[int, float]] = {stage: {} for stage in counts}
    poll_latencies: list[float] = []

    t0 = time.perf_counter()

    async def complete() -> tuple[httpx.Response, float]:
        response = await client.post(f"/api/v1/projects/{project_id}/complete",
                                     headers={**auth(org.staff_token),
                                              "X-Request-ID": f"bench-{run}"}, json=body)
        return response, time.perf_counter() - t0

    request = asyncio.create_task(complete())
    stages = ["ledger", "inbox"]  # the inbox follows the ledger, so poll it only then
    while stages and time.perf_counter() - t0 < timeout:
        stage = stages[0]
        asked = time.perf_counter()
        count = await counts[stage]()
        now = time.perf_counter()
        poll_latencies.append(now - asked)
        for p, needed in thresholds.items():
            if count >= needed and p not in marks[stage]:
                marks[stage][p] = now - t0
        if count >= n:
            stages.remove(stage)
            continue
        if request.done() and request.exception() is not None:
            break
        await asyncio.sleep(poll_s)
    response, http_s = await request
    await ok(response, 202)
    completion = response.json()
    final = {
        "ledger": await dbs.hours.ledger.count_documents({"project_id": project_id}),
        "totals": await dbs.hours.totals.count_documents({"_id": {"$in": volunteers}}),
        "inbox": await dbs.notifications.notices.count_documents(
            {"user_id": {"$in": volunteers}, "type": "hours_granted"}),
    }
    inbox_done = marks["inbox"].get(100)
    ledger_done = marks["ledger"].get(100)
    events = n + int(completion["messages"])  # HoursGranted per entry + ProjectCompleted parts
    return {
        "volunteers": n, "ledger_before": ledger_before, "http_complete_s": http_s,
        "messages": completion["messages"],
        "complete": not stages and all(c == n for c in final.values()),
        "final_counts": final, "marks_s": {s: {str(p): t for p, t in m.items()}
                                           for s, m in marks.items()},
        "grants_per_s": n / inbox_done if inbox_done else None,
        "events_per_s": events / inbox_done if inbox_done else None,
        "ledger_entries_per_s": n / ledger_done if ledger_done else None,
        "inbox_drain_per_s": (n / (inbox_done - ledger_done)
                              if inbox_done and ledger_done and inbox_done > ledger_done
                              else None),
        "poll_query_ms_mean": (sum(poll_latencies) / len(poll_latencies) * 1000
                               if poll_latencies else None),
    }


# --- 4. API latency under load -------------------------------------------------------------

async def api_load(client: httpx.AsyncClient, tokens: Sequence[str], project_id: str,
                   clients: int, seconds: float) -> dict[str, Doc]:
    routes = ["GET /api/v1/hours/me", "GET /api/v1/hours/me/records",
              "GET /api/v1/projects/{id}"]
    paths = ["/api/v1/hours/me", "/api/v1/hours/me/records", f"/api/v1/projects/{project_id}"]
    latencies: dict[str, list[float]] = {r: [] for r in routes}
    errors: dict[str, int] = dict.fromkeys(routes, 0)
    deadline = time.perf_counter() + seconds

    async def worker(number: int) -> None:
        i = number
        while time.perf_counter() < deadline:
            k = i % len(routes)
            started = time.perf_counter()
            try:
                response = await client.get(paths[k],
                                            headers=auth(tokens[(i // 3) % len(tokens)]))
                failed = response.status_code != 200
            except httpx.HTTPError:
                failed = True
            latencies[routes[k]].append(time.perf_counter() - started)
            errors[routes[k]] += failed
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in range(clients)))
    elapsed = time.perf_counter() - started
    result: dict[str, Doc] = {}
    everything: list[float] = []
    for route in routes:
        values = latencies[route]
        everything += values
        result[route] = {"requests": len(values), "per_s": len(values) / elapsed,
                         "errors": errors[route], **{f"p{p}_ms": percentile(values, p) * 1000
                                                     for p in (50, 95, 99)}}
    result["all routes"] = {"requests": len(everything), "per_s": len(everything) / elapsed,
                            "errors": sum(errors.values()),
                            **{f"p{p}_ms": percentile(everything, p) * 1000
                               for p in (50, 95, 99)}}
    return result


# --- the run -------------------------------------------------------------------------------

@dataclass
class Options:
    volunteers: list[int]
    broker: str
    ledger_growth: list[int]
    server: str
    api_clients: int
    api_seconds: float
    api_volunteers: int
    raw_seconds: float
    poll_ms: float
    timeout: float
    amqp_url: str


async def run(opts: Options) -> Doc:
    tag = uuid.uuid4().hex[:10]
    workdir = Path(tempfile.mkdtemp(prefix="bench-grant-"))
    rabbit = opts.broker == "rabbitmq"
    admin_mobile = mobile()
    values: Doc = {
        "mongo_url": None, "amqp_url": opts.amqp_url if rabbit else None,
        "mongo_db_prefix": f"bench{tag}_", "queue_prefix": f"bench.{tag}.",
        "events_exchange": f"bench.{tag}.events", "admin_mobile": admin_mobile,
        "admin_password": ADMIN_PASSWORD, "log_level": "WARNING", "log_format": "json",
        "data_dir": workdir / "data",
    }
    retry_delays = list(Settings().bus_retry_delays_ms)
    result: Doc = {"started_at": datetime.now(UTC).isoformat(), "options": vars(opts),
                   "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                               "platform": platform.platform()}}
    mongo = EmbeddedMongo("secantusd-py", workdir / "mongo")
    try:
        values["mongo_url"] = url = await mongo.start()
        print(f"SecantusDB pid {mongo.process.pid if mongo.process else '?'} at {url}; "
              f"broker {opts.broker}; server {opts.server}", flush=True)
        print("measuring raw capacity ...", flush=True)
        raw: Doc = {"mongo": await raw_mongo(url, opts.raw_seconds)}
        if rabbit:
            raw["rabbitmq"] = await raw_rabbit(opts.amqp_url, values["events_exchange"],
                                               f"{values['queue_prefix']}{RAW_QUEUE}",
                                               opts.raw_seconds)
        result["raw"] = raw
        print("starting the platform ...", flush=True)
        async with running_system(opts.server, values, workdir) as client:
            store: Mongo = AsyncMongoClient(url, tz_aware=True)
            try:
                result.update(await scenario(client, store, opts, values, admin_mobile))
            finally:
                await store.close()
    finally:
        if rabbit:
            with contextlib.suppress(Exception):
                await delete_topology(
                    opts.amqp_url, values["events_exchange"],
                    [f"{values['queue_prefix']}{q}" for q in (*SERVICE_QUEUES, RAW_QUEUE)],
                    retry_delays)
        await mongo.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


async def scenario(client: httpx.AsyncClient, store: Mongo, opts: Options, values: Doc,
                   admin_mobile: str) -> Doc:
    prefix = values["mongo_db_prefix"]
    dbs = Databases(store[f"{prefix}projects"], store[f"{prefix}hours"],
                    store[f"{prefix}notifications"])
    org = await approved_organization(client, admin_mobile)
    api_project, _ = await published_project(client, org, capacity=10)
    print(f"registering {opts.api_volunteers} volunteers for the API load ...", flush=True)
    tokens: list[str] = []
    for _ in range(opts.api_volunteers):
        volunteer_id, token, _ = await register(client)
        tokens.append(token)
        docs, totals = ledger_history(volunteer_id, 30)
        await dbs.hours.ledger.insert_many(docs)
        await dbs.hours.totals.insert_one(totals)

    grants: list[Doc] = []
    api: list[Doc] = []
    filler = 0
    for level in sorted(opts.ledger_growth):
        filler = await grow_ledger(dbs, filler, level)
        for n in opts.volunteers:
            print(f"ledger filler {level:,}: completing a project with {n} volunteers ...",
                  flush=True)
            measured = await complete_and_wait(client, dbs, org, n, opts.poll_ms / 1000,
                                               opts.timeout)
            grants.append({"ledger_growth": level, **measured})
        ledger_size = await dbs.hours.ledger.count_documents({})
        print(f"ledger {ledger_size:,} entries: API load, {opts.api_clients} clients for "
              f"{opts.api_seconds:g} s ...", flush=True)
        api.append({"ledger_growth": level, "ledger_entries": ledger_size,
                    "routes": await api_load(client, tokens, api_project, opts.api_clients,
                                             opts.api_seconds)})
    return {"grants": grants, "api": api}


def report(result: Doc, elapsed: float) -> str:
    opts = result["options"]
    raw = result["raw"]
    mongo = raw["mongo"]
    rabbit = raw.get("rabbitmq")
    publish_rate = rabbit["publish"]["per_s"] if rabbit else None
    consume_rate = rabbit["consume"]["per_s"] if rabbit else None
    in_process = opts["server"] == "inprocess"

    raw_rows = [
        ["SecantusDB", "insert_one (ledger doc)", "docs/s", mongo["insert_one"]],
        ["SecantusDB", f"insert_many ({INSERT_MANY_BATCH}/batch)", "docs/s",
         mongo["insert_many"]],
        ["SecantusDB", "find_one (unique index)", "ops/s", mongo["find_one"]],
        ["SecantusDB", "transaction (2 inserts)", "tx/s", mongo["transaction"]],
    ]
    if rabbit:
        raw_rows += [["RabbitMQ", "publish, confirms (quorum)", "msgs/s", rabbit["publish"]],
                     ["RabbitMQ", "consume + ack (prefetch 100)", "msgs/s", rabbit["consume"]]]
    tables = [render_table(
        "1. Raw capacity of the same servers, measured in this run",
        ["server", "operation", "in flight", "rate", "unit", "p50 ms", "p99 ms"],
        [[s, op, str(m["in_flight"]), fmt(m["per_s"], 0), unit, fmt(m["p50_ms"], 2),
          fmt(m["p99_ms"], 2)] for s, op, unit, m in raw_rows],
        [f"~{opts['raw_seconds']:g} s each; SecantusDB is a child process with on-disk "
         "storage, client with retryWrites=false (same URL the platform uses).",
         "RabbitMQ: shared.bus.RabbitBus.publish in batches of 100 (all in flight, confirms);"
         " consume drains what was published." if rabbit else
         "RabbitMQ not measured: --broker memory (the in-process bus has no raw figure)."])]

    grant_rows = []
    for g in result["grants"]:
        marks = g["marks_s"]
        grant_rows.append([
            fmt(g["ledger_before"]), fmt(g["volunteers"]),
            fmt(g["http_complete_s"] * 1000, 0),
            *(fmt(marks["ledger"].get(str(p)), 2) for p in PERCENTS),
            *(fmt(marks["inbox"].get(str(p)), 2) for p in PERCENTS),
            "/".join(str(g["final_counts"][k]) for k in ("ledger", "totals", "inbox"))
            + ("" if g["complete"] else " INCOMPLETE")])
    tables.append(render_table(
        "2. End-to-end grant latency: seconds from POST /complete until p% of entries exist",
        ["ledger before", "N", "POST ms", "ledger p50", "p95", "p99", "p100",
         "inbox p50", "p95", "p99", "p100", "ledger/totals/inbox"],
        grant_rows,
        ["N approved enrolments are seeded directly into projects.enrollments (fake volunteer"
         " ids, status approved): registering N volunteers over HTTP (argon2) is too slow.",
         "Each N uses a new published project created over the HTTP API (staff registered, "
         "organization approved by the bootstrap admin).",
         f"Counts polled every {opts['poll_ms']:g} ms from the bench's own MongoDB client "
         "(ledger by project_id until complete, then notifications' processed-event records,"
         " written in the same transaction as each inbox item); a mark is when the poll "
         "returned.",
         "One ProjectCompleted part (<= 500 records) is granted in one transaction, so the "
         "ledger percentiles coincide; totals commit in that same transaction.",
         "ledger/totals/inbox = exact counts checked after the run (ledger entries of the "
         "project, totals documents and hours_granted notices of its N volunteers).",
         "ledger before = all entries already in the ledger (filler + earlier rounds + the "
         "API volunteers' seeded entries)."]))

    tp_rows = []
    for g in result["grants"]:
        tp_rows.append([
            fmt(g["ledger_before"]), fmt(g["volunteers"]), fmt(g["grants_per_s"]),
            fmt(g["events_per_s"]), ratio(g["events_per_s"], publish_rate),
            ratio(g["events_per_s"], consume_rate),
            fmt(g["ledger_entries_per_s"]),
            ratio(g["ledger_entries_per_s"], mongo["insert_many"]["per_s"]),
            fmt(g["inbox_drain_per_s"]),
            ratio(g["inbox_drain_per_s"], mongo["transaction"]["per_s"]),
            fmt(g["poll_query_ms_mean"], 1)])
    tables.append(render_table(
        "3. Grant throughput beside the raw capacity (system / raw)",
        ["ledger before", "N", "grants/s", "events/s", "/publish", "/consume",
         "ledger/s", "/insert_many", "inbox/s", "/2-insert tx", "poll ms"],
        tp_rows,
        ["grants/s = N / time to 100% inbox (the end-to-end figure).",
         "events/s = (N HoursGranted + ProjectCompleted parts) / time to 100% inbox; "
         "beside RabbitMQ publish/consume msgs/s.",
         "ledger/s = N / time to 100% ledger (includes the POST, the outbox relay and one "
         "transaction per 500 records); beside raw insert_many docs/s.",
         "inbox/s = N / (time to 100% inbox - time to 100% ledger): notifications' drain "
         "rate, one inbox transaction per HoursGranted; beside raw two-insert tx/s.",
         "poll ms = mean time of one count query of the bench's poller (its load on the "
         "same SecantusDB)."]))

    api_rows = []
    find_rate = mongo["find_one"]["per_s"]
    for level in result["api"]:
        for route, m in level["routes"].items():
            api_rows.append([fmt(level["ledger_entries"]), route, fmt(m["requests"]),
                             fmt(m["per_s"]), fmt(m["p50_ms"]), fmt(m["p95_ms"]),
                             fmt(m["p99_ms"]), fmt(m["errors"]),
                             ratio(m["per_s"], find_rate) if route == "all routes" else ""])
    transport = ("in-process ASGITransport (no network, client and server share one event loop"
                 " and core)" if in_process else
                 "a separate uvicorn process (python -m services) over loopback HTTP/1.1, "
                 "keep-alive")
    tables.append(render_table(
        f"4. API latency under load: {opts['api_clients']} concurrent clients, "
        f"~{opts['api_seconds']:g} s per ledger size",
        ["ledger entries", "route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms",
         "errors", "/find_one"],
        api_rows,
        [f"Transport: {transport}.",
         f"{opts['api_volunteers']} volunteers registered over HTTP, each with 30 ledger "
         "entries seeded directly; clients rotate routes and volunteers.",
         "/find_one = all routes' req/s over the raw indexed find_one/s (each request makes "
         "1-2 queries plus JWT verification)."]))
    tables.append(f"Run time {elapsed:.1f} s (broker {opts['broker']}, server {opts['server']},"
                  f" {result['machine']['cpus']} CPUs, Python {result['machine']['python']}).")
    return "\n\n".join(tables)


def _jsonable(value: Any) -> Any:
    """NaN becomes null (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.grant_throughput",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--volunteers", type=int, nargs="+", default=[200, 500],
                        help="N volunteers per completed project (default: 200 500)")
    parser.add_argument("--broker", choices=["rabbitmq", "memory"], default="rabbitmq")
    parser.add_argument("--ledger-growth", type=int, nargs="+", default=[0, 5000],
                        help="filler ledger entries before each round (default: 0 5000)")
    parser.add_argument("--server", choices=["uvicorn", "inprocess"], default="uvicorn",
                        help="uvicorn: python -m services in its own process, over loopback; "
                        "inprocess: ASGITransport in this process")
    parser.add_argument("--api-clients", type=int, default=20)
    parser.add_argument("--api-seconds", type=float, default=10.0)
    parser.add_argument("--api-volunteers", type=int, default=5)
    parser.add_argument("--raw-seconds", type=float, default=2.5)
    parser.add_argument("--poll-ms", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="give up waiting for one completion after this many seconds")
    parser.add_argument("--amqp-url", default=os.environ.get("BENCH_AMQP_URL",
                                                             DEFAULT_AMQP_URL))
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.volunteers) or any(g < 0 for g in args.ledger_growth):
        parser.error("--volunteers must be >= 1 and --ledger-growth >= 0")
    return Options(volunteers=args.volunteers, broker=args.broker,
                   ledger_growth=sorted(set(args.ledger_growth)), server=args.server,
                   api_clients=args.api_clients, api_seconds=args.api_seconds,
                   api_volunteers=args.api_volunteers, raw_seconds=args.raw_seconds,
                   poll_ms=args.poll_ms, timeout=args.timeout, amqp_url=args.amqp_url)


async def main_async(opts: Options) -> Doc:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    return await run(opts)


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    configure_logging(Settings(log_level="WARNING", log_format="console"), embedded=True)
    started = time.perf_counter()
    result = asyncio.run(main_async(opts))
    elapsed = time.perf_counter() - started
    result["elapsed_s"] = elapsed
    text = report(result, elapsed)
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"grant_throughput-{datetime.now():%Y%m%d-%H%M%S}-{opts.broker}.json"
    path.write_text(json.dumps(_jsonable(result), indent=2, default=str, ensure_ascii=False)
                    + "\n")
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
