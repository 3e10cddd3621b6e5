"""The drill's private servers: PostgreSQL, Redis, moto (SES), gunicorn and the workers.

Each runs as a child process on a free loopback port with its files in the drill's temporary
folder, so the drill never touches the PostgreSQL on 5432 or the Redis on 6379 that tests and
other benchmarks share. :class:`Stack` starts them, restarts the ones the faults need and
stops every one of them on the way out, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
# The venv this script runs from (sys.executable is the venv's python, not resolved).
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"


def free_port() -> int:
    """A TCP port free on the loopback interface just now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll ``check`` until it is true; return the seconds waited, raise after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if check():
                return time.monotonic() - started
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready within {seconds:.0f} s")


def as_postgres(*command: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool as the postgres user (the server refuses to run as root)."""
    prefix = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, **kwargs)


@dataclass
class Process:
    """A child process with its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; quiet when already gone."""
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)

    def tail(self, lines: int = 20) -> str:
        """The end of the process's log, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Stack:
    """Every server of one drill run, in one temporary folder."""

    folder: Path
    processes: list[Process] = field(default_factory=list)
    pg_port: int = 0
    pg_data: Path | None = None
    redis_port: int = 0
    moto_port: int = 0
    web_port: int = 0

    # ---- generic child processes -------------------------------------------------------

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Process:
        """Start ``command`` with stdout and stderr in ``<folder>/<name>.log``."""
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env or dict(os.environ),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Own process group: a Ctrl-C in the terminal reaches only the drill, which
                # then stops its children in order.
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def stop_all(self, grace: float = 20.0) -> None:
        """Stop every child and the PostgreSQL cluster; never raises. All children get
        SIGTERM at once, and SIGKILL after ``grace`` seconds if still running."""
        alive = [process for process in self.processes if process.alive()]
        for process in alive:
            process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in alive:
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"  ({process.name} ignored SIGTERM for {grace:.0f} s: killed)")
                process.popen.kill()
                process.popen.wait(10)
        if self.pg_data is not None and (self.pg_data / "postmaster.pid").exists():
            try:
                as_postgres(
                    str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), "-m", "immediate", "stop"
                )
            except (subprocess.CalledProcessError, OSError) as exc:
                print(f"  (could not stop PostgreSQL: {exc})", file=sys.stderr)

    # ---- PostgreSQL ---------------------------------------------------------------------

    def start_postgres(self) -> str:
        """initdb a private cluster, start it on a free port; returns the app's database URL."""
        self.pg_port = free_port()
        self.pg_data = self.folder / "pgdata"
        sockets = self.folder / "pgsock"
        sockets.mkdir()
        shutil.chown(self.folder, user=PG_USER)
        shutil.chown(sockets, user=PG_USER)
        as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.pg_data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {sockets} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        with (self.pg_data / "drill-options").open("w") as note:
            note.write(options)
        self._pg_ctl("start", "-o", options, "-l", str(self.folder / "postgres.log"))
        as_postgres(
            str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "newsletter"
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/newsletter"

    def restart_postgres(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut, the server comes back."""
        options = (self.pg_data / "drill-options").read_text() if self.pg_data else ""
        self._pg_ctl(
            "restart", "-m", "fast", "-o", options, "-l", str(self.folder / "postgres.log")
        )

    def _pg_ctl(self, *args: str) -> None:
        assert self.pg_data is not None
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), "-w", "-t", "60", *args)

    # ---- Redis --------------------------------------------------------------------------

    def start_redis(self) -> str:
        """A Redis without persistence on a free port; returns its URL."""
        if not self.redis_port:
            self.redis_port = free_port()
        import redis

        process = self.spawn(
            f"redis-{int(time.time())}",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
        )
        client = redis.Redis(port=self.redis_port, socket_timeout=1)
        try:
            wait_until(lambda: bool(client.ping()), 20, f"redis ({process.tail()})")
        finally:
            client.close()
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def restart_redis(self) -> float:
        """Stop Redis (losing every key: no persistence) and start it again on the same port;
        returns the seconds it was down."""
        down_at = time.monotonic()
        for process in self.processes:
            if process.name.startswith("redis-") and process.alive():
                process.stop()
        self.start_redis()
        return time.monotonic() - down_at

    # ---- moto, the SES-compatible endpoint ------------------------------------------------

    def start_moto(self) -> str:
        """``moto_server`` on a free port; returns its URL."""
        self.moto_port = free_port()
        process = self.spawn(
            "moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)]
        )
        url = f"http://127.0.0.1:{self.moto_port}"
        wait_until(
            lambda: requests.get(f"{url}/moto-api/", timeout=2).status_code == 200,
            30,
            f"moto_server ({process.tail()})",
        )
        return url

    # ---- the application ----------------------------------------------------------------

    def start_web(self, env: dict[str, str], *, workers: int = 2, threads: int = 4) -> str:
        """``gunicorn wsgi:app`` (gthread, the project's gunicorn.conf.py); returns its URL."""
        self.web_port = free_port()
        process = self.spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "-b",
                f"127.0.0.1:{self.web_port}",
                "-w",
                str(workers),
                "-k",
                "gthread",
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "20",
                "wsgi:app",
            ],
            env,
        )
        url = f"http://127.0.0.1:{self.web_port}"
        wait_until(
            lambda: (
                process.alive() and requests.get(f"{url}/healthz", timeout=2).status_code == 200
            ),
            60,
            f"gunicorn ({process.tail()})",
        )
        return url

    def start_worker(self, name: str, env: dict[str, str]) -> Process:
        """One ``newsletter worker`` process (the scheduler and sender services)."""
        return self.spawn(name, [str(BIN / "newsletter"), "worker"], env)
