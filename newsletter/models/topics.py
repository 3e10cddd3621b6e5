"""Topics that readers choose and items carry."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.models.base import Base, CreatedAt, JSONType


class Topic(CreatedAt, Base):
    """A subject area such as ``capital``; names in both languages and keyword rules."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    description_zh: Mapped[str] = mapped_column(String(300), default="")
    description_en: Mapped[str] = mapped_column(String(300), default="")
    # Keywords that suggest this topic for an item; admins edit them in Settings.
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        """The topic's name in ``locale`` (``zh_CN`` or ``en``)."""
        return self.name_en if locale.startswith("en") else self.name_zh
