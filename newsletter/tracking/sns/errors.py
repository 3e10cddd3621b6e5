"""Why an SNS message was refused, with the HTTP status the webhook answers."""

from __future__ import annotations


class SnsRejected(Exception):
    """A message the webhook refuses; ``status`` is what SNS (or a forger) is told."""

    status = 400


class SnsMalformed(SnsRejected):
    """Not an SNS message: bad JSON, missing or mistyped fields, an unknown type."""

    status = 400


class SnsForbidden(SnsRejected):
    """A message that is not genuine or not for us: bad signature, certificate or topic."""

    status = 403


class SnsUnavailable(SnsRejected):
    """The signing certificate could not be fetched just now; SNS should retry."""

    status = 503
