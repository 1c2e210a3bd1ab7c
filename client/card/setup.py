"""The card reader a terminal uses, from its configuration (trust chain files, reader name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from client.card.errors import TrustConfigurationError
from client.card.reader import MyNumberCardReader
from client.card.signature import TrustStore
from client.card.transport import PcscConnector


def reader_factory(roots: Path | None, intermediates: Path | None = None,
                   reader_name: str = "") -> Callable[[], MyNumberCardReader]:
    """A factory that builds the reader when the clerk reads a card (the chain is read then).

    A terminal without a configured chain still opens the dialog, and the read stops with
    TrustConfigurationError: a card is never accepted unchecked.
    """

    def build() -> MyNumberCardReader:
        if roots is None:
            raise TrustConfigurationError(message_en="card_trust_roots is not configured")
        return MyNumberCardReader(PcscConnector(reader_name), TrustStore.from_files(roots, intermediates))

    return build


def reader_factory_from_config(config: Any) -> Callable[[], MyNumberCardReader]:
    return reader_factory(config.card_trust_roots, config.card_trust_intermediates, config.card_reader)
