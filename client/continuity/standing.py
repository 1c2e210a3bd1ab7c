"""The terminal's own standing, for ``madoguchi status`` and the counter window's banner:
enrolled, its signing key, the replica wrapping-key lease (expiry, days left), revoked/wiped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from client.local.keystore import KeyStore, LocalDataError

WARN_DAYS = 3  # the banner warns when the wrapping-key lease has fewer days left


def terminal_standing(data_dir: Path, now: datetime, keystore: KeyStore | None = None) -> dict[str, Any]:
    """Never raises: what cannot be read is reported as such."""
    from client.continuity.wipe import read_marker
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError
    from client.local.keystore import TERMINAL_KEY_FILE
    from client.local.wrapping import read_lease

    data_dir = Path(data_dir)
    out: dict[str, Any] = {"enrolled": False, "terminal_id": None, "key_id": None,
                           "terminal_key": {"present": (data_dir / TERMINAL_KEY_FILE).exists(), "expires_at": None},
                           "wrapping_key": {"present": False, "valid_until": None, "days_left": None,
                                            "expired": None},
                           "revoked": False, "revoked_at": None, "wiped": False, "warn_days": WARN_DAYS}
    try:
        enrolment = Enrolment.load(data_dir)
        out.update(enrolled=True, terminal_id=enrolment.terminal_id, key_id=enrolment.key_id)
    except NotEnrolledError:
        pass
    marker = read_marker(data_dir)
    if marker is not None:
        out.update(revoked=True, revoked_at=marker.get("revoked_at"), wiped=marker.get("state") == "wiped",
                   revoked_message_ja=marker.get("message_ja"), revoked_message_en=marker.get("message_en"))
    try:
        lease = read_lease(keystore if keystore is not None else KeyStore())
    except LocalDataError as exc:
        out["wrapping_key"]["error"] = exc.message_en
        lease = None
    if lease is not None:
        left = (lease.valid_until - now).total_seconds() / 86400
        out["wrapping_key"] = {"present": True, "valid_until": lease.valid_until.isoformat(),
                               "days_left": round(left, 1), "expired": left <= 0}
    out["banner_ja"], out["banner_en"] = banner_text(out)
    return out


def banner_text(standing: dict[str, Any]) -> tuple[str, str]:
    """One line the counter window's banner can show ("" when all is well)."""
    if standing.get("revoked"):
        return ("この端末は利用停止されています(データセンターによる失効)。",
                "This terminal has been revoked by the data centre.")
    if not standing.get("enrolled"):
        return "この端末は登録されていません。", "This terminal is not enrolled."
    wk = standing.get("wrapping_key") or {}
    if standing.get("enrolled") and not wk.get("present"):
        return ("住民データ(複製)の利用期限が切れています。データセンターに接続すると更新されます。",
                "The replica key lease has expired; it is renewed when the data centre is reached.")
    days = wk.get("days_left")
    if days is not None and days < WARN_DAYS:
        return (f"住民データ(複製)の利用期限まで残り {max(days, 0):.1f} 日です。データセンターに接続してください。",
                f"The replica key lease expires in {max(days, 0):.1f} day(s); reach the data centre to renew it.")
    return "", ""


def standing_lines(standing: dict[str, Any] | None) -> list[str]:
    """``madoguchi status`` lines (Japanese / English) for the terminal's standing."""
    if not standing:
        return []
    yes_no = {True: "はい / yes", False: "いいえ / no"}
    wk = standing.get("wrapping_key") or {}
    if wk.get("present"):
        lease = f"{wk['valid_until']} まで (残り {wk['days_left']} 日) / valid until {wk['valid_until']}"
    else:
        lease = "なし(期限切れまたは未取得) / none (expired or not yet leased)"
    tk = standing.get("terminal_key") or {}
    key = (f"{standing.get('key_id') or '-'} (有効期限なし / no expiry)" if tk.get("present")
           else "なし / missing")
    lines = [
        f"  端末の登録 / enrolled: {yes_no[bool(standing.get('enrolled'))]}",
        f"  端末署名鍵 / terminal key: {key}",
        f"  複製の鍵の利用期限 / replica key lease: {lease}",
        f"  利用停止 / revoked: {yes_no[bool(standing.get('revoked'))]}"
        + (f" ({standing.get('revoked_at')})" if standing.get("revoked") else ""),
    ]
    if standing.get("revoked_message_ja"):
        lines += [f"  {standing['revoked_message_ja']}", f"  {standing.get('revoked_message_en', '')}"]
    elif standing.get("banner_ja"):
        lines += [f"  {standing['banner_ja']}", f"  {standing['banner_en']}"]
    return lines
