"""The real service for the tests: `node dist/main.js` on a temporary SQLite file."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
MAIN = REPO / "dist" / "main.js"
KEYS_CLI = REPO / "dist" / "auth" / "keys.cli.js"
START_TIMEOUT = 30.0


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Polls `condition` until it holds; fails the test, saying what, at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class ApiKey:
    key: str
    id: str
    organization_id: str
    user_id: str


class Server:
    """One instance of the service; restartable on the same port and database."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "DATABASE_URL": f"sqlite:{directory / 'mnemo.db'}",
            "LOG_LEVEL": "silent",
            "STREAM_HEARTBEAT_MIN_SECONDS": "1",
        }
        self._log = directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not MAIN.exists():
            pytest.fail(
                f"{MAIN} is missing: build the service first (`npm run build` at {REPO})",
                pytrace=False,
            )
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(
                ["node", str(MAIN)], cwd=REPO, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the service exited at start:\n{self._log.read_text()}", pytrace=False)
            try:
                if httpx.get(f"{self.base_url}/health/live", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop(signal.SIGKILL)
        pytest.fail(f"the service did not answer /health/live within {START_TIMEOUT} s", pytrace=False)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def keys(self, *args: str) -> str:
        done = subprocess.run(
            ["node", str(KEYS_CLI), *args, "--json"],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise AssertionError(f"keys {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def create_key(self, org: str, user: str, scopes: str | None = None) -> ApiKey:
        args = ["create", "--org", org, "--user", user]
        if scopes is not None:
            args += ["--scopes", scopes]
        created = json.loads(self.keys(*args))
        return ApiKey(created["key"], created["id"], created["organization_id"], created["user_id"])

    def revoke_key(self, key_id: str) -> None:
        self.keys("revoke", key_id)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    instance = Server(tmp_path_factory.mktemp("mnemo"))
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own, for tests that stop, pause or restart it."""
    instance = Server(tmp_path)
    instance.start()
    yield instance
    if instance.process is not None and instance.process.poll() is None:
        instance.signal(signal.SIGCONT)  # a paused server would not act on SIGTERM
    instance.stop()


@pytest.fixture
def org() -> str:
    """A fresh organization per test, so that no other test's events reach its streams."""
    return f"org-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def api_key(server: Server, org: str) -> ApiKey:
    return server.create_key(org, "alice")
