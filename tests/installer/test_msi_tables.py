"""The built MSI's tables, read back with msiinfo: properties, registry, search, upgrade, order."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from _msi_build import WXS_SOURCE, Built

from client.lifecycle.config import REGISTRY_KEY, msi_properties
from installer.msitables import export_raw, properties, read_table, table_names

pytestmark = pytest.mark.msi

PUBLIC = [p.name for p in msi_properties()]
MSIDB_COMPONENT_64BIT = 256
MSIDB_LOCATOR_64BIT = 16
MSIDB_CA_IN_SCRIPT = 0x400  # deferred
HKLM = "2"


def test_version_and_name_come_from_pyproject(full_msi: Built) -> None:
    import tomllib

    version = tomllib.loads((Path(WXS_SOURCE).parents[1] / "pyproject.toml").read_text())["project"]["version"]
    assert full_msi.msi.name == f"madoguchi-{version}-x64.msi"
    props = properties(full_msi.msi)
    assert props["ProductName"] == "Madoguchi"
    assert props["ProductVersion"] == ".".join((version.split(".") + ["0", "0"])[:3])
    assert props["ALLUSERS"] == "1"


def test_upgrade_code_is_the_fixed_one(full_msi: Built, msi_factory) -> None:  # noqa: ANN001
    match = re.search(r'UpgradeCode="([0-9A-F-]{36})"', WXS_SOURCE.read_text())
    assert match, "madoguchi.wxs declares no UpgradeCode"
    declared = match.group(1)
    for built in (full_msi, msi_factory()):
        props = properties(built.msi)
        assert props["UpgradeCode"] == "{" + declared + "}"
    assert properties(full_msi.msi)["ProductCode"] != properties(msi_factory().msi)["ProductCode"]


def test_public_properties_secure_and_written_to_hklm(full_msi: Built) -> None:
    props = properties(full_msi.msi)
    secure = props["SecureCustomProperties"].split(";")
    assert set(PUBLIC) <= set(secure) and "PYTHONDIR" in secure
    assert set(PUBLIC) == {"SERVERURL", "SECONDARYURL", "MUNICIPALITYCODE", "TERMINALID", "BCPPOLICY"}
    # the one property with a default carries it in the Property table
    assert props["BCPPOLICY"] == "municipality"

    registry = read_table(full_msi.msi, "Registry")
    components = {row["Component"]: row for row in read_table(full_msi.msi, "Component")}
    by_name = {row["Name"]: row for row in registry if row["Key"] == REGISTRY_KEY}
    for prop in msi_properties():
        row = by_name[prop.registry_value]
        assert row["Root"] == HKLM and row["Value"] == f"[{prop.name}]"
        assert int(components[row["Component_"]]["Attributes"]) & MSIDB_COMPONENT_64BIT
    assert by_name["InstallDir"]["Value"] == "[INSTALLDIR]"
    assert by_name["PythonDir"]["Value"] == "[PYTHONDIR]"


def test_properties_remembered_across_upgrades(full_msi: Built) -> None:
    """Each public property is searched in HKLM (64-bit) and the command line wins over it."""
    locators = {row["Signature_"]: row for row in read_table(full_msi.msi, "RegLocator")}
    searches = {row["Property"]: row["Signature_"] for row in read_table(full_msi.msi, "AppSearch")}
    actions = {row["Action"]: row for row in read_table(full_msi.msi, "CustomAction")}
    sequence = {row["Action"]: row for row in read_table(full_msi.msi, "InstallExecuteSequence")}
    app_search = int(sequence["AppSearch"]["Sequence"])
    for prop in msi_properties():
        locator = locators[searches[prop.name]]
        assert (locator["Root"], locator["Key"], locator["Name"]) == (HKLM, REGISTRY_KEY, prop.registry_value)
        assert int(locator["Type"]) == 2 | MSIDB_LOCATOR_64BIT  # raw value, 64-bit view
        save, restore = actions[f"SaveCmd{prop.name}"], actions[f"RestoreCmd{prop.name}"]
        assert int(save["Type"]) == 51 and save["Source"] == f"CMDLINE_{prop.name}"
        assert int(restore["Type"]) == 51 and restore["Target"] == f"[CMDLINE_{prop.name}]"
        assert int(sequence[f"SaveCmd{prop.name}"]["Sequence"]) < app_search
        assert app_search < int(sequence[f"RestoreCmd{prop.name}"]["Sequence"]) < int(
            sequence["LaunchConditions"]["Sequence"]
        )


def test_python_found_through_the_registry_or_install_refused(full_msi: Built) -> None:
    searches = {row["Property"]: row["Signature_"] for row in read_table(full_msi.msi, "AppSearch")}
    locator = {row["Signature_"]: row for row in read_table(full_msi.msi, "RegLocator")}[searches["PYTHONDIR"]]
    assert locator["Root"] == HKLM
    assert locator["Key"] == r"SOFTWARE\Python\PythonCore\3.11\InstallPath"
    assert locator["Name"] == ""  # the default value
    assert int(locator["Type"]) == 0 | MSIDB_LOCATOR_64BIT  # directory, 64-bit view
    conditions = {row["Condition"]: row["Description"] for row in read_table(full_msi.msi, "LaunchCondition")}
    message = conditions["Installed OR PYTHONDIR"]
    assert "Python 3.11" in message and "64-bit" in message and r"PythonCore\3.11\InstallPath" in message
    assert len(message) <= 255
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions


def test_upgrade_rows(full_msi: Built) -> None:
    props = properties(full_msi.msi)
    rows = read_table(full_msi.msi, "Upgrade")
    assert {row["UpgradeCode"] for row in rows} == {props["UpgradeCode"]}
    older = [r for r in rows if r["VersionMax"] == props["ProductVersion"] and not r["VersionMin"]]
    newer = [r for r in rows if r["VersionMin"] == props["ProductVersion"] and not r["VersionMax"]]
    assert len(older) == 1 and older[0]["ActionProperty"] == "WIX_UPGRADE_DETECTED"
    assert int(older[0]["Attributes"]) & 0x200  # VersionMaxInclusive: a same-version rebuild upgrades
    assert not int(newer[0]["Attributes"]) & 0x100  # ... and is not taken for a downgrade
    assert len(newer) == 1 and newer[0]["ActionProperty"] == "WIX_DOWNGRADE_DETECTED"
    assert int(newer[0]["Attributes"]) & 2  # msidbUpgradeAttributesOnlyDetect
    secure = props["SecureCustomProperties"].split(";")
    assert {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"} <= set(secure)


def test_start_menu_shortcut(full_msi: Built) -> None:
    (shortcut,) = read_table(full_msi.msi, "Shortcut")
    directories = {row["Directory"]: row for row in read_table(full_msi.msi, "Directory")}
    folder = directories[shortcut["Directory_"]]
    assert folder["Directory_Parent"] == "ProgramMenuFolder" and folder["DefaultDir"] == "Madoguchi"
    assert shortcut["Name"] == "Madoguchi"
    assert shortcut["Target"] == "[PYTHONDIR]pythonw.exe"
    assert shortcut["Arguments"] == '"[INSTALLDIR]madoguchi.pyw"'
    assert shortcut["WkDir"] == "INSTALLDIR"
    files = {row["FileName"]: row for row in read_table(full_msi.msi, "File")}
    launcher_component = files["madoguchi.pyw"]["Component_"]
    components = {row["Component"]: row for row in read_table(full_msi.msi, "Component")}
    assert components[launcher_component]["Directory_"] == "INSTALLDIR"


def _check_sequence(msi: Path, table: str) -> None:
    rows = read_table(msi, table)
    order = {row["Action"]: int(row["Sequence"]) for row in rows}
    assert len(set(order.values())) == len(order), f"{table}: two actions share a sequence number"
    types = {row["Action"]: int(row["Type"]) for row in read_table(msi, "CustomAction")}
    standard = ["FindRelatedProducts", "AppSearch", "LaunchConditions", "CostInitialize", "FileCost",
                "CostFinalize"]
    if table == "InstallExecuteSequence":
        standard += ["InstallValidate", "RemoveExistingProducts", "InstallInitialize", "ProcessComponents",
                     "RemoveRegistryValues", "RemoveShortcuts", "RemoveFiles", "InstallFiles",
                     "CreateShortcuts", "WriteRegistryValues", "RegisterProduct", "PublishProduct",
                     "InstallFinalize"]
        for action, kind in types.items():
            if action in order and kind & MSIDB_CA_IN_SCRIPT:
                assert order["InstallInitialize"] < order[action] < order["InstallFinalize"], action
    positions = [order[name] for name in standard]
    assert positions == sorted(positions), f"{table} out of order: {dict(zip(standard, positions, strict=True))}"


def test_sequences_are_valid(full_msi: Built, msi_factory) -> None:  # noqa: ANN001
    for msi in (full_msi.msi, msi_factory(bundled_runtime=True).msi):
        _check_sequence(msi, "InstallExecuteSequence")
        _check_sequence(msi, "InstallUISequence")
    # an early RemoveExistingProducts: upgrades are a clean uninstall, then the new files
    order = {r["Action"]: int(r["Sequence"]) for r in read_table(full_msi.msi, "InstallExecuteSequence")}
    assert order["InstallValidate"] < order["RemoveExistingProducts"] < order["InstallInitialize"]


def test_every_table_string_is_ascii(full_msi: Built) -> None:
    names = table_names(full_msi.msi)
    assert {"Property", "Registry", "File", "Shortcut", "LaunchCondition"} <= set(names)
    for table in names:
        if table == "_SummaryInformation":
            data = subprocess.run(["msiinfo", "suminfo", str(full_msi.msi)], capture_output=True).stdout
        else:
            data = export_raw(full_msi.msi, table)
        bad = [b for b in data if b > 0x7F]
        assert not bad, f"non-ASCII bytes in {table}"


def test_summary_information_declares_x64_and_long_names(full_msi: Built) -> None:
    text = subprocess.run(["msiinfo", "suminfo", str(full_msi.msi)], capture_output=True, text=True).stdout
    info = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    assert info["Template"] == "x64;1033"
    word_count = int(info["Source"].split()[0])
    assert word_count & 2 and not word_count & 1  # compressed; long file names (no 8.3 names needed)
    assert info["Version"].startswith("500")  # Windows Installer 5 (x64 packages need >= 200)
