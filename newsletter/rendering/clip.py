"""Gmail's clipping limit: measured HTML size and how close a variant comes to it.

Gmail cuts messages whose HTML exceeds "102 KB" and hides the rest, footer and unsubscribe
link included, behind "[Message clipped]". We take 102 KB as 102 * 1024 = 104,448 bytes of
decoded HTML; since Gmail's exact rule is unpublished, a variant past 90% of that is reported
as near the limit so the editor hears about it before readers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GMAIL_CLIP_BYTES = 102 * 1024
NEAR_FRACTION = 0.9


class ClipStatus(StrEnum):
    """Where a variant's HTML stands against Gmail's clip."""

    OK = "ok"
    NEAR = "near"
    CLIPPED = "clipped"


@dataclass(frozen=True)
class ClipCheck:
    """The size of one variant's HTML against the limit."""

    size: int
    limit: int = GMAIL_CLIP_BYTES

    @property
    def excess(self) -> int:
        """Bytes over the limit (0 when under)."""
        return max(0, self.size - self.limit)

    @property
    def status(self) -> ClipStatus:
        """OK, NEAR (past 90% of the limit) or CLIPPED."""
        if self.size > self.limit:
            return ClipStatus.CLIPPED
        if self.size > self.limit * NEAR_FRACTION:
            return ClipStatus.NEAR
        return ClipStatus.OK

    @property
    def warning(self) -> str | None:
        """A sentence for the editor, or None when the variant is comfortably small."""
        if self.status is ClipStatus.CLIPPED:
            return (
                f"HTML is {self.size:,} bytes, {self.excess:,} bytes over Gmail's clip limit of "
                f"{self.limit:,} bytes (102 KB): Gmail will hide the end of the email, "
                "including the unsubscribe link"
            )
        if self.status is ClipStatus.NEAR:
            return (
                f"HTML is {self.size:,} bytes, within {self.limit - self.size:,} bytes of "
                f"Gmail's clip limit of {self.limit:,} bytes (102 KB)"
            )
        return None
