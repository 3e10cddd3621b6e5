"""Subscriber lists in and out: the CSV contract of ``subscribers/README.md``."""
