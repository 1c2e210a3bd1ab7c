"""Operating the data centre: admin commands, terminal commands, SLA reports and usage."""
