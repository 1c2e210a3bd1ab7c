"""The card reader's configuration: the trust chain files and the reader name, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from client.card.errors import TrustConfigurationError
from client.card.reader import MyNumberCardReader
from client.card.setup import reader_factory_from_config
from client.lifecycle.config import load_config


def _load(tmp_path: Path, toml: str = "", env: dict[str, str] | None = None) -> Any:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(toml, encoding="utf-8")
    return load_config(environ={"MADOGUCHI_HOME": str(home), **(env or {})}, platform="linux")


def test_no_chain_configured_refuses_every_read(tmp_path: Path) -> None:
    cfg = _load(tmp_path)
    assert cfg.card_trust_roots is None and cfg.card_reader == ""
    build = reader_factory_from_config(cfg)
    with pytest.raises(TrustConfigurationError) as info:
        build()
    assert "証明書が設定されていません" in info.value.message_ja


def test_chain_from_the_config_file_and_the_environment(tmp_path: Path, card_chain: Any) -> None:
    roots, inter = card_chain.write(tmp_path / "trust")
    cfg = _load(tmp_path, toml=f'card_trust_roots = "{roots}"\ncard_reader = "Reader A"\n',
                env={"MADOGUCHI_CARD_TRUST_INTERMEDIATES": str(inter)})
    assert (cfg.card_trust_roots, cfg.card_trust_intermediates, cfg.card_reader) == (roots, inter, "Reader A")
    reader = reader_factory_from_config(cfg)()
    assert isinstance(reader, MyNumberCardReader)
    assert reader.trust.roots[0].subject == card_chain.root.subject
    assert reader.trust.intermediates[0].subject == card_chain.intermediate.subject
    assert reader.connector.reader_name == "Reader A"  # type: ignore[attr-defined]


def test_unreadable_chain_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "roots.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    cfg = _load(tmp_path, toml=f'card_trust_roots = "{bad}"\n')
    with pytest.raises(TrustConfigurationError):
        reader_factory_from_config(cfg)()
