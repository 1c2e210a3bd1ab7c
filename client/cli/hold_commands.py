"""``madoguchi hold add | list | proposals | confirm | decline``: emergency holds (issue 18, docs/peers.md).

* ``add`` (BCP mode, a supervisor signs in): an emergency 緊急抑止 / 仮支援措置 for a person, in force
  on this terminal at once and pushed to the hall's reachable peers (the same path as the window);
* ``list``: the holds in force on this terminal (its own and its peers');
* ``proposals`` / ``confirm`` / ``decline`` (online, a supervisor): the proposals the holds became at
  the data centre after recovery (``madoguchi sync`` or the window sends them).

The staff password comes from standard input (``--password-stdin``), never an argument.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from client.cli.counter_commands import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, _add_common, _err
from client.services.emergency import KIND_LABELS


def _staff_args(p: argparse.ArgumentParser) -> None:
    _add_common(p)
    p.add_argument("--user", required=True, help="staff ID (a supervisor for add, proposals, confirm, decline)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--bcp-supervisor", metavar="ID", default=None,
                   help="係長 who declares BCP mode under the confirm policy (password on the second line)")
    p.add_argument("--json", action="store_true")


def register_hold(sub: Any) -> None:
    p = sub.add_parser("hold", help="緊急措置(BCP中の緊急抑止・仮支援措置) / emergency holds in BCP mode",
                       description="Record emergency holds in BCP mode and decide their proposals online.")
    hs = p.add_subparsers(dest="hold_command", metavar="ACTION")
    hs.required = True
    add = hs.add_parser("add", help="緊急措置を記録する(BCPモード、係長) / record an emergency hold")
    add.add_argument("--resident", required=True, metavar="ATENA", help="宛名番号 of the person")
    add.add_argument("--kind", required=True, choices=list(KIND_LABELS),
                     help="suppression (緊急抑止: no issuance) or provisional_support (仮支援措置: no view, no issuance)")
    add.add_argument("--reason", required=True, help="理由 (200 characters at most)")
    _staff_args(add)
    add.set_defaults(func=run_hold_add)
    lst = hs.add_parser("list", help="この端末で適用中の緊急措置 / holds in force on this terminal")
    _staff_args(lst)
    lst.set_defaults(func=run_hold_list)
    props = hs.add_parser("proposals", help="データセンターの緊急措置の提案(係長) / hold proposals (supervisor)")
    props.add_argument("--status", choices=("proposed", "confirmed", "declined", "all"), default="proposed")
    _staff_args(props)
    props.set_defaults(func=run_hold_proposals)
    for name, help_text in (("confirm", "提案を確定する(正式な抑止・支援措置に) / confirm a proposal"),
                            ("decline", "提案を取り下げる(--note 必須) / decline a proposal (--note required)")):
        d = hs.add_parser(name, help=help_text)
        d.add_argument("hold_id", help="the proposal's hold id (madoguchi hold proposals)")
        d.add_argument("--note", default="", help="記入内容 (required to decline)")
        _staff_args(d)
        d.set_defaults(func=run_hold_decide, decision=name)


def _open_signed_in(args: argparse.Namespace) -> Any:
    """The window's routing for this run (online, secondary or BCP), signed in; None after an error."""
    from client.composition.routing import CliCounter
    from client.lifecycle.config import load_config

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
    if not password:
        _err("パスワードを標準入力から渡してください(--password-stdin)。", "password required via --password-stdin")
        return None
    supervisor = (args.bcp_supervisor, sys.stdin.readline().rstrip("\r\n")) if args.bcp_supervisor else None
    counter = CliCounter.open(load_config(args.config))
    try:
        counter.sign_in(args.user, password, supervisor=supervisor)
    except BaseException:
        counter.close()
        raise
    for notice in counter.notices:
        print(notice, file=sys.stderr)
    return counter


def _run(args: argparse.Namespace, action: Any) -> int:
    from client.lifecycle.config import ConfigError
    from client.local.keystore import LocalDataError
    from client.services.errors import ClerkError

    counter = None
    try:
        counter = _open_signed_in(args)
        if counter is None:
            return EXIT_USAGE
        return int(action(counter))
    except ConfigError as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE
    except (ClerkError, LocalDataError) as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_REFUSED
    finally:
        if counter is not None:
            counter.close()


def _print(args: argparse.Namespace, body: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))


def run_hold_add(args: argparse.Namespace) -> int:
    from client.services.emergency import check_hold_input
    from client.services.errors import ClerkError

    try:
        kind, atena, reason = check_hold_input(args.kind, args.resident, args.reason)
    except ClerkError as exc:  # before any sign-in: nothing is recorded
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE

    def add(counter: Any) -> int:
        hold = counter.service.record_emergency_hold(kind, atena, reason)
        lines = [f"{hold.kind_ja}を記録しました: 宛名番号 {hold.atena_no}(この端末で適用中) id {hold.hold_id}",
                 f"recorded {kind} for {hold.atena_no} (in force here), id {hold.hold_id}"]
        if hold.reached:
            lines.append(f"  送信済みの端末 / reached: {', '.join(hold.reached)}")
        if hold.unreachable:
            lines.append(f"  届かなかった端末 / unreachable (sent when they join): {', '.join(hold.unreachable)}")
        _print(args, {"mode": counter.mode, "hold": hold.to_dict()}, lines)
        return EXIT_OK

    return _run(args, add)


def run_hold_list(args: argparse.Namespace) -> int:
    def show(counter: Any) -> int:
        holds = counter.service.emergency_holds()
        lines = [f"緊急措置 {len(holds)}件 / {len(holds)} emergency hold(s) in force"]
        lines += [f"  {h.hold_id}  {h.kind_ja}  {h.atena_no}  {h.recorded_by}@{h.origin}  {h.recorded_at}  {h.reason}"
                  for h in holds]
        _print(args, {"mode": counter.mode, "holds": [h.to_dict() for h in holds]}, lines)
        return EXIT_OK

    return _run(args, show)


def _proposal_dict(p: Any) -> dict[str, Any]:
    return dict(p.raw) if p.raw else {"hold_id": p.hold_id, "status": p.status}


def run_hold_proposals(args: argparse.Namespace) -> int:
    def show(counter: Any) -> int:
        proposals = counter.service.list_hold_proposals(args.status)
        lines = [f"提案 {len(proposals)}件 / {len(proposals)} proposal(s) ({args.status})"]
        lines += [f"  {p.hold_id}  {p.kind_ja}  {p.atena_no}  {p.status_ja}  {p.recorded_by}@{p.origin_terminal}  "
                  f"{p.reason}" for p in proposals]
        _print(args, {"proposals": [_proposal_dict(p) for p in proposals]}, lines)
        return EXIT_OK

    return _run(args, show)


def run_hold_decide(args: argparse.Namespace) -> int:
    from client.services.emergency import check_decision
    from client.services.errors import ClerkError

    try:
        note = check_decision(args.decision, args.note)
    except ClerkError as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE

    def decide(counter: Any) -> int:
        p = counter.service.decide_hold_proposal(args.hold_id, args.decision, note)
        _print(args, {"proposal": _proposal_dict(p)},
               [f"{p.hold_id}: {p.kind_ja} {p.atena_no} → {p.status_ja} ({p.status}) by {p.decided_by}"])
        return EXIT_OK

    return _run(args, decide)


REGISTRARS = [register_hold]
