"""Helpers of the delivery tests: a test message, work spread over threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

from newsletter.delivery.transports import OutgoingMessage

SENDER = "daily@news.example.org"


def message(recipient: str = "li@example.org", **tags: str) -> OutgoingMessage:
    """A small, complete MIME message to ``recipient``."""
    data = (
        f"From: AI Daily <{SENDER}>\r\nTo: {recipient}\r\nSubject: Today\r\n"
        "Message-ID: <abc.123@news.example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n"
        "\r\nHello, reader.\r\n"
    ).encode()
    return OutgoingMessage(SENDER, recipient, data, tags)


def in_threads(count: int, work: Callable[[], None]) -> None:
    """Run ``work`` in ``count`` threads at once and wait for all of them."""
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
