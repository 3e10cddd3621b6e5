"""How text without a label of its own joins an item, the same for every importer.

Text right after an item's title, before any labelled field, becomes the field
:data:`UNLABELLED_FIELD`; text after a field is a further paragraph of that field, since a
field's text may hold several paragraphs separated by an empty line.
"""

from __future__ import annotations

from newsletter.issues.document import Item

#: The field that holds an item's text written without a label.
UNLABELLED_FIELD = "说明"


def add_paragraph(text: str, paragraph: str) -> str:
    """``text`` with ``paragraph`` added as its next paragraph (after an empty line)."""
    return "\n\n".join(part for part in (text, paragraph) if part)


def add_item_text(item: Item, paragraph: str) -> str:
    """Add unlabelled ``paragraph`` to ``item``; return the label of the field it went to."""
    if not item.fields:
        item.fields[UNLABELLED_FIELD] = paragraph
        return UNLABELLED_FIELD
    label = next(reversed(item.fields))
    item.fields[label] = add_paragraph(item.fields[label], paragraph)
    return label
