"""The command line: click commands, the one error handler, and output to files or stdout."""
