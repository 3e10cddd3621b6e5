"""Gunicorn settings, read by ``gunicorn wsgi:app`` when started from the project folder.

Workers, threads and the bind address stay on the command line; here are the hooks and the
one setting whose default is wrong behind a proxy.
"""

from __future__ import annotations

from typing import Any

#: Seconds an idle kept-alive connection stays open. Gunicorn's default of 2 s is shorter
#: than the idle timeout of the proxies in front of it (nginx with upstream keep-alive, a load
#: balancer: 60 s on AWS's), so gunicorn would close connections the proxy still means to
#: reuse, and a request sent on one in that instant gets no answer at all (a 502 at the
#: proxy). Longer than the proxy's, the proxy is always the side that closes. With 2 s, 16
#: clients reusing connections after about 2 s idle got no answer to 4 of 480 requests; with
#: 75 s, to none (tests/foundation/test_gunicorn.py shows the difference). The gthread
#: worker keeps idle connections in its poller, not in a thread, so they cost no thread.
#: ``--keep-alive`` on the command line overrides it.
keepalive = 75


def worker_exit(_server: Any, _worker: Any) -> None:
    """Write the opens and clicks a worker still holds before it exits (graceful stops,
    ``max_requests`` recycling), so a restart loses none."""
    from newsletter.tracking.buffer import close_all_buffers

    close_all_buffers()
