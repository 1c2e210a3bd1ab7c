"""Fixtures for the MSI tests: builds (cached per session) and one Wine prefix per session."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from _msi_build import BASE_VERSION, Built, build_msi, fake_runtime  # noqa: E402
from _msi_wine import WinePrefix, WineUnavailable  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _msitools_present() -> None:
    missing = [tool for tool in ("wixl", "msiinfo", "msiextract", "msibuild") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"msitools/wixl missing ({', '.join(missing)}): apt-get install wixl msitools")


@pytest.fixture(scope="session")
def msi_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Built]:
    """Build (once per set of options) an MSI without the Windows wheels."""
    cache: dict[tuple[str, bool, str], Built] = {}

    def make(version: str = BASE_VERSION, *, bundled_runtime: bool = False, rebuild: str = "") -> Built:
        """``rebuild``: a distinct build of the same sources (new ProductCode, same version)."""
        key = (version, bundled_runtime, rebuild)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"msi-{version}-{'rt' if bundled_runtime else 'sys'}{rebuild}")
            runtime = fake_runtime(out / "python-embed") if bundled_runtime else None
            cache[key] = build_msi(out / "dist", version=version, runtime=runtime)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def full_msi(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The real thing: the version from pyproject.toml and every Windows wheel of the client."""
    return build_msi(tmp_path_factory.mktemp("msi-full") / "dist", wheels=True)


@pytest.fixture(scope="session")
def wine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WinePrefix]:
    prefix = WinePrefix(tmp_path_factory.mktemp("wine"))
    try:
        prefix.boot()
    except WineUnavailable as exc:
        prefix.close()
        pytest.skip(f"Wine cannot start here, MSI install tests skipped: {exc}")
    try:
        yield prefix
    finally:
        prefix.close()
