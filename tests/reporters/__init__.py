"""Tests of flowcatalog.reporters."""
