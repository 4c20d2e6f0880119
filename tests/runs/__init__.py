"""Tests of flowcatalog.runs."""
