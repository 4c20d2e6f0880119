"""The rules: a registry of every rule id, and one module per family of checks."""
