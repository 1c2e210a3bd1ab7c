"""How APDUs reach the card: a small interface, and PC/SC through pyscard's ``smartcard.scard``.

pyscard speaks WinSCard on Windows and pcsc-lite on Linux (tests run a real pcscd with the
vsmartcard vpcd virtual reader). PC/SC error codes become the card errors the clerk can act on.
"""

from __future__ import annotations

import logging
from typing import Protocol

from client.card.errors import CardError, CardRemovedError, NoCardError, ReaderUnavailableError

log = logging.getLogger(__name__)


class CardTransport(Protocol):
    def transmit(self, apdu: bytes) -> bytes: ...

    def close(self) -> None: ...


class CardConnector(Protocol):
    """Opens one connection to the card in the reader (one per read step)."""

    def connect(self) -> CardTransport: ...


def _scard() -> object:
    try:
        from smartcard import scard
    except Exception as exc:  # pragma: no cover - pyscard is a dependency
        raise ReaderUnavailableError(message_en=f"pyscard not importable: {exc!r}") from exc
    return scard


class PcscTransport:
    def __init__(self, scard: object, context: int, card: int, protocol: int) -> None:
        self._s = scard
        self._ctx = context
        self._card = card
        self._protocol = protocol

    def transmit(self, apdu: bytes) -> bytes:
        s = self._s
        hresult, response = s.SCardTransmit(self._card, self._protocol, list(apdu))  # type: ignore[attr-defined]
        if hresult != s.SCARD_S_SUCCESS:  # type: ignore[attr-defined]
            raise _error(s, hresult, "transmit")
        if len(response) < 2:  # no status word: the card went away under the command
            raise CardRemovedError(message_en=f"transmit: {len(response)}-byte response (card gone)")
        return bytes(response)

    def close(self) -> None:
        s = self._s
        try:
            s.SCardDisconnect(self._card, s.SCARD_LEAVE_CARD)  # type: ignore[attr-defined]
        finally:
            s.SCardReleaseContext(self._ctx)  # type: ignore[attr-defined]


def _error(s: object, hresult: int, where: str) -> CardError:
    text = s.SCardGetErrorMessage(hresult)  # type: ignore[attr-defined]
    removed = {getattr(s, n, None) for n in ("SCARD_W_REMOVED_CARD", "SCARD_W_RESET_CARD",
                                              "SCARD_E_NO_SMARTCARD", "SCARD_W_UNPOWERED_CARD",
                                              "SCARD_E_NOT_TRANSACTED", "SCARD_F_COMM_ERROR",
                                              "SCARD_W_UNRESPONSIVE_CARD")}
    if hresult in removed:
        return CardRemovedError(message_en=f"{where}: {text} ({hresult & 0xFFFFFFFF:#x})")
    if hresult in {getattr(s, "SCARD_E_NO_SERVICE", None), getattr(s, "SCARD_E_NO_READERS_AVAILABLE", None),
                   getattr(s, "SCARD_E_READER_UNAVAILABLE", None), getattr(s, "SCARD_E_UNKNOWN_READER", None)}:
        return ReaderUnavailableError(message_en=f"{where}: {text}")
    return CardError(message_en=f"{where}: {text} ({hresult & 0xFFFFFFFF:#x})")


class PcscConnector:
    """Connects to the first reader holding a card (or the reader named in the configuration)."""

    def __init__(self, reader_name: str = "") -> None:
        self.reader_name = reader_name

    def readers(self) -> list[str]:
        s = _scard()
        hresult, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)  # type: ignore[attr-defined]
        if hresult != s.SCARD_S_SUCCESS:  # type: ignore[attr-defined]
            raise _error(s, hresult, "establish context")
        try:
            hresult, names = s.SCardListReaders(ctx, [])  # type: ignore[attr-defined]
            if hresult != s.SCARD_S_SUCCESS:  # type: ignore[attr-defined]
                raise _error(s, hresult, "list readers")
            return list(names)
        finally:
            s.SCardReleaseContext(ctx)  # type: ignore[attr-defined]

    def connect(self) -> CardTransport:
        s = _scard()
        hresult, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)  # type: ignore[attr-defined]
        if hresult != s.SCARD_S_SUCCESS:  # type: ignore[attr-defined]
            raise _error(s, hresult, "establish context")
        try:
            hresult, names = s.SCardListReaders(ctx, [])  # type: ignore[attr-defined]
            if hresult != s.SCARD_S_SUCCESS or not names:  # type: ignore[attr-defined]
                raise ReaderUnavailableError(message_en="no reader attached")
            candidates = [n for n in names if not self.reader_name or n == self.reader_name]
            if not candidates:
                raise ReaderUnavailableError(message_en=f"reader {self.reader_name!r} not attached")
            last: CardError = NoCardError()
            for name in candidates:
                hresult, card, protocol = s.SCardConnect(  # type: ignore[attr-defined]
                    ctx, name, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)  # type: ignore[attr-defined]
                if hresult == s.SCARD_S_SUCCESS:  # type: ignore[attr-defined]
                    log.debug("card connected in %s", name)
                    return PcscTransport(s, ctx, card, protocol)
                err = _error(s, hresult, f"connect {name}")
                last = NoCardError(message_en=err.message_en) if isinstance(err, CardRemovedError) else err
            raise last
        except BaseException:
            s.SCardReleaseContext(ctx)  # type: ignore[attr-defined]
            raise
