"""Hypothesis profiles of the fuzz tests: ``ci`` (bounded, the default) and ``deep``.

Choose with ``NEWSLETTER_FUZZ_PROFILE=deep`` for a long local hunt; CI runs ``ci``. The
tests that reuse one database for every example (``app`` is function-scoped) suppress the
health check about it on purpose: each example restores or compares against what it found.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
settings.register_profile("deep", settings.get_profile("ci"), max_examples=2000)


def fuzz(scale: float = 1.0) -> settings:
    """The chosen profile, with ``scale`` times its examples (fewer for database tests)."""
    chosen = settings.get_profile(os.environ.get("NEWSLETTER_FUZZ_PROFILE", "ci"))
    return settings(chosen, max_examples=max(5, int(chosen.max_examples * scale)))
