"""Tests of flowcatalog.cli."""
