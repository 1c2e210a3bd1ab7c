"""File replacement that is safe under Windows semantics (no rename over an open file, no delete
of an open file), and generation-numbered files behind an atomically written pointer."""
