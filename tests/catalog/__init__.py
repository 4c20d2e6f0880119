"""Tests of flowcatalog.catalog."""
