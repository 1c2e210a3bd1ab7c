"""Seeding benchmark: the real ``madoguchi-server seed`` command for the city and the town,
on SQLite and on PostgreSQL. These are also the databases every later benchmark uses."""

from __future__ import annotations

from tests.bench.support import Context, Measurement


def seed(ctx: Context) -> list[Measurement]:
    rows: list[Measurement] = []
    city, town = ctx.sizes.city, ctx.sizes.town
    for kind in ("sqlite", "postgresql"):
        if kind in ctx.db_urls:
            continue
        seconds = ctx.seed(kind)
        rows.append(Measurement(
            f"seed city {city:,} residents ({kind})", round(seconds["city"], 1), "s",
            notes=f"{city / seconds['city']:,.0f} residents/s incl. households, seals, taxes; "
                  f"schema {seconds['init']:.1f} s, demo staff {seconds['demo']:.1f} s",
            extra={"seconds": seconds}))
        rows.append(Measurement(f"seed town {town:,} residents ({kind})", round(seconds["town"], 1), "s",
                                extra={"seconds": seconds}))
    return rows
