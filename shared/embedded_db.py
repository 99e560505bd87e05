"""The embedded mode's MongoDB-wire server: SecantusDB as a child process.

It runs in its own process (in ours it would compete for the GIL), in its own session so a
terminal's Ctrl-C reaches only us and we shut it down after our consumers have stopped. On Linux
it also gets SIGTERM if we die without cleaning up, so no orphan is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from shared.logging import get_logger

log = get_logger("embedded_db")

PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def secantus_url(port: int) -> str:
    # retryWrites=false: with it on, SecantusDB scans on every write and slows down ~10x.
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"


class EmbeddedMongo:
    def __init__(self, command: str, storage: Path | str, port: int | None = None) -> None:
        self.command = command
        self.storage = storage
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return secantus_url(self.port)

    def _executable(self) -> str:
        found = shutil.which(self.command) or shutil.which(
            self.command, path=str(Path(sys.executable).parent))
        if not found:
            raise RuntimeError(f"{self.command} not found: install the secantusdb package")
        return found

    async def start(self, timeout: float = 60.0) -> str:
        if str(self.storage) != ":memory:":
            Path(self.storage).mkdir(parents=True, exist_ok=True)
        log_path = (Path(self.storage).parent / "secantusdb.log"
                    if str(self.storage) != ":memory:" else os.devnull)
        log_file = open(log_path, "ab")
        self.process = subprocess.Popen(
            [self._executable(), "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", str(self.storage), "--log-level", "WARNING"],
            stdout=log_file, stderr=log_file, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        log_file.close()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"SecantusDB exited with {self.process.returncode}; "
                                   f"see {log_path}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                await writer.wait_closed()
                break
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    await self.stop()
                    raise RuntimeError("SecantusDB did not start in time") from None
                await asyncio.sleep(0.1)
        log.info("embedded_db_started", port=self.port, storage=str(self.storage),
                 pid=self.process.pid)
        return self.url

    async def stop(self, timeout: float = 15.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
        log.info("embedded_db_stopped", pid=process.pid, returncode=process.returncode)
