"""The resident register: the rule context loader, conversions, search, and the writes that record each change (住民記録)."""
