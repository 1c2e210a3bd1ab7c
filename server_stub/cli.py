"""``madoguchi-server``: serve | init | seed.

    madoguchi-server init  --db URL
    madoguchi-server serve --db URL --host 127.0.0.1 --port 8765 [--workers N]
    madoguchi-server seed  --db URL --demo [--residents N] [--seed S]
    madoguchi-server seed  --db URL --municipality CODE --residents N --seed S

``--db`` defaults to env MADOGUCHI_SERVER_DB, else a SQLite file under MADOGUCHI_SERVER_HOME
(default ./var/server). PostgreSQL: ``postgresql+psycopg://user@host:port/dbname``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from server_stub.config import ENV_DB, resolve_db_url


def _cmd_init(args: argparse.Namespace) -> int:
    from server_stub.migrate import upgrade

    url = resolve_db_url(args.db)
    upgrade(url)
    print(f"database ready: {url}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server_stub.app import create_app
    from server_stub.migrate import upgrade

    url = resolve_db_url(args.db)
    if not args.no_migrate:
        upgrade(url)
    if args.workers > 1:
        # Several processes on one database: the app keeps no state that must be unique in memory.
        os.environ[ENV_DB] = url
        uvicorn.run("server_stub.app:create_app_from_env", factory=True, workers=args.workers, host=args.host,
                    port=args.port, log_level=args.log_level, access_log=False)
        return 0
    app = create_app(url)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.migrate import upgrade
    from server_stub.seed.demo import seed_demo
    from server_stub.seed.generator import seed_residents

    url = resolve_db_url(args.db)
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    started = time.monotonic()
    try:
        if args.demo:
            stats = seed_demo(factory, residents=args.residents, seed=args.seed)
            out = {code: s.to_dict() for code, s in stats.items()}
        elif args.municipality:
            if args.residents is None:
                print("seed: --residents N is required with --municipality", file=sys.stderr)
                return 2
            out = {args.municipality: seed_residents(factory, args.municipality, args.residents, args.seed).to_dict()}
        else:
            print("seed: give --demo or --municipality CODE", file=sys.stderr)
            return 2
    except ValueError as exc:
        print(f"seed: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(json.dumps({"seconds": round(time.monotonic() - started, 1), "stats": out}, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi-server", description="Madoguchi data-centre server stub")
    sub = parser.add_subparsers(dest="command", required=True)

    p_init = sub.add_parser("init", help="create or migrate the database")
    p_init.add_argument("--db", default=None, help="database URL or SQLite file path")
    p_init.set_defaults(func=_cmd_init)

    p_serve = sub.add_parser("serve", help="run the HTTP API")
    p_serve.add_argument("--db", default=None)
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8765)
    p_serve.add_argument("--log-level", default="warning")
    p_serve.add_argument("--no-migrate", action="store_true", help="do not run migrations at start")
    p_serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p_serve.set_defaults(func=_cmd_serve)

    p_seed = sub.add_parser("seed", help="create demo municipalities or generate residents")
    p_seed.add_argument("--db", default=None)
    p_seed.add_argument("--demo", action="store_true", help="the two demo municipalities with staff")
    p_seed.add_argument("--municipality", default=None, help="generate residents for this code")
    p_seed.add_argument("--residents", type=int, default=None)
    p_seed.add_argument("--seed", type=int, default=1)
    p_seed.set_defaults(func=_cmd_seed)
    # import-layout, export-layout, sla-report, usage-report, audit (owner: operations)
    from server_stub.operations.commands import register_all as register_ops

    register_ops(sub)
    from server_stub.tenants.agreements import register as register_agreements  # 相互バックアップ協定

    register_agreements(sub)
    from server_stub.tenants.form_params import register as register_form_params  # 様式パラメータ

    register_form_params(sub)
    from server_stub.register.recording import register as register_register  # 支援措置・抑止・異動

    register_register(sub)

    from server_stub.trust.cli import register as register_trust  # key hierarchy, trust list (issue 14)

    register_trust(sub)

    from server_stub.operations.terminal_commands import (
        register as register_terminal,  # 端末の利用停止 (issue 15)
    )

    register_terminal(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from server_stub.logging_setup import setup_logging  # rotating server.log (owner: operations)

    setup_logging()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
