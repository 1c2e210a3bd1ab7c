"""The data-centre backend stand-in: a real FastAPI + SQLAlchemy service (SQLite or PostgreSQL)."""

__version__ = "0.1.0"
