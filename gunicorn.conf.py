"""Gunicorn settings, read by ``gunicorn wsgi:app`` when started from the project folder.

Only hooks live here; workers, threads and the bind address stay on the command line.
"""

from __future__ import annotations

from typing import Any


def worker_exit(_server: Any, _worker: Any) -> None:
    """Write the opens and clicks a worker still holds before it exits (graceful stops,
    ``max_requests`` recycling), so a restart loses none."""
    from newsletter.tracking.buffer import close_all_buffers

    close_all_buffers()
