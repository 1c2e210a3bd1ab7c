"""The replica feed the terminals pull: the change log, snapshot/delta pages and their wire format."""
