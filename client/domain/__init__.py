"""Pure domain rules: no Qt, no network, no database, no file system, no clock reads."""
