"""httpx client for the data-centre API (primary + secondary endpoints)."""
