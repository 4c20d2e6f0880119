"""A check run: read, parse, collect, rules, online, coverage, report."""
