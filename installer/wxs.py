"""Generated WiX pieces: the public properties (from ClientConfig) and the payload tree.

wixl has no ``heat``-style harvesting that suits a staged tree with stable identifiers, so the
payload fragment is written here: one component per directory, identifiers derived from the
relative path (stable between builds), component GUIDs derived from the path and the file set
(a component whose files change gets a new GUID, as the component rules want).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

from client.lifecycle.config import MsiProperty

# A fixed namespace for the payload's component GUIDs: never change it.
COMPONENT_NAMESPACE = uuid.UUID("b0f4d6a2-61c3-4f5e-9a7d-2c8e1f3b5d70")

# Custom-action sequence slots around AppSearch (50): save command-line values before it,
# restore them after it, so the command line wins over the values of the installed version.
SAVE_SEQUENCE_START = 30
RESTORE_SEQUENCE_START = 51


class WxsError(Exception):
    """The payload or a property cannot be expressed in the MSI."""


def _ascii(text: str, what: str) -> str:
    if not text.isascii():
        raise WxsError(f"{what} is not ASCII ({text!r}): wixl would drop it silently")
    return text


def _ident(prefix: str, key: str) -> str:
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:30].upper()


def properties_wxi(props: Sequence[MsiProperty], registry_key: str) -> str:
    """Property declarations with a registry search each, plus the save/restore custom actions."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Include>"]
    for prop in props:
        value = f" Value={quoteattr(_ascii(prop.default, prop.name))}" if prop.default else ""
        lines += [
            f'  <Property Id="{prop.name}"{value} Secure="yes">',
            f'    <RegistrySearch Id="Remembered{prop.name}" Root="HKLM" Key={quoteattr(registry_key)}'
            f' Name="{prop.registry_value}" Type="raw" Win64="yes"/>',
            "  </Property>",
            f'  <CustomAction Id="SaveCmd{prop.name}" Property="CMDLINE_{prop.name}"'
            f' Value="[{prop.name}]" Impersonate="yes"/>',
            f'  <CustomAction Id="RestoreCmd{prop.name}" Property="{prop.name}"'
            f' Value="[CMDLINE_{prop.name}]" Impersonate="yes"/>',
        ]
    lines.append("</Include>")
    return "\n".join(lines) + "\n"


def sequence_wxi(props: Sequence[MsiProperty]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Include>"]
    for index, prop in enumerate(props):
        lines.append(
            f'  <Custom Action="SaveCmd{prop.name}" Sequence="{SAVE_SEQUENCE_START + index}">{prop.name}</Custom>'
        )
        lines.append(
            f'  <Custom Action="RestoreCmd{prop.name}" Sequence="{RESTORE_SEQUENCE_START + index}">'
            f"CMDLINE_{prop.name}</Custom>"
        )
    lines.append("</Include>")
    return "\n".join(lines) + "\n"


def config_values_wxi(props: Sequence[MsiProperty], registry_key: str) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Include>"]
    for prop in props:
        lines.append(
            f'  <RegistryValue Root="HKLM" Key={quoteattr(registry_key)} Name="{prop.registry_value}"'
            f' Type="string" Value="[{prop.name}]"/>'
        )
    lines.append("</Include>")
    return "\n".join(lines) + "\n"


def payload_wxs(stage: Path, source_base: Path, root_directory: str = "INSTALLDIR") -> str:
    """The staged tree under ``root_directory``, one component per directory holding files.

    File sources are written relative to ``source_base`` (wixl refuses absolute paths) and wixl
    must run with that directory as its working directory.
    """
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
        "  <Fragment>",
        f'    <DirectoryRef Id="{root_directory}">',
    ]
    components: list[str] = []

    def walk(directory: Path, depth: int) -> None:
        pad = "      " + "  " * depth
        relative_dir = directory.relative_to(stage).as_posix()
        files = sorted(p for p in directory.iterdir() if p.is_file())
        subdirs = sorted(p for p in directory.iterdir() if p.is_dir())
        if files:
            component = _ident("C", relative_dir)
            guid = uuid.uuid5(COMPONENT_NAMESPACE, relative_dir + "\n" + "\n".join(p.name for p in files))
            components.append(component)
            lines.append(f'{pad}<Component Id="{component}" Guid="{str(guid).upper()}" Win64="yes">')
            for index, path in enumerate(files):
                relative = path.relative_to(stage).as_posix()
                keypath = ' KeyPath="yes"' if index == 0 else ""
                lines.append(
                    f'{pad}  <File Id="{_ident("F", relative)}" Name={quoteattr(_ascii(path.name, relative))}'
                    f" Source={quoteattr(path.relative_to(source_base).as_posix())}{keypath}/>"
                )
            lines.append(f"{pad}</Component>")
        for sub in subdirs:
            relative = sub.relative_to(stage).as_posix()
            lines.append(f'{pad}<Directory Id="{_ident("D", relative)}" Name={quoteattr(_ascii(sub.name, relative))}>')
            walk(sub, depth + 1)
            lines.append(f"{pad}</Directory>")

    walk(stage, 0)
    lines += ["    </DirectoryRef>", "  </Fragment>", "  <Fragment>", '    <ComponentGroup Id="Payload">']
    lines += [f'      <ComponentRef Id="{c}"/>' for c in components]
    lines += ["    </ComponentGroup>", "  </Fragment>", "</Wix>"]
    return "\n".join(lines) + "\n"
