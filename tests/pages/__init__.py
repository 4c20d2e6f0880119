"""Tests of flowcatalog.pages."""
