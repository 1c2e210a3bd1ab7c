"""The counter's mode routing for one CLI run (``madoguchi issue``, ``madoguchi search``).

The CLI builds the same object graph as the window (``client.composition.root.build``: on an
enrolled terminal the replica-backed ``bcp`` backend on the router, the connectivity machine fed by
every request) — only without the background scheduler, since the run is short.
Then it decides where this run works, the way the window's machine would:

* a terminal recorded as degraded starts where it left off: on the line that last answered, or —
  recorded in BCP mode — probes each line once (short timeout) and stays in BCP when none answers,
  without waiting out an online sign-in first;
* otherwise it signs in online (a silent line costs the short interactive timeout, then the other
  line: ``client.remote.line_timeouts``); when every line fails it keeps probing until the BCP window has
  passed since every line went down (counted across runs, ``line_memory``) and then, under the
  ``auto`` policy, works in BCP mode. Under ``confirm`` a supervisor declares BCP mode
  (``--bcp-supervisor``), checked offline against the replica.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from client.continuity.line_memory import LineState, load_line_state, save_line_state
from client.services.errors import ClerkError, LineDownError

log = logging.getLogger(__name__)

ONLINE_TRIES = 3  # online sign-in attempts in one run (a line that answers a probe but not the sign-in)
STALE_DOWN_FACTOR = 6  # a recorded "every line down since" older than this many windows is not reused
PRIMARY_RETRY_SECONDS = 300.0  # a run starts on the recorded secondary for this long, then tries the primary


class BcpNeedsSupervisorError(ClerkError):
    default_ja = ("回線がすべて切断されています。BCPモード(縮退運用)への移行には係長の確認が必要です。"
                  "--bcp-supervisor 係長ID を指定し、パスワードを2行目に入力してください。")


class ReplicaNotUsableError(ClerkError):
    default_ja = "端末の住民データの複製が使用できないため、BCPモードで発行できません。"


@dataclass
class CliCounter:
    """A counter service routed for this run; ``runtime`` is None on a terminal not enrolled."""

    service: Any
    runtime: Any
    config: Any
    data_dir: Path
    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    notices: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, config: Any) -> CliCounter:
        from client.composition.root import build

        counter = build(config, start=False)  # a short run: no background scheduler
        data_dir = Path(config.data_dir) if config.data_dir else Path(".")
        return cls(counter.service, counter.runtime, config, data_dir)

    def close(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
        self.service.close()

    # -- routing -----------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return str(self.service.mode)

    def sign_in(self, user_id: str, password: str, *, supervisor: tuple[str, str] | None = None) -> Any:
        if self.runtime is None:
            return self.service.sign_in(user_id, password)
        api = self._api()
        state = load_line_state(self.data_dir)
        if api is not None and state.active_endpoint in api.urls and self._recent_switch(state):
            api.active_url = state.active_endpoint  # start on the line that last answered
        if state.mode in ("bcp", "recovering"):
            up = self._probe_lines()
            if up is None:
                return self._bcp_sign_in(user_id, password, state, supervisor, recorded=True)
            self.notices.append("回線が応答しています。オンラインで処理します(未送信の記録は madoguchi sync で送信)。")
            if api is not None:
                api.active_url = up
        for _ in range(ONLINE_TRIES):
            try:
                session = self.service.sign_in(user_id, password)
            except LineDownError as exc:
                log.warning("online sign-in failed on every line: %s", exc.message_en)
            else:
                self._remember_online()
                return session
            down_since = self._down_since(state)
            state.down_since = down_since.isoformat()
            save_line_state(self.data_dir, state, self.wall())
            up = self._wait_window(down_since)
            if up is None:
                return self._bcp_sign_in(user_id, password, state, supervisor, recorded=False)
            if api is not None:
                api.active_url = up
        raise LineDownError(message_en="the line answers probes but not the sign-in")

    def _recent_switch(self, state: LineState) -> bool:
        """The recorded line is used for a while; then a run tries the primary first again (a
        silent primary then costs the short interactive timeout once, and is recorded again)."""
        switched = state.switched_time()
        if switched is None:
            return True
        return (self.wall() - switched).total_seconds() <= PRIMARY_RETRY_SECONDS

    def _api(self) -> Any:
        return getattr(self.service.router.backend("online"), "api", None)

    def _remember_online(self) -> None:
        api = self._api()
        state = load_line_state(self.data_dir)
        active = api.active_url if api is not None else None
        state.use_endpoint(active, self.wall())
        state.mode = "online" if api is None or active == api.urls[0] else "secondary"
        state.down_since = None
        save_line_state(self.data_dir, state, self.wall())

    def _down_since(self, state: LineState) -> datetime:
        now = self.wall()
        recorded = state.down_since_time()
        window = float(self.config.bcp_window_seconds)
        if recorded is not None and timedelta(0) <= now - recorded <= timedelta(seconds=window * STALE_DOWN_FACTOR):
            return recorded
        return now

    def _probe_lines(self) -> str | None:
        """One quick probe of each line; the first that answers, else None. Fed to the machine."""
        import time

        from client.continuity.orchestrator import ProbeFailure, http_probe

        timeout = float(self.config.interactive_timeout_seconds)
        probe = http_probe(timeout=timeout, verify=_verify(self.config.ca_bundle))
        machine = self.runtime.machine
        with self.runtime.continuity.probe_round():  # one probe per line, no urgent rounds besides
            for url in machine.endpoints:
                sent = time.monotonic()
                try:
                    ok, error = probe(url), ""
                except ProbeFailure as exc:  # what the line said, for the supervisor's evidence
                    ok, error = False, str(exc)
                self.runtime.continuity.on_attempt(url, ok, elapsed=time.monotonic() - sent, error=error)
                if ok:
                    return str(url)
        return None

    def _wait_window(self, down_since: datetime) -> str | None:
        """Probe every second until the BCP window has passed since every line went down."""
        window = float(self.config.bcp_window_seconds)
        while True:
            left = window - (self.wall() - down_since).total_seconds()
            if left <= 0:
                return None
            self.sleep(min(1.0, left))
            up = self._probe_lines()
            if up is not None:
                return up

    def _bcp_sign_in(self, user_id: str, password: str, state: LineState,
                     supervisor: tuple[str, str] | None, *, recorded: bool) -> Any:
        from client.continuity.machine import BcpPolicy
        from client.replica.damage import ReplicaDamagedError

        try:
            self.runtime.bcp_backend.integrity.vouch()  # every page's HMAC, before any decision
        except ReplicaDamagedError as exc:
            raise ReplicaNotUsableError(exc.message_ja, exc.message_en) from exc
        if not recorded and self.runtime.machine.policy.policy is BcpPolicy.CONFIRM:
            if supervisor is None:
                raise BcpNeedsSupervisorError(message_en="every line is down; the confirm policy needs a "
                                                         "supervisor to declare BCP mode (--bcp-supervisor)")
            from client.composition.terminal_link import confirm_bcp

            confirm_bcp(self.service, self.runtime, supervisor[0], supervisor[1])
        self.service.router.use("bcp")
        state.mode = "bcp"
        save_line_state(self.data_dir, state, self.wall())
        self.notices.append("回線がすべて切断されています。BCPモード(縮退運用)で処理します。")
        return self.service.sign_in(user_id, password)


def _verify(ca_bundle: Path | None) -> Any:
    if ca_bundle is None:
        return True
    import ssl

    return ssl.create_default_context(cafile=str(ca_bundle))
