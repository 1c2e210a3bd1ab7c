"""Migration layout modelled on the 中間標準レイアウト: column specs, import with a validation
report, export. See docs/layout.md for the columns, types, lengths and code tables."""
