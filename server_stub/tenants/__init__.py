"""The municipalities sharing the data centre: their parameters, mutual-backup agreements and form parameters."""
