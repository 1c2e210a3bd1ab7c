"""Demo and bulk test data for the server stub."""
