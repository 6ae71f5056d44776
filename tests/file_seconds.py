"""Write ``tests/file_seconds.json`` (how long each test file takes; the suite hands out the longest
first, see ``tests/conftest.py``) from a JUnit XML report of a whole run:

    .venv/bin/python -m pytest -p no:cacheprovider --junitxml=/tmp/suite.xml
    .venv/bin/python -m tests.file_seconds /tmp/suite.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

OUT = Path(__file__).with_name("file_seconds.json")
SHORTEST = 3.0  # shorter files add nothing to the order: they fill in at the end anyway


def file_seconds(report: Path) -> dict[str, int]:
    """Each file's seconds (its test cases' times summed), longest first, those of ``SHORTEST`` and more."""
    totals: Counter[str] = Counter()
    for case in ET.parse(report).iter("testcase"):
        # classname is the module's dotted path, then the class if any: tests.api.test_x.TestY
        parts = [p for p in case.get("classname", "").split(".") if not p[:1].isupper()]
        if parts:
            totals["/".join(parts) + ".py"] += float(case.get("time") or 0)
    return {name: round(s) for name, s in totals.most_common() if s >= SHORTEST}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print(__doc__, file=sys.stderr)
        return 2
    try:
        seconds = file_seconds(Path(argv[0]))
    except ET.ParseError as exc:  # nothing is written: the order in use stays as it was
        print(f"{argv[0]}: not a JUnit XML report ({exc})", file=sys.stderr)
        return 2
    OUT.write_text(json.dumps(seconds, indent=1) + "\n")
    print(f"{OUT}: {len(seconds)} files, {sum(seconds.values())} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
