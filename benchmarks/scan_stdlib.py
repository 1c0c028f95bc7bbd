"""Benchmark ``pitstop scan secrets`` on this interpreter's standard library directory
against ``rg`` (searching every built-in keyword) and ``detect-secrets scan --all-files``.

    .venv/bin/python benchmarks/scan_stdlib.py [--root DIR] [--runs 3] [--skip-detect-secrets]
                                               [--detect-secrets PATH]

The tree is ``sysconfig.get_paths()["stdlib"]`` (with its site-packages).  Each tool is
timed end to end as a process (wall clock, best of ``--runs``; detect-secrets once);
a peer that is not installed is skipped with a note.  detect-secrets is looked for on
PATH and in /tmp/ds-venv (install it there, never into the project:
``python3 -m venv /tmp/ds-venv && /tmp/ds-venv/bin/pip install detect-secrets``).
Targets (issue 6): >= 100x faster than detect-secrets, within 10x of rg.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

PITSTOP = str(Path(sys.executable).with_name("pitstop"))


def timed(argv: list[str], cwd: Path | None = None, runs: int = 1) -> tuple[float, str]:
    best = float("inf")
    out = ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        out = result.stdout
        if result.returncode not in (0, 1):
            print(f"  {argv[0]} exited {result.returncode}: {result.stderr.strip()[-300:]}")
    return best, out


def tree_size(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            try:
                size += os.lstat(os.path.join(dirpath, name)).st_size
                files += 1
            except OSError:
                pass
    return files, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-detect-secrets", action="store_true")
    parser.add_argument("--detect-secrets", default=None, help="path of the detect-secrets exe")
    args = parser.parse_args()
    root: Path = args.root.resolve()
    files, size = tree_size(root)
    print(f"tree: {root} — {files} files, {size / 1e6:.0f} MB, {os.cpu_count()} cores")

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        seconds, _ = timed([PITSTOP, "scan", "secrets", str(root), "--format", "json",
                            "--max-file-size", "1GB", "-o", str(report)], runs=args.runs)
        data = json.loads(report.read_text())
        results["pitstop"] = seconds
        stats = data["stats"]
        print(f"pitstop scan secrets: {seconds:.2f}s  ({stats['files']} text files, "
              f"{stats['bytes'] / 1e6:.0f} MB read, {stats['binary']} binary, "
              f"{len(data['findings'])} findings)")

        rg = shutil.which("rg")
        if rg is None:
            print("rg: not installed, skipped (apt-get install ripgrep)")
        else:
            from pitstop.scan.ruleset import load_ruleset

            keywords = Path(tmp) / "keywords.txt"
            keywords.write_text("\n".join(sorted(k.decode() for k in
                                                 load_ruleset().keyword_rules)) + "\n")
            seconds, out = timed([rg, "--no-ignore", "--hidden", "--no-messages", "-i", "-F",
                                  "-c", "-f", str(keywords), str(root)], runs=args.runs)
            results["rg"] = seconds
            print(f"rg (all {len(keywords.read_text().splitlines())} keywords): {seconds:.2f}s  "
                  f"({len(out.splitlines())} files with a hit)")

    ds = args.detect_secrets or shutil.which("detect-secrets")
    if ds is None and Path("/tmp/ds-venv/bin/detect-secrets").exists():
        ds = "/tmp/ds-venv/bin/detect-secrets"
    if args.skip_detect_secrets:
        print("detect-secrets: skipped (--skip-detect-secrets)")
    elif ds is None:
        print("detect-secrets: not installed, skipped (see the module docstring)")
    else:
        print("detect-secrets: running once, this takes minutes …", flush=True)
        seconds, out = timed([ds, "scan", "--all-files", "."], cwd=root)
        results["detect-secrets"] = seconds
        try:
            found = sum(len(v) for v in json.loads(out)["results"].values())
        except (ValueError, KeyError):
            found = -1
        print(f"detect-secrets scan --all-files: {seconds:.2f}s  ({found} findings)")

    base = results["pitstop"]
    print("\nratios (peer time / pitstop time):")
    for name, seconds in results.items():
        if name != "pitstop":
            print(f"  {name:15} {seconds / base:8.2f}x")
    if "detect-secrets" in results:
        verdict = "ok" if results["detect-secrets"] / base >= 100 else "MISSED"
        print(f"target >= 100x faster than detect-secrets: {verdict}")
    if "rg" in results:
        verdict = "ok" if base / results["rg"] <= 10 else "MISSED"
        print(f"target within 10x of rg: {verdict} (pitstop/rg = {base / results['rg']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
