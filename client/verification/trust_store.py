"""Fetch, cache and pin the trust list for ``madoguchi verify`` (the only I/O in this package).

The cache is ``$MADOGUCHI_HOME/trust-list.json`` (the document as fetched) with its ETag in
``trust-list.etag``; the root key id seen first is pinned in ``trust-root.txt`` (trust on first
use, or set explicitly): a later list under another root is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from client.certificate.trust_list import TrustList, TrustListError, read_trust_list

LIST_PATH = "/trust/v1/list"
CACHE_FILE = "trust-list.json"
ETAG_FILE = "trust-list.etag"
PIN_FILE = "trust-root.txt"


@dataclass(frozen=True)
class LoadedList:
    listing: TrustList
    source: str  # file | server | cache
    warning_ja: str = ""
    warning_en: str = ""


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def pinned_root(home: Path) -> str | None:
    path = home / PIN_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def pin_root(home: Path, kid: str) -> None:
    _atomic_write(home / PIN_FILE, (kid + "\n").encode("ascii"))


def load_file(path: Path, home: Path | None = None) -> LoadedList:
    try:
        doc = path.read_bytes()
    except OSError as exc:
        raise TrustListError("trust_list_unreadable", f"信頼リスト {path} を読み込めません。",
                             f"cannot read trust list {path}: {exc}") from exc
    return LoadedList(read_trust_list(doc, pinned_root=pinned_root(home) if home else None), "file")


def load_cached(home: Path) -> LoadedList | None:
    path = home / CACHE_FILE
    if not path.exists():
        return None
    return LoadedList(read_trust_list(path.read_bytes(), pinned_root=pinned_root(home)), "cache")


def fetch(server_url: str, home: Path, *, timeout: float = 5.0) -> LoadedList:
    """GET the list (conditional on the cached ETag), check it, cache it, pin its root on first use.

    When the server cannot be reached, the cached list is used with a warning; with no cache the
    error is raised.
    """
    import httpx

    url = server_url.rstrip("/") + LIST_PATH
    headers = {}
    etag_path = home / ETAG_FILE
    cached = home / CACHE_FILE
    if cached.exists() and etag_path.exists():
        headers["If-None-Match"] = etag_path.read_text(encoding="ascii", errors="replace").strip()
    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        loaded = load_cached(home)
        if loaded is None:
            raise TrustListError("trust_list_unavailable", "信頼リストを取得できません。",
                                 f"cannot fetch {url}: {exc}") from exc
        return LoadedList(loaded.listing, "cache", "信頼リストを取得できないため保存済みのものを使います。",
                          f"cannot fetch {url}; using the cached trust list")
    if response.status_code == 304:
        loaded = load_cached(home)
        if loaded is not None:
            return LoadedList(loaded.listing, "server")
        response = httpx.get(url, timeout=timeout)
    if response.status_code != 200:
        raise TrustListError("trust_list_unavailable", f"信頼リストを取得できません（HTTP {response.status_code}）。",
                             f"{url} answered {response.status_code}")
    listing = read_trust_list(response.content, pinned_root=pinned_root(home))
    if pinned_root(home) is None:
        pin_root(home, listing.root_kid)
    _atomic_write(cached, response.content)
    if response.headers.get("etag"):
        _atomic_write(etag_path, response.headers["etag"].encode("ascii", "replace"))
    return LoadedList(listing, "server")
