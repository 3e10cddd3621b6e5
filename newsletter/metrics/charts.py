"""Chart descriptions handed to ``static/dashboard.js`` as JSON in a data attribute.

The page never carries script: each ``<canvas>`` has a ``data-chart`` attribute with the
chart's kind, labels (already translated by the app's gettext) and data; the static script
turns it into a Chart.js configuration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newsletter.metrics.tables import Label


@dataclass(frozen=True)
class Dataset:
    """One series. ``role`` picks its look: primary, secondary, machine, alarm, limit."""

    label: Label
    data: Sequence[float | int | None]
    role: str = "primary"
    stack: str | None = None


@dataclass
class Chart:
    """One chart: ``kind`` is bar, hbar or line; ``unit`` is count or percent."""

    name: str
    title: Label
    kind: str
    labels: Sequence[Label]
    datasets: list[Dataset] = field(default_factory=list)
    unit: str = "count"
    x_title: Label = ""
    y_title: Label = ""

    def to_json(self) -> str:
        """The attribute value: plain JSON, lazy strings resolved in the request's locale."""
        spec: dict[str, Any] = {
            "kind": self.kind,
            "unit": self.unit,
            "title": str(self.title),
            "xTitle": str(self.x_title),
            "yTitle": str(self.y_title),
            "labels": [str(label) for label in self.labels],
            "datasets": [
                {
                    "label": str(d.label),
                    "data": list(d.data),
                    "role": d.role,
                    "stack": d.stack,
                }
                for d in self.datasets
            ],
        }
        return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


def percent(values: Sequence[float | None]) -> list[float | None]:
    """Fractions as percentages rounded for plotting."""
    return [None if v is None else round(v * 100, 4) for v in values]
