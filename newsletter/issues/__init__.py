"""Newsletter issues: the structured document, its importers, storage and editor views."""
