"""Build options and refusals: bundled runtime, signing, offline rebuild, bad input."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _msi_build import BUILD_SCRIPT, REPO_ROOT, Built, build_msi, fake_runtime

from installer.build import DEFAULT_WHEEL_CACHE, msi_version, project_metadata
from installer.msitables import properties, read_table
from installer.payload import PayloadError, check_names, stage_runtime
from installer.wheels import Pin, parse_pins, vendor

pytestmark = pytest.mark.msi


def _run_build(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BUILD_SCRIPT), *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env, timeout=600)


def test_bundled_runtime_drops_the_python_prerequisite(msi_factory: Callable[..., Built]) -> None:
    built = msi_factory(bundled_runtime=True)
    searches = {row["Property"] for row in read_table(built.msi, "AppSearch")}
    assert "PYTHONDIR" not in searches
    keys = {row["Key"] for row in read_table(built.msi, "RegLocator")}
    assert not any("PythonCore" in key for key in keys)
    conditions = {row["Condition"] for row in read_table(built.msi, "LaunchCondition")}
    assert conditions == {"NOT WIX_DOWNGRADE_DETECTED"}
    (shortcut,) = read_table(built.msi, "Shortcut")
    assert shortcut["Target"] == "[INSTALLDIR]runtime\\pythonw.exe"
    registry = {row["Name"]: row["Value"] for row in read_table(built.msi, "Registry")}
    assert registry["PythonDir"] == "[INSTALLDIR]runtime\\"
    files = {row["FileName"] for row in read_table(built.msi, "File")}
    assert {"python.exe", "pythonw.exe", "python311.dll", "python311._pth"} <= files


def test_runtime_must_be_python_311_x64(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    stage.mkdir()
    x86 = fake_runtime(tmp_path / "x86", machine=0x014C)
    with pytest.raises(PayloadError, match="not an x64 executable"):
        stage_runtime(x86, stage)
    py312 = fake_runtime(tmp_path / "py312")
    (py312 / "python311.dll").rename(py312 / "python312.dll")
    with pytest.raises(PayloadError, match="missing python311.dll"):
        stage_runtime(py312, stage)
    done = _run_build("--out", str(tmp_path / "dist"), "--no-wheels", "--runtime", str(x86))
    assert done.returncode == 1 and "not an x64 executable" in done.stderr
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").glob("*.msi"))


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Madoguchi test code signing")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _verify(msi: Path, cert: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["osslsigncode", "verify", "-in", str(msi), "-CAfile", str(cert)],
                          capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("osslsigncode") is None, reason="osslsigncode not installed")
def test_signed_with_osslsigncode(tmp_path: Path, msi_factory: Callable[..., Built]) -> None:
    cert, key = _self_signed(tmp_path)
    built = build_msi(tmp_path / "dist", sign=(cert, key))
    verified = _verify(built.msi, cert)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Signature verification: ok" in verified.stdout
    assert "SERVERURL" in properties(built.msi)["SecureCustomProperties"]  # patched before signing
    assert _verify(msi_factory().msi, cert).returncode != 0  # unsigned build: no signature
    # any change after signing breaks the signature
    subprocess.run(["msibuild", str(built.msi), "-q",
                    "UPDATE `Property` SET `Value` = 'confirm' WHERE `Property` = 'BCPPOLICY'"], check=True)
    assert _verify(built.msi, cert).returncode != 0
    lone = _run_build("--out", str(tmp_path / "d2"), "--no-wheels", "--sign-cert", str(cert))
    assert lone.returncode == 1 and "--sign-key" in lone.stderr


@pytest.mark.skipif(shutil.which("osslsigncode") is None, reason="osslsigncode not installed")
def test_signed_with_a_password_protected_pfx(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    cert_path, key_path = _self_signed(tmp_path)
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    pfx = tmp_path / "codesign.pfx"
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(
        b"madoguchi", key, cert, None, serialization.BestAvailableEncryption(b"s3cret")))  # type: ignore[arg-type]
    password = tmp_path / "pass.txt"
    password.write_text("s3cret", encoding="ascii")
    out = tmp_path / "dist"
    done = _run_build("--out", str(out), "--no-wheels", "--sign-cert", str(pfx), "--sign-pass-file", str(password))
    assert done.returncode == 0, done.stderr
    verified = _verify(Path(done.stdout.strip().splitlines()[-1]), cert_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    password.write_text("wrong", encoding="ascii")
    bad = _run_build("--out", str(tmp_path / "d3"), "--no-wheels", "--sign-cert", str(pfx),
                     "--sign-pass-file", str(password))
    assert bad.returncode == 1 and "osslsigncode failed" in bad.stderr
    assert not list((tmp_path / "d3").glob("*.msi"))


def test_wheels_come_from_the_cache_offline(full_msi: Built, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The first build (full_msi) filled build/wheels-win; the next must not need the network."""
    for name, value in {"PIP_NO_INDEX": "1", "UV_OFFLINE": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
                        "UV_INDEX_URL": "http://127.0.0.1:9/simple"}.items():
        monkeypatch.setenv(name, value)
    _version, requirements = project_metadata(REPO_ROOT / "pyproject.toml")
    site = tmp_path / "site"
    pins = vendor(requirements, DEFAULT_WHEEL_CACHE, site)
    shipped = (full_msi.stage / "site" / "madoguchi-wheels.txt").read_text()
    assert (site / "madoguchi-wheels.txt").read_text() == shipped
    assert {p.name for p in pins} >= {"keyring", "pywin32-ctypes"}
    assert (site / "win32ctypes").is_dir()


def test_msi_version_mapping() -> None:
    assert msi_version("0.1.0") == "0.1.0"
    assert msi_version("1.2") == "1.2.0"
    assert msi_version("2.3.4.post1") == "2.3.4"
    for bad in ("256.0.0", "1.0.70000", "not-a-version"):
        with pytest.raises(Exception, match="version"):
            msi_version(bad)


def test_non_ascii_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "様式.toml").write_text("x", encoding="utf-8")
    with pytest.raises(PayloadError, match="non-ASCII"):
        check_names(tmp_path)


def test_pins_parsing() -> None:
    pins = parse_pins("keyring==25.7.0\n# comment\npywin32-ctypes==0.2.3\n\nPySide6_Essentials==6.12.0\n")
    assert pins == [Pin("keyring", "25.7.0"), Pin("pywin32-ctypes", "0.2.3"), Pin("pyside6-essentials", "6.12.0")]
    with pytest.raises(Exception, match="unexpected line"):
        parse_pins("keyring>=25\n")
