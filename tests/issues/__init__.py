"""Tests of newsletter.issues: importers, formats, tagging and the issues CLI."""
