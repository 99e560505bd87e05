"""``python -m services`` (what ``make run`` starts) as a user runs it: it serves /docs and
/healthz with its own SecantusDB child process, keeps data in DATA_DIR across restarts, and
Ctrl-C stops it cleanly without leaving the database process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from shared.embedded_db import free_port
from tests.factories import make_registration
from tests.helpers import eventually

ROOT = Path(__file__).resolve().parents[2]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start_embedded(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MONGO_URL", "AMQP_URL") and not k.startswith("PYTEST")}
    env.update({"HTTP_PORT": str(port), "DATA_DIR": str(data_dir), "LOG_FORMAT": "console"})
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "services"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


async def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async def ready() -> bool:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{base}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    await eventually(ready, timeout=60, interval=0.2, what="the embedded platform")


def interrupt(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    return process.wait(timeout=30)


async def test_embedded_mode_serves_docs_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "run.log"
    base = f"http://127.0.0.1:{port}"
    process = start_embedded(tmp_path / "data", port, log)
    try:
        await wait_healthy(base, process, log)
        database_pids = children_of(process.pid)
        assert database_pids, "the embedded mode runs SecantusDB as a child process"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            docs = await client.get("/docs")
            health = await client.get("/healthz")
            openapi = (await client.get("/openapi.json")).json()
            first = make_registration()
            registered = await client.post("/api/v1/auth/register", json=first)
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        assert health.json() == {"status": "ok"}
        assert {"/api/v1/auth/register", "/api/v1/projects/{project_id}/complete",
                "/api/v1/hours/me", "/api/v1/notifications/me"} <= set(openapi["paths"])
        assert registered.status_code == 201, registered.text

        assert interrupt(process) == 0
        assert not [pid for pid in database_pids if alive(pid)], "orphan SecantusDB process"

        # the data survives a restart: the same mobile cannot register twice
        process = start_embedded(tmp_path / "data", port, log)
        await wait_healthy(base, process, log)
        body = make_registration(mobile=first["mobile"])
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            again = await client.post("/api/v1/auth/register", json=body)
        assert (again.status_code, again.json()["code"]) == (409, "mobile_taken")
        assert interrupt(process) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
