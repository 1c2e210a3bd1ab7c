"""Build dist/madoguchi-<version>-x64.msi on Linux with wixl (msitools).

    .venv/bin/python installer/build.py --out dist/ [--runtime DIR] [--no-wheels]
                                        [--sign-cert CERT --sign-key KEY | --sign-cert PFX]
                                        [--sign-pass-file FILE] [--timestamp-url URL]

Steps: stage the payload (application, launcher, Windows wheels, optional runtime), generate the
WiX includes from client/lifecycle/config.py, run wixl, add the public properties to
SecureCustomProperties, sign with osslsigncode when a certificate and key are given.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from client.lifecycle.config import REGISTRY_KEY, MsiProperty, msi_properties  # noqa: E402
from installer import payload, wheels, wxs  # noqa: E402
from installer.msitables import MsiToolError, allow_same_version_upgrades, set_secure_custom_properties  # noqa: E402

WXS_SOURCE = Path(__file__).resolve().parent / "madoguchi.wxs"
DEFAULT_WHEEL_CACHE = ROOT / "build" / "wheels-win"
# Properties the command line may set besides the terminal settings.
EXTRA_SECURE_PROPERTIES = ["PYTHONDIR", "INSTALLDIR"]
# Remembered across upgrades like the terminal settings, but written by madoguchi.wxs itself.
INSTALLDIR_PROPERTY = MsiProperty("INSTALLDIR", "InstallDir", setting="", default=None)


class BuildError(Exception):
    """The MSI could not be built; the message says which step and why."""


@dataclass(frozen=True)
class BuildResult:
    msi: Path
    version: str
    msi_version: str
    stage: Path
    bundled_runtime: bool
    wheels: tuple[str, ...]
    signed: bool
    seconds: float


def project_metadata(pyproject: Path) -> tuple[str, list[str]]:
    """(version, client dependencies) from pyproject.toml; the server extras are not shipped."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data["project"]
    return str(project["version"]), [str(d) for d in project.get("dependencies", [])]


def msi_version(version: str) -> str:
    """ProductVersion: major.minor.build (the installer compares these three fields only)."""
    from packaging.version import InvalidVersion, Version

    try:
        release = Version(version).release
    except InvalidVersion as exc:
        raise BuildError(f"version {version!r} in pyproject.toml is not a valid version") from exc
    major, minor, build = (tuple(release) + (0, 0, 0))[:3]
    if major > 255 or minor > 255 or build > 65535:
        raise BuildError(f"version {version!r} exceeds the MSI limits 255.255.65535")
    return f"{major}.{minor}.{build}"


def _wixl(version: str, bundled: bool, include_dir: Path, payload_wxs: Path, out: Path) -> None:
    python_dir = "[INSTALLDIR]runtime\\" if bundled else "[PYTHONDIR]"
    cmd = [
        "wixl", "--arch", "x64", "-D", f"Version={version}",
        "-D", f"Runtime={'bundled' if bundled else 'system'}", "-D", f"PythonDir={python_dir}",
        "-I", str(include_dir), "-o", str(out), str(WXS_SOURCE), str(payload_wxs),
    ]
    if shutil.which("wixl") is None:
        raise BuildError("wixl is not installed (Debian package: wixl)")
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=include_dir)
    noise = [line for line in done.stderr.splitlines() if line.strip() and "GLib-GObject-WARNING" not in line]
    if done.returncode != 0 or not out.is_file():
        raise BuildError("wixl failed:\n" + "\n".join(noise))


PKCS12_SUFFIXES = (".pfx", ".p12")


def sign(
    msi: Path,
    cert: Path,
    key: Path | None,
    timestamp_url: str | None = None,
    pass_file: Path | None = None,
) -> None:
    """Authenticode-sign the MSI in place (PEM/DER certificate + key, or one PKCS#12 file)."""
    if shutil.which("osslsigncode") is None:
        raise BuildError("osslsigncode is not installed (Debian package: osslsigncode)")
    signed = msi.with_suffix(".signed.msi")
    if key is None:
        material = ["-pkcs12", str(cert)]
    else:
        material = ["-certs", str(cert), "-key", str(key)]
    if pass_file is not None:
        material += ["-readpass", str(pass_file)]
    cmd = [
        "osslsigncode", "sign", *material, "-h", "sha256",
        "-n", "Madoguchi", "-in", str(msi), "-out", str(signed),
    ]
    if timestamp_url:
        cmd += ["-ts", timestamp_url]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        signed.unlink(missing_ok=True)
        raise BuildError(f"osslsigncode failed:\n{done.stdout}{done.stderr}")
    signed.replace(msi)


def build(
    out_dir: Path,
    *,
    runtime: Path | None = None,
    with_wheels: bool = True,
    version: str | None = None,
    sign_cert: Path | None = None,
    sign_key: Path | None = None,
    sign_pass_file: Path | None = None,
    timestamp_url: str | None = None,
    wheel_cache: Path = DEFAULT_WHEEL_CACHE,
    work_dir: Path | None = None,
    keep_stage: bool = False,
) -> BuildResult:
    started = time.monotonic()
    pkcs12 = sign_cert is not None and sign_cert.suffix.lower() in PKCS12_SUFFIXES
    if sign_key is not None and sign_cert is None:
        raise BuildError("--sign-key needs --sign-cert")
    if sign_cert is not None and sign_key is None and not pkcs12:
        raise BuildError("signing needs both --sign-cert and --sign-key (or a .pfx/.p12 as --sign-cert)")
    project_version, requirements = project_metadata(ROOT / "pyproject.toml")
    version = version or project_version
    product_version = msi_version(version)
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="madoguchi-msi-", dir=work_dir))
    stage = work / "stage"
    stage.mkdir(parents=True)
    try:
        payload.stage_app(ROOT, stage)
        payload.stage_launcher(stage)
        pins: list[wheels.Pin] = []
        if with_wheels:
            pins = wheels.vendor(requirements, wheel_cache, stage / "site")
        if runtime is not None:
            payload.stage_runtime(runtime, stage)
        payload.precompile(stage)
        payload.check_names(stage)

        props = list(msi_properties())
        remembered = [*props, INSTALLDIR_PROPERTY]
        (work / "properties.wxi").write_text(wxs.properties_wxi(remembered, REGISTRY_KEY), encoding="ascii")
        sequence = wxs.sequence_wxi(remembered)
        (work / "sequence-execute.wxi").write_text(sequence, encoding="ascii")
        (work / "sequence-ui.wxi").write_text(sequence, encoding="ascii")
        (work / "config-values.wxi").write_text(wxs.config_values_wxi(props, REGISTRY_KEY), encoding="ascii")
        payload_file = work / "payload.wxs"
        payload_file.write_text(wxs.payload_wxs(stage, work), encoding="utf-8")

        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"madoguchi-{version}-x64.msi"
        unsigned = work / target.name
        _wixl(product_version, runtime is not None, work, payload_file, unsigned)
        set_secure_custom_properties(unsigned, [p.name for p in props] + EXTRA_SECURE_PROPERTIES)
        allow_same_version_upgrades(unsigned)
        if sign_cert is not None:
            sign(unsigned, sign_cert, sign_key, timestamp_url, sign_pass_file)
        shutil.move(str(unsigned), target)
    except (payload.PayloadError, wheels.WheelError, wxs.WxsError, MsiToolError) as exc:
        raise BuildError(str(exc)) from exc
    finally:
        if not keep_stage:
            shutil.rmtree(work, ignore_errors=True)
    return BuildResult(
        msi=target, version=version, msi_version=product_version, stage=stage,
        bundled_runtime=runtime is not None, wheels=tuple(p.requirement for p in pins),
        signed=sign_cert is not None, seconds=time.monotonic() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="installer/build.py", description="Build the Madoguchi MSI with wixl.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output directory (default: dist/)")
    parser.add_argument("--runtime", type=Path, help="embeddable Python 3.11 x64 directory to bundle")
    parser.add_argument("--no-wheels", action="store_true", help="leave out the Windows wheels (tests only)")
    parser.add_argument("--version", help="override the version from pyproject.toml (tests only)")
    parser.add_argument("--sign-cert", type=Path, help="code-signing certificate (PEM or DER) for osslsigncode")
    parser.add_argument("--sign-key", type=Path, help="private key of the signing certificate")
    parser.add_argument("--sign-pass-file", type=Path, help="file holding the password of the key or PFX")
    parser.add_argument("--timestamp-url", help="RFC 3161 timestamp server for the signature")
    parser.add_argument("--wheel-cache", type=Path, default=DEFAULT_WHEEL_CACHE, help="wheel cache directory")
    parser.add_argument("--work-dir", type=Path, help="where to stage (a fresh subdirectory is made)")
    parser.add_argument("--keep-stage", action="store_true", help="keep the staged payload and WiX files")
    args = parser.parse_args(argv)
    try:
        result = build(
            args.out, runtime=args.runtime, with_wheels=not args.no_wheels, version=args.version,
            sign_cert=args.sign_cert, sign_key=args.sign_key, sign_pass_file=args.sign_pass_file,
            timestamp_url=args.timestamp_url,
            wheel_cache=args.wheel_cache, work_dir=args.work_dir, keep_stage=args.keep_stage,
        )
    except BuildError as exc:
        print(f"MSI build failed: {exc}", file=sys.stderr)
        return 1
    if not result.wheels and not args.no_wheels:
        print("warning: no Windows wheels in the payload", file=sys.stderr)
    print(result.msi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
