"""CounterService: the one facade the counter UI and the CLI call (Qt-free).

It holds the signed-in session, routes every call to the backend of the current mode
(``BackendRouter``), renders issued certificates to PDF files, and builds the 日計表.
Every method may block (network, disk): the UI calls them from worker threads only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error

from client.certificate.signing import generate_keypair, sign_certificate
from client.domain.calendar_day import japan_date
from client.domain.model import Decision, IssuanceRequest, MunicipalityParams, SupportRelease
from client.printing.errors import RenderError as RendererError
from client.services.backend import BackendRouter, CounterBackend
from client.services.conflicts import UnsyncedBcpError, unsynced_note
from client.services.day_close_pdf import render_day_close_pdf
from client.services.errors import (
    ClerkError,
    PermissionDeniedError,
    RenderError,
    SessionExpiredError,
    SignInError,
)
from client.services.records import (
    DayCloseReport,
    HistoryEntry,
    IssuanceOutcome,
    IssuedCertificate,
    ResidentDetail,
    ResidentSummary,
    StaffUser,
)
from client.services.supervision import SupervisionMixin
from client.services.unprinted import UNPRINTED_FILE, UnprintedStore

log = logging.getLogger(__name__)

# Cheap enough for an unlock on a counter PC, still a real argon2id hash (never the password).
_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
JST = timezone(timedelta(hours=9), "JST")  # business dates (発行日, 日計) are Japan dates
_SAFE = re.compile(r"[^0-9A-Za-z_.-]+")


@dataclass(frozen=True)
class Session:
    user: StaffUser
    municipality: MunicipalityParams
    token: str
    signed_in_at: datetime
    _password_hash: str = ""


@dataclass(frozen=True)
class SupervisorGrant:
    """A supervisor who signed in at this terminal to approve one action (release, void, reprint)."""

    user: StaffUser
    backend: CounterBackend


Renderer = Callable[[Any, str], Any]  # (CertificateContent, qr_token) -> RenderResult(.pdf, .pages, .alerts)


def _default_renderer(content: Any, qr_token: str) -> Any:
    from client.printing.render import render_certificate

    return render_certificate(content, qr_token)


class CounterService(SupervisionMixin):
    """The counter facade (module docstring); the supervisor's reviews and the emergency holds are
    in ``SupervisionMixin`` (client/services/supervision.py)."""

    def __init__(
        self,
        router: BackendRouter,
        *,
        municipality_code: str,
        terminal_id: str,
        out_dir: Path,
        printer_id: str = "プリンタ001",
        clock: Callable[[], datetime] | None = None,
        renderer: Renderer | None = None,
        pending_bcp: Callable[[], int] | None = None,
        change_listeners: Sequence[Callable[[str], None]] = (),
        peer_group: Any = None,
    ) -> None:
        self.router = router
        self.municipality_code = municipality_code
        self.terminal_id = terminal_id
        self.printer_id = printer_id
        self.out_dir = Path(out_dir)
        self._clock = clock or (lambda: datetime.now(JST))
        self._render = renderer or _default_renderer
        # BCP issuances still in the outbox (an enrolled terminal's runtime.outbox.count_pending)
        self.pending_bcp: Callable[[], int] = pending_bcp or (lambda: 0)
        self._session: Session | None = None
        self._lock = threading.Lock()
        self.unprinted = UnprintedStore(self.out_dir / UNPRINTED_FILE)  # issued, paper still missing
        # called (on the calling thread) after something the banner shows changed: "issued",
        # "voided", "reprinted", "hold" (the terminal runtime re-publishes its 未送信 count and データ時点)
        self.change_listeners: list[Callable[[str], None]] = list(change_listeners)
        # the hall's peer group (client.peers.group.PeerGroup) of an enrolled terminal; None otherwise
        self.peer_group: Any = peer_group

    def close(self) -> None:
        """Release what the service holds (the render process, if any)."""
        close = getattr(self._render, "close", None)
        if callable(close):
            close()

    # -- session ---------------------------------------------------------------------------

    @property
    def backend(self) -> CounterBackend:
        return self.router.current

    @property
    def mode(self) -> str:
        return self.router.mode

    @property
    def works_locally(self) -> bool:
        """The current backend writes to this terminal's databases (BCP mode: the outbox), so its
        writes belong on the UI's single local writer, not the network pool."""
        return self.router.mode == "bcp"

    @property
    def drill(self) -> bool:
        """防災訓練: the terminal's BCP backend issues 見本 only (``madoguchi gui --drill``)."""
        try:
            bcp = self.router.backend("bcp")
        except KeyError:
            return False
        return bool(getattr(bcp, "training", False))

    @property
    def session(self) -> Session:
        session = self._session
        if session is None:
            raise SessionExpiredError("サインインしてください。", "not signed in")
        if session.municipality.code != self.municipality_code and self.mode != "bcp":
            # A partner's staff (相互バックアップ) work here in BCP mode only: the line is back.
            with self._lock:
                self._session = None
            raise SessionExpiredError(
                "回線が復旧したため、他団体の職員としてのサインインは終了しました。",
                "the line is back: the partner municipality's sign-in has ended",
            )
        return session

    def sign_in_municipalities(self) -> dict[str, str]:
        """code → name of the municipalities a clerk may sign in for here: this terminal's own
        (name empty) and, in BCP mode, mutual-backup partners whose replica is on this terminal."""
        out = {self.municipality_code: ""}
        if self.mode == "bcp":
            desks = getattr(self.backend, "desks", None)
            if desks is not None:
                out.update(desks.names())
        return out

    @property
    def signed_in(self) -> bool:
        return self._session is not None

    def sign_in(self, user_id: str, password: str, municipality_code: str | None = None) -> Session:
        """Sign in for this terminal's municipality, or — BCP mode only — for a mutual-backup
        partner (``municipality_code``), checked against that partner's replica."""
        user_id = user_id.strip()
        if not user_id or not password:
            raise SignInError("職員IDとパスワードを入力してください。", "empty staff ID or password")
        code = (municipality_code or "").strip() or self.municipality_code
        partner = code != self.municipality_code
        if partner and self.mode != "bcp":
            raise SignInError(
                "他団体(相互バックアップ協定先)の職員としてのサインインは、BCPモード中のみ可能です。",
                "signing in as a partner municipality's staff is only possible in BCP mode",
            )
        signed = self.backend.sign_in(code, user_id, password, self.terminal_id)
        session = Session(
            user=signed.user,
            municipality=signed.municipality,
            token=signed.token,
            signed_in_at=self._clock(),
            _password_hash=_HASHER.hash(password),
        )
        with self._lock:
            self._session = session
        log.info("signed in: user=%s municipality=%s terminal=%s mode=%s", user_id, code, self.terminal_id,
                 self.mode)
        if not partner:  # a partner's staff never sign in to this municipality's backends
            self._sign_in_standby(user_id, password)
        return session

    def _sign_in_standby(self, user_id: str, password: str) -> None:
        """Sign the clerk in on the other registered backends too (the BCP replica), so a line cut
        later needs no second sign-in. Best effort: a failure there is logged, not raised."""
        current = self.backend
        for mode, backend in self.router.backends().items():
            if backend is current:
                continue
            if self.mode == "bcp" and mode == "online":
                continue  # every line is known down: an online sign-in would only wait on it
            try:
                backend.sign_in(self.municipality_code, user_id, password, self.terminal_id)
            except Exception as exc:  # noqa: BLE001
                log.warning("standby sign-in on the %s backend failed: %s", mode, exc)

    def verify_password(self, password: str) -> bool:
        """Unlock check after the idle lock: the signed-in clerk's password, verified locally."""
        session = self._session
        if session is None or not password:
            return False
        try:
            return _HASHER.verify(session._password_hash, password)
        except Argon2Error:
            return False

    def sign_out(self) -> None:
        with self._lock:
            self._session = None

    def authorize_supervisor(self, user_id: str, password: str) -> SupervisorGrant:
        """A supervisor signs in beside the clerk; refused unless the account is a supervisor."""
        # The supervisor belongs to the municipality the clerk works for (a partner's, in mutual backup).
        code = self._session.municipality.code if self._session is not None else self.municipality_code
        signed, backend = self.backend.for_user(code, user_id.strip(), password, self.terminal_id)
        if not signed.user.is_supervisor:
            raise PermissionDeniedError(
                "この職員には承認の権限がありません。係長(支援措置責任者)のIDを入力してください。",
                f"user {user_id} is not a supervisor",
            )
        log.info("supervisor %s authorised at terminal %s", signed.user.user_id, self.terminal_id)
        return SupervisorGrant(user=signed.user, backend=backend)

    # -- look-ups -----------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[ResidentSummary]:
        self.session  # noqa: B018 — raises when not signed in
        query = query.strip()
        if not query:
            return []
        return self.backend.search(query, limit)

    def resident(self, atena_no: str) -> ResidentDetail:
        self.session  # noqa: B018
        return self.backend.resident(atena_no)

    # -- issuance ---------------------------------------------------------------------------

    def evaluate(
        self, request: IssuanceRequest, release: SupportRelease | None = None, grant: SupervisorGrant | None = None
    ) -> Decision:
        self.session  # noqa: B018
        backend = grant.backend if (grant is not None and release is not None) else self.backend
        return backend.evaluate(request, release)

    def issue(
        self,
        request: IssuanceRequest,
        release: SupportRelease | None = None,
        grant: SupervisorGrant | None = None,
        out_dir: Path | None = None,
    ) -> IssuanceOutcome:
        """Issue on the server (or replica), then render every copy to a PDF file."""
        self.session  # noqa: B018
        backend = grant.backend if (grant is not None and release is not None) else self.backend
        outcome = backend.issue(request, release, self.printer_id)
        self._changed("issued")  # recorded (outbox or server) even if rendering fails below
        log.info(
            "issued %s: type=%s subject=%s copies=%d numbers=%s",
            outcome.issuance_id,
            request.cert_type.value,
            request.subject_atena_no,
            request.copies,
            [c.issue_number for c in outcome.certificates],
        )
        return self._render_outcome(outcome, out_dir)

    def _changed(self, what: str) -> None:
        for listener in list(self.change_listeners):
            try:
                listener(what)
            except Exception:  # noqa: BLE001 - a listener (the banner) must not undo an issuance
                log.exception("change listener failed after %s", what)

    def _render_outcome(self, outcome: IssuanceOutcome, out_dir: Path | None) -> IssuanceOutcome:
        target = Path(out_dir) if out_dir is not None else self.out_dir / self._clock().strftime("%Y%m%d")
        target.mkdir(parents=True, exist_ok=True)
        rendered: list[IssuedCertificate] = []
        for i, cert in enumerate(outcome.certificates, start=1):
            try:
                result = self._render(cert.content, cert.qr_token)
            except ClerkError as exc:
                if isinstance(exc, RendererError):  # the renderer's own message, as the services' error
                    raise _render_error(exc, f"render failed for {cert.issue_number}") from exc
                raise
            except Exception as exc:
                raise _render_error(exc, f"render failed for {cert.issue_number}") from exc
            name = _SAFE.sub("_", f"{outcome.issuance_id or 'issuance'}-{i}") + ".pdf"
            path = target / name
            path.write_bytes(result.pdf)
            rendered.append(
                replace(
                    cert,
                    pdf_path=path,
                    pages=int(getattr(result, "pages", 0) or 0),
                    alerts=tuple(str(a) for a in (getattr(result, "alerts", ()) or ())),
                )
            )
        return replace(outcome, certificates=tuple(rendered))

    def preview(self, decision: Decision) -> Path:
        """Render the decided content (no 発行番号 yet) to a preview PDF; nothing is issued or logged."""
        if decision.content is None:
            raise RenderError("交付できない内容はプレビューできません。", "preview without content")
        from client.printing.seal_marks import with_seal_marks

        content = with_seal_marks(replace(decision.content, training=True, issue_number="見本"))
        try:
            private_key, _public = generate_keypair()  # throwaway key: a preview verifies as nothing
            result = self._render(content, sign_certificate(content, private_key, "preview"))
        except ClerkError as exc:
            if isinstance(exc, RendererError):
                raise _render_error(exc, "preview render failed") from exc
            raise
        except Exception as exc:
            raise _render_error(exc, "preview render failed") from exc
        path = self.out_dir / "preview" / "preview.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(result.pdf)
        return path

    # -- history, void, reprint ------------------------------------------------------------

    def today(self) -> date:
        """The counter's day: the Japanese calendar day (the 交付履歴 and 日計表 are kept by it),
        whatever the zone of the terminal's clock."""
        return japan_date(self._clock())

    def history(self, day: date | None = None, atena_no: str | None = None) -> list[HistoryEntry]:
        self.session  # noqa: B018
        if day is None and not atena_no:
            day = self.today()
        return self.backend.history(day, atena_no)

    def _supervisor_backend(self, grant: SupervisorGrant | None) -> CounterBackend:
        if grant is not None:
            return grant.backend
        if self.session.user.is_supervisor:
            return self.backend
        raise PermissionDeniedError(message_en="void/reprint needs a supervisor")

    @staticmethod
    def _check_reason(reason: str) -> str:
        reason = reason.strip()
        if not reason:
            raise ClerkError("理由を入力してください。", "reason required")
        return reason

    def void(self, issuance_id: str, reason: str, grant: SupervisorGrant | None = None) -> None:
        reason = self._check_reason(reason)
        self._supervisor_backend(grant).void(issuance_id, reason)
        self._changed("voided")
        log.info("voided %s: %s", issuance_id, reason)

    def reprint(
        self, issuance_id: str, reason: str, grant: SupervisorGrant | None = None, out_dir: Path | None = None
    ) -> IssuanceOutcome:
        reason = self._check_reason(reason)
        outcome = self._supervisor_backend(grant).reprint(issuance_id, reason)
        self._changed("reprinted")
        log.info("reprinted %s: %s", issuance_id, reason)
        return self._render_outcome(outcome, out_dir)

    # -- day close -----------------------------------------------------------------------------

    def day_close(self, day: date | None = None, ack: SupervisorGrant | None = None) -> DayCloseReport:
        """The 日計表; refused (UnsyncedBcpError) while BCP issuances are unsynced, unless a supervisor
        acknowledges them (``ack``), in which case the report notes the unsynced count."""
        session = self.session
        day = day or self.today()
        pending = int(self.pending_bcp())
        if pending > 0:
            if ack is None or not ack.user.is_supervisor:
                raise UnsyncedBcpError(pending)
            log.warning("day close with %d unsynced BCP issuance(s), acknowledged by %s", pending, ack.user.user_id)
        report = self.backend.day_close(day, session.municipality.name)
        if pending > 0 and ack is not None:
            report = replace(report, notes=(*report.notes, unsynced_note(pending, ack.user.name)))
        waiting = self.unprinted.all()
        if waiting:  # recorded (and counted above) but not handed over: the fee was not taken
            report = replace(report, notes=(*report.notes, (
                f"未印刷の交付 {len(waiting)} 件(手数料 {sum(w.fee_yen for w in waiting):,}円 未収): "
                + "、".join(n for w in waiting for n in w.issue_numbers))))
        return report

    def day_close_pdf(
        self, day: date | None = None, path: Path | None = None, ack: SupervisorGrant | None = None
    ) -> tuple[DayCloseReport, Path]:
        report = self.day_close(day, ack)
        pdf = render_day_close_pdf(report, generated_at=self._clock(), generated_by=self.session.user.name)
        if path is None:
            path = self.out_dir / "day-close" / f"nikkeihyo-{report.day:%Y%m%d}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        return report, path


def _render_error(exc: Exception, context: str) -> RenderError:
    """Keep the renderer's own Japanese message (e.g. the characters no font can draw)."""
    message_ja = getattr(exc, "message_ja", "")
    message_en = getattr(exc, "message_en", "") or repr(exc)
    return RenderError(message_ja, f"{context}: {message_en}")
