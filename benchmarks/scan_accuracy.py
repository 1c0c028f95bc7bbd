"""Accuracy on a labelled set: every built-in rule's examples (true secrets) and
look-alikes (false), one per file, scanned by pitstop and by detect-secrets.

    .venv/bin/python benchmarks/scan_accuracy.py [--detect-secrets PATH]

Prints recall (true secrets caught) and the false-positive rate (look-alikes flagged).
The set is pitstop's own examples, so pitstop's recall on it is 100% by construction
(the test-suite checks it); the interesting numbers are the peer's, and pitstop's
look-alike rate across rules (a look-alike of one rule must not trip another).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PITSTOP = str(Path(sys.executable).with_name("pitstop"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detect-secrets", default=None)
    args = parser.parse_args()
    from pitstop.scan import builtin_rules

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        labels: dict[str, bool] = {}
        for rule in builtin_rules():
            ext = ".yaml" if rule.path else ".txt"
            for kind, examples in (("true", rule.examples), ("false", rule.counter_examples)):
                for i, example in enumerate(examples):
                    name = f"{kind}/{rule.id}-{i}{ext}"
                    if rule.id == "pypirc-password":
                        name = f"{kind}/{rule.id}-{i}/.pypirc"
                    path = root / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(example + "\n")
                    labels[name] = kind == "true"
        result = subprocess.run([PITSTOP, "scan", "secrets", ".", "--format", "json"], cwd=root,
                                capture_output=True, text=True, check=False)
        flagged = {f["path"] for f in json.loads(result.stdout)["findings"]}
        rows = [("pitstop", flagged)]
        ds = args.detect_secrets or shutil.which("detect-secrets")
        if ds is None and Path("/tmp/ds-venv/bin/detect-secrets").exists():
            ds = "/tmp/ds-venv/bin/detect-secrets"
        if ds is None:
            print("detect-secrets: not installed, skipped")
        else:
            out = subprocess.run([ds, "scan", "--all-files", "."], cwd=root,
                                 capture_output=True, text=True, check=False).stdout
            rows.append(("detect-secrets", set(json.loads(out)["results"])))
    positives = sum(labels.values())
    negatives = len(labels) - positives
    print(f"labelled set: {positives} true secrets, {negatives} look-alikes, "
          f"{len(builtin_rules())} rules")
    for name, hits in rows:
        caught = sum(1 for path, truth in labels.items() if truth and path in hits)
        false = sum(1 for path, truth in labels.items() if not truth and path in hits)
        print(f"{name:15} recall {caught / positives:6.1%}  "
              f"false positives {false / negatives:6.1%} ({false}/{negatives})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
