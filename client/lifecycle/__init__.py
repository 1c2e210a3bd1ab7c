"""The terminal's life: configuration, enrolment, diagnostics, logging, decommissioning."""
