"""Entry point of the ``newsletter`` console script."""

from newsletter.commands import main

__all__ = ["main"]
