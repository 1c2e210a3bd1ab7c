"""A My Number card emulator behind a real PC/SC stack (pcscd + vsmartcard vpcd), for tests and bench."""
