"""A lost or stolen terminal (issue 15): the replica wrapping-key lease, the terminal's own
standing, and the wipe on contact after the data centre revoked it. See docs/terminal-security.md."""
