"""A finding of ``newsletter ses check``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "unavailable"]


@dataclass(frozen=True)
class Finding:
    """One thing checked: its status, what was found, and what to do about it.

    ``fail`` blocks sending; ``unavailable`` means the endpoint cannot tell (moto).
    """

    name: str
    status: Status
    summary: str
    fix: str = ""
