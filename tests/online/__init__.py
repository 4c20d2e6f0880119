"""Tests of flowcatalog.online."""
