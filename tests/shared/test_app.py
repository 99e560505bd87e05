"""What every service's app gives its clients and operators: SPEC §4's JSON errors (never a
stack trace), request ids, readiness that follows the broker, and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter
from pydantic import BaseModel

from shared.runtime import ServiceContext, ServiceSpec, context_of
from tests.conftest import AMQP_URL, SettingsFactory, running_app
from tests.helpers import eventually
from tests.tcp_proxy import TcpProxy

router = APIRouter(prefix="/api/v1/probe")


class Body(BaseModel):
    count: int


@router.post("/echo")
async def echo(body: Body) -> Body:
    return body


@router.post("/things")
async def add_thing(ctx: Annotated[ServiceContext, context_of("probe")]) -> dict[str, bool]:
    await ctx.db.things.insert_one({"ok": True})
    return {"ok": True}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals 13912345678")


PROBE = ServiceSpec(name="probe", routers=[router])


async def test_errors_are_json_with_stable_codes_and_no_internals(
        make_settings: SettingsFactory) -> None:
    async with running_app([PROBE], make_settings(rabbit=False)) as (_, client):
        invalid = await client.post("/api/v1/probe/echo", json={"count": "many 110105"})
        missing = await client.get("/api/v1/probe/nothing-here")
        wrong_method = await client.get("/api/v1/probe/echo")
        not_json = await client.post("/api/v1/probe/echo", content=b"{oops",
                                     headers={"content-type": "application/json"})
        crash = await client.get("/api/v1/probe/boom")

    assert invalid.status_code == 422
    assert invalid.json()["code"] == "validation_error"
    assert invalid.json()["errors"][0]["loc"] == ["body", "count"]
    assert "110105" not in invalid.text  # submitted values are not echoed back
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "method_not_allowed")
    assert (not_json.status_code, not_json.json()["code"]) == (422, "validation_error")
    assert (crash.status_code, crash.json()["code"]) == (500, "internal_error")
    assert "secret internals" not in crash.text and "Traceback" not in crash.text


async def test_request_id_is_echoed_or_made(make_settings: SettingsFactory) -> None:
    async with running_app([PROBE], make_settings(rabbit=False)) as (_, client):
        given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        made = await client.get("/healthz")
        hostile = await client.get("/healthz", headers={"X-Request-ID": "a\"b{}<script>"})

    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "a\"b{}<script>"


async def test_readiness_follows_the_broker(make_settings: SettingsFactory) -> None:
    upstream = urlsplit(AMQP_URL)
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5672)
    await proxy.start()
    settings = make_settings(rabbit=True,
                             amqp_url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/")
    try:
        async with running_app([PROBE], settings) as (_, client):
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text

            await proxy.stop()

            async def not_ready() -> bool:
                return (await client.get("/readyz")).status_code == 503

            await eventually(not_ready, what="/readyz to notice the broker is gone")
            assert (await client.get("/readyz")).json()["checks"]["broker"] is False
            assert (await client.get("/healthz")).status_code == 200  # alive, not ready

            await proxy.start()

            async def ready_again() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready_again, timeout=30, what="/readyz after reconnect")
    finally:
        await proxy.stop()


async def test_metrics_count_requests_and_show_the_outbox(make_settings: SettingsFactory
                                                         ) -> None:
    async with running_app([PROBE], make_settings(rabbit=False)) as (_, client):
        await client.post("/api/v1/probe/echo", json={"count": 1})
        await client.get("/docs")
        await client.get("/no/such/path/42")
        text = (await client.get("/metrics")).text

    assert ('http_requests_total{method="POST",route="/api/v1/probe/echo",service="probe",'
            'status="200"}') in text
    assert 'outbox_pending{service="probe"} 0.0' in text
    assert 'route="/docs",service="probe",status="200"' in text
    assert 'route="unmatched",service="probe",status="404"' in text  # no path per 404
    assert "/no/such/path" not in text


async def test_losing_the_store_answers_503_and_recovers(make_settings: SettingsFactory,
                                                         mongo_url: str) -> None:
    upstream = urlsplit(mongo_url)
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 27017)
    await proxy.start()
    proxied = mongo_url.replace(f":{upstream.port}/", f":{proxy.port}/")
    try:
        async with running_app([PROBE], make_settings(rabbit=False, mongo_url=proxied)) as (
                _, client):
            assert (await client.post("/api/v1/probe/things")).status_code == 200

            await proxy.stop()
            down = await client.post("/api/v1/probe/things")
            assert (down.status_code, down.json()["code"]) == (503, "store_unavailable")
            assert down.headers["retry-after"] == "5"
            assert (await client.get("/readyz")).json()["checks"]["store"] is False

            await proxy.start()

            async def written() -> bool:
                return (await client.post("/api/v1/probe/things")).status_code == 200

            await eventually(written, timeout=30, what="writes after the store is back")
            assert (await client.get("/readyz")).status_code == 200
    finally:
        await proxy.stop()
