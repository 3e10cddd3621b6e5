"""Readers: signup, confirmation, preferences, unsubscribe, suppression, import and export."""
