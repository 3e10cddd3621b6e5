"""Fixtures of the delivery tests: the machine's Redis under a key of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """A client of the Redis on the machine; the test is skipped, saying why, without one."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture
def redis_key(redis_client: Any) -> Iterator[str]:
    """A key no other test or process uses, deleted afterwards."""
    key = f"newsletter-test:{uuid.uuid4().hex}"
    yield key
    redis_client.delete(key, *redis_client.keys(f"{key}:*"))
