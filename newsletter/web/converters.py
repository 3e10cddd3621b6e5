"""URL converters: ``<int:…>`` stops where the database's integer columns stop.

Werkzeug's ``int`` takes any number of digits, and PostgreSQL refuses a value beyond its
column's range with an error, so ``/admin/issues/99999999999`` was a 500 instead of a 404.
Ids in URLs are PostgreSQL ``INTEGER`` (readers' are ``BIGINT``, but a list of two billion
readers is out of this product's reach), so larger numbers match no route at all.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_ROUTE_INT = 2**31 - 1  # PostgreSQL INTEGER


class BoundedIntegerConverter(IntegerConverter):
    """``int`` with a default maximum of :data:`MAX_ROUTE_INT` (a route may set its own)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROUTE_INT)
        super().__init__(map, *args, **kwargs)
