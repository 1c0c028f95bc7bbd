"""Made-up packages for the audit tests and benchmark: minimal wheels built by hand,
installed by pip into a throwaway virtualenv."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(directory: Path, name: str, version: str) -> Path:
    """A minimal pure-Python wheel of ``name`` ``version`` (one empty module)."""
    module = name.replace("-", "_")
    dist = f"{module}-{version}"
    files = {
        f"{module}/__init__.py": b"",
        f"{dist}.dist-info/METADATA": (f"Metadata-Version: 2.1\nName: {name}\n"
                                       f"Version: {version}\n").encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: pitstop-tests\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(p, d) for p, d in files.items()] + [f"{dist}.dist-info/RECORD,,"]
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def make_venv(root: Path, packages: Mapping[str, str]) -> Path:
    """A virtualenv (without pip) at ``root`` with ``packages`` installed by pip from
    wheels built in a temporary directory; returns its interpreter."""
    wheels_dir = root.parent / f"{root.name}-wheels"
    wheels_dir.mkdir()
    wheels = [build_wheel(wheels_dir, n, v) for n, v in packages.items()]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    env = {**os.environ, "HOME": str(root.parent), "PIP_NO_CACHE_DIR": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-index", "--no-deps", *map(str, wheels)],
                   check=True, env=env)
    return python
