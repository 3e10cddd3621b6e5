"""Real local servers for tests: moto's SES server and aiosmtpd, on free loopback ports."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@contextmanager
def mute_endpoint(*, hang_up: bool) -> Iterator[str]:
    """An HTTP endpoint that reads each request and then never answers, or hangs up."""
    listener = socket.create_server((LOOPBACK, 0))
    stop = threading.Event()

    def serve() -> None:
        clients = []
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            client.recv(65536)
            if hang_up:
                client.close()
            else:
                clients.append(client)  # kept open, silent, until the endpoint stops
        for client in clients:
            client.close()

    thread = threading.Thread(target=serve, name="mute-endpoint", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server (``moto_server`` of this venv) on a free port; yields its URL."""
    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", LOOPBACK, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{LOOPBACK}:{port}"
    try:
        _wait_for(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}")
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"moto_server did not answer on {url} within 30 s")


class ReplyingRelay:
    """An aiosmtpd handler that answers DATA with ``reply`` and keeps what it accepted."""

    def __init__(self, reply: str = "250 OK") -> None:
        self.reply = reply
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            self.accepted.append(envelope.content)
        return self.reply


@contextmanager
def smtp_relay(app_config: dict[str, Any], reply: str) -> Iterator[ReplyingRelay]:
    """A relay answering ``reply`` on loopback, and ``app_config`` set to send through it."""
    handler = ReplyingRelay(reply)
    with smtp_server(handler) as server:
        app_config.update(
            transport="smtp", smtp_host=server.hostname, smtp_port=server.port, smtp_security="none"
        )
        yield handler


@contextmanager
def smtp_server(handler: Any, **smtp_options: Any) -> Iterator[Controller]:
    """aiosmtpd in a thread on a free loopback port, with ``handler`` and SMTP options
    (``tls_context``, ``require_starttls``, ``authenticator``, ``timeout``...)."""
    controller = Controller(handler, hostname=LOOPBACK, port=free_port(), **smtp_options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a new self-signed certificate for 127.0.0.1, and a client
    context that trusts exactly that certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
