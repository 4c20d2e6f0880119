"""Runs of more than one: sharding, merging shard reports, and changed-file selection."""
