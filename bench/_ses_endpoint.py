"""A fast SES-compatible endpoint on loopback for the benchmarks: nginx answering SendEmail.

moto's server manages only about 150 messages/s, too few to tell the send path's cost from
the endpoint's. nginx (Debian's nginx-light, installed by scripts/system-packages.sh) answers
every request with SES v2 SendEmail's JSON and a MessageId unique to the request, from a
configuration and logs kept in a temporary directory that goes away with it.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

NGINX = "/usr/sbin/nginx"

CONFIG = """\
user root;
worker_processes 1;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    client_max_body_size 40m;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type application/json;
            return 200 '{{"MessageId":"$request_id"}}';
        }}
    }}
}}
"""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    """Returns once ``port`` accepts connections; raises if nginx died or never listened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within {seconds:.0f} s")


@contextlib.contextmanager
def ses_endpoint() -> Iterator[str]:
    """Runs nginx as an SES endpoint for the ``with`` block; yields its URL."""
    if not Path(NGINX).exists():
        raise SystemExit(f"{NGINX} is missing: run scripts/system-packages.sh (nginx-light)")
    with tempfile.TemporaryDirectory(prefix="nl-bench-nginx-") as directory:
        port = free_port()
        config = Path(directory, "nginx.conf")
        config.write_text(CONFIG.format(dir=directory, port=port))
        command = [NGINX, "-p", directory, "-c", str(config)]
        command += ["-g", f"daemon off; pid {directory}/nginx.pid;"]
        process = subprocess.Popen(command)
        try:
            wait_listening(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
