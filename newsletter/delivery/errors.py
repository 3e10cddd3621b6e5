"""Errors of the delivery engine that an operator or editor reads as they are."""

from __future__ import annotations


class TransitionError(ValueError):
    """A campaign cannot move the way it was asked to, and the message says why.

    For example "campaign 12 is sent; only a draft, scheduled, sending or paused campaign can
    be cancelled". Views and commands show the message; nothing was changed.
    """


class AudienceError(ValueError):
    """A campaign's audience rule names topics that do not exist or a match that is unknown."""


class RecoveryError(ValueError):
    """Failed or in-doubt rows cannot be resent or dropped as asked (wrong rows, no reason)."""
