"""Tests of flowcatalog.rules."""
