#!/usr/bin/env python
"""Write the learner notebooks ``exercises/`` from the solution notebooks ``solutions/``.

``solutions/NN_name.ipynb`` is the source; ``exercises/NN_name.ipynb`` is generated from it:

* In a code cell, every block from a line ``### BEGIN SOLUTION`` to a line
  ``### END SOLUTION`` (markers included) is replaced, at the marker's indentation, by the
  block's ``# HINT: ...`` comment lines followed by
  ``raise NotImplementedError("Exercise: <task>")``. ``<task>`` is the text after
  ``### BEGIN SOLUTION`` on the marker line, or "write your code here". Such cells get the
  tag ``raises-exception`` (so nbval and Jupyter Book expect the error).
* In a markdown cell, a block from ``<!-- BEGIN SOLUTION -->`` to ``<!-- END SOLUTION -->``
  becomes ``*Your answer here.*``.
* In the first cell, a title ending in ``(solutions)`` loses that suffix, and launch links
  (``https://...solutions/NN_name.ipynb``) point to ``exercises/`` instead.
* Comment lines that are nbval markers (``# NBVAL_CHECK_OUTPUT``, ``# NBVAL_IGNORE_OUTPUT``,
  ``# NBVAL_SKIP``, ...) are removed from code cells: they steer the test suite's runs of
  the solutions and mean nothing to a learner.
* Outputs and execution counts are cleared; everything else (cell ids, metadata, other
  cells) is copied unchanged.

The JSON is written deterministically (sorted keys, indent 1, trailing newline), so running
the tool twice gives identical files.

Usage (from the repository root)::

    python scripts/make_exercises.py           # write exercises/
    python scripts/make_exercises.py --check   # exit 1 if exercises/ is out of date
    python scripts/make_exercises.py --clean-solutions  # also strip outputs in solutions/
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\b[ \t]*(?P<task>.*?)[ \t]*$")
END = re.compile(r"^[ \t]*### END SOLUTION\b")
HINT = re.compile(r"^[ \t]*# HINT:")
MD_BEGIN = re.compile(r"^\s*<!-- BEGIN SOLUTION -->\s*$")
MD_END = re.compile(r"^\s*<!-- END SOLUTION -->\s*$")
NBVAL_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*$")
TAG = "raises-exception"
DEFAULT_TASK = "write your code here"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def strip_code(text: str, where: str = "cell") -> tuple[str, bool]:
    """Replace the solution blocks of a code cell; return (new text, whether any was found)."""
    out, found, block = [], False, None
    for line in text.splitlines():
        if block is None:
            m = BEGIN.match(line)
            if m:
                block = {"indent": m.group("indent"), "task": m.group("task") or DEFAULT_TASK, "hints": []}
                found = True
            elif END.match(line):
                raise ValueError(f"{where}: '### END SOLUTION' without a matching BEGIN.")
            else:
                out.append(line)
        elif END.match(line):
            out.extend(block["indent"] + h.strip() for h in block["hints"])
            task = block["task"].replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'{block["indent"]}raise NotImplementedError("Exercise: {task}")')
            block = None
        elif BEGIN.match(line):
            raise ValueError(f"{where}: nested '### BEGIN SOLUTION'.")
        elif HINT.match(line):
            block["hints"].append(line)
    if block is not None:
        raise ValueError(f"{where}: '### BEGIN SOLUTION' without '### END SOLUTION'.")
    if not found:
        return text, False
    return "\n".join(out) + ("\n" if text.endswith("\n") else ""), True


def strip_nbval_markers(text: str) -> str:
    """Remove the comment lines that only steer nbval (``# NBVAL_CHECK_OUTPUT`` and the like)."""
    lines = text.splitlines()
    kept = [line for line in lines if not NBVAL_MARKER.match(line)]
    if len(kept) == len(lines):
        return text
    return "\n".join(kept) + ("\n" if text.endswith("\n") and kept else "")


def strip_markdown(text: str, where: str = "cell") -> str:
    if not any(MD_BEGIN.match(line) for line in text.splitlines()):
        if any(MD_END.match(line) for line in text.splitlines()):
            raise ValueError(f"{where}: '<!-- END SOLUTION -->' without BEGIN.")
        return text
    out, inside = [], False
    for line in text.splitlines():
        if MD_BEGIN.match(line):
            if inside:
                raise ValueError(f"{where}: nested '<!-- BEGIN SOLUTION -->'.")
            inside = True
            out.append("*Your answer here.*")
        elif MD_END.match(line):
            if not inside:
                raise ValueError(f"{where}: '<!-- END SOLUTION -->' without BEGIN.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '<!-- BEGIN SOLUTION -->' without END.")
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _header(text: str) -> str:
    lines = text.split("\n")
    if lines and lines[0].startswith("#"):
        lines[0] = re.sub(r"\s*\(solutions\)\s*$", "", lines[0])
    text = "\n".join(lines)
    return re.sub(r"(https://[^\s)\"']*?)solutions/(\d\d_[\w-]+\.ipynb)", r"\1exercises/\2", text)


def make_exercise(nb: dict, name: str = "notebook") -> dict:
    """The exercise version of a solution notebook (a new dict; ``nb`` is not changed)."""
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.get("cells", [])):
        where = f"{name}, cell {i}"
        text = _source(cell)
        if i == 0:
            text = _header(text)
        if cell.get("cell_type") == "code":
            text, found = strip_code(strip_nbval_markers(text), where)
            cell["outputs"] = []
            cell["execution_count"] = None
            if found:
                tags = cell.setdefault("metadata", {}).setdefault("tags", [])
                if TAG not in tags:
                    tags.append(TAG)
        elif cell.get("cell_type") == "markdown":
            text = strip_markdown(text, where)
        _set_source(cell, text)
    return nb


def clean(nb: dict) -> dict:
    """A copy of ``nb`` without outputs and execution counts."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def dumps(nb: dict) -> str:
    """Deterministic notebook JSON: sorted keys, indent 1, trailing newline."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_exercises(solutions: Path) -> dict[str, str]:
    """{file name: JSON text} of the exercise notebooks the tool would write."""
    out = {}
    for path in sorted(solutions.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[path.name] = dumps(make_exercise(nb, path.name))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if exercises/ differs")
    parser.add_argument("--clean-solutions", action="store_true", help="also strip outputs from solutions/")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--exercises", type=Path, default=ROOT / "exercises")
    args = parser.parse_args(argv)

    wanted = expected_exercises(args.solutions)
    if not wanted:
        print(f"no notebooks in {args.solutions}", file=sys.stderr)
        return 1
    if args.check:
        present = {p.name for p in args.exercises.glob("*.ipynb")}
        stale = sorted(n for n, text in wanted.items()
                       if not (args.exercises / n).exists()
                       or (args.exercises / n).read_text(encoding="utf-8") != text)
        extra = sorted(present - set(wanted))
        for n in stale:
            print(f"out of date: {args.exercises / n}")
        for n in extra:
            print(f"no solution notebook for: {args.exercises / n}")
        if stale or extra:
            print("run: python scripts/make_exercises.py")
            return 1
        print(f"exercises/ is up to date ({len(wanted)} notebooks)")
        return 0
    if args.clean_solutions:
        for path in sorted(args.solutions.glob("*.ipynb")):
            text = dumps(clean(json.loads(path.read_text(encoding="utf-8"))))
            if path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(f"cleaned {path}")
    args.exercises.mkdir(parents=True, exist_ok=True)
    for name, text in wanted.items():
        target = args.exercises / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
