"""Ask the server about a certificate whose signature checked out: is it on record, was it voided?

POST {server}/api/v1/verify {"token": …} answers the signature verdict plus
``record: {"issuance_id", "issue_number", "voided", "void_reason"} | null``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from client.certificate.public_keys import PublicKeysError

VERIFY_PATH = "/api/v1/verify"


@dataclass(frozen=True)
class ServerRecord:
    known: bool  # the server holds an issuance record for the 発行番号
    voided: bool
    void_reason: str


def fetch_record(server_url: str, qr_token: str, *, token: str | None, timeout: float = 5.0) -> ServerRecord:
    """The server's record of the certificate. Raises ``PublicKeysError`` when the server cannot say."""
    import httpx

    url = server_url.rstrip("/") + VERIFY_PATH
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.post(url, json={"token": qr_token}, headers=headers, timeout=timeout)
        response.raise_for_status()
        data: Any = response.json()
    except httpx.HTTPError as exc:
        raise PublicKeysError("サーバーで交付記録を確認できません。", f"cannot ask {url}: {exc}") from exc
    except ValueError as exc:
        raise PublicKeysError("サーバーの応答を読み取れません。", f"{url}: not JSON") from exc
    record = data.get("record") if isinstance(data, dict) else None
    if not isinstance(record, dict):
        return ServerRecord(known=False, voided=False, void_reason="")
    return ServerRecord(
        known=True, voided=bool(record.get("voided")), void_reason=str(record.get("void_reason") or "")
    )
