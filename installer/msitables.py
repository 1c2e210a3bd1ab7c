"""Reading and patching MSI tables with msitools (msiinfo, msibuild).

wixl cannot declare SecureCustomProperties (it ignores ``Secure="yes"``), so the build patches
the Property table afterwards. The same readers serve the installer tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


class MsiToolError(Exception):
    """msiinfo or msibuild failed."""


def _run(cmd: list[str]) -> str:
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0:
        raise MsiToolError(f"{' '.join(cmd)} failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8", "surrogateescape")


def table_names(msi: Path) -> list[str]:
    return [line.strip() for line in _run(["msiinfo", "tables", str(msi)]).splitlines() if line.strip()]


def export_raw(msi: Path, table: str) -> bytes:
    done = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True)
    if done.returncode != 0:
        raise MsiToolError(f"msiinfo export {table} failed: {done.stderr.decode('utf-8', 'replace')}")
    return done.stdout


def read_table(msi: Path, table: str) -> list[dict[str, str]]:
    """Rows of a table as dicts (IDT export: columns, types, table/keys, then rows)."""
    text = export_raw(msi, table).decode("utf-8", "surrogateescape")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    columns = lines[0].split("\t")
    rows = []
    for line in lines[3:]:
        if not line:
            continue
        cells = line.split("\t")
        cells += [""] * (len(columns) - len(cells))
        rows.append(dict(zip(columns, cells, strict=False)))
    return rows


def properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in read_table(msi, "Property")}


def _sql_literal(value: str) -> str:
    if "'" in value or not value.isascii():
        raise MsiToolError(f"refusing to put {value!r} into an MSI query")
    return f"'{value}'"


def set_secure_custom_properties(msi: Path, names: list[str]) -> list[str]:
    """Add ``names`` to SecureCustomProperties (keeping wixl's own entries); returns the new list."""
    current = properties(msi).get("SecureCustomProperties", "")
    merged = sorted({n for n in current.split(";") if n} | set(names))
    value = _sql_literal(";".join(merged))
    if current:
        query = f"UPDATE `Property` SET `Value` = {value} WHERE `Property` = 'SecureCustomProperties'"
    else:
        query = f"INSERT INTO `Property` (`Property`, `Value`) VALUES ('SecureCustomProperties', {value})"
    _run(["msibuild", str(msi), "-q", query])
    return merged


MSIDB_UPGRADE_VERSION_MAX_INCLUSIVE = 0x200


def allow_same_version_upgrades(msi: Path, upgrade_property: str = "WIX_UPGRADE_DETECTED") -> None:
    """Make the upgrade row include its VersionMax (wixl ignores AllowSameVersionUpgrades).

    A rebuild of the same version (new ProductCode) then replaces the installed one instead of
    being installed beside it as a second product.
    """
    rows = [r for r in read_table(msi, "Upgrade") if r["ActionProperty"] == upgrade_property]
    if len(rows) != 1:
        raise MsiToolError(f"expected one Upgrade row for {upgrade_property}, found {len(rows)}")
    row = rows[0]
    attributes = int(row["Attributes"] or 0) | MSIDB_UPGRADE_VERSION_MAX_INCLUSIVE
    # Attributes is part of the Upgrade table's primary key: replace the row, not update it.
    columns = ["UpgradeCode", "VersionMin", "VersionMax", "Language", "Remove", "ActionProperty"]
    present = [c for c in columns if row.get(c)]
    names = ", ".join(f"`{c}`" for c in [*present, "Attributes"])
    values = ", ".join([*(_sql_literal(row[c]) for c in present), str(attributes)])
    prop = _sql_literal(upgrade_property)
    _run(["msibuild", str(msi), "-q", f"DELETE FROM `Upgrade` WHERE `ActionProperty` = {prop}"])
    _run(["msibuild", str(msi), "-q", f"INSERT INTO `Upgrade` ({names}) VALUES ({values})"])
