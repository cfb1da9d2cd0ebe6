"""Exercise and solution notebooks: in sync, committed without outputs, and executed.

1. ``exercises/`` is exactly what ``scripts/make_exercises.py`` writes from ``solutions/``.
2. No committed notebook (``git ls-files '*.ipynb'``) holds outputs or execution counts.
3. Every exercise notebook runs; only cells tagged ``raises-exception`` may raise, and only
   ``NotImplementedError``.
4. Every solution notebook passes nbval (``--nbval-lax``) with ``solutions/nbval_sanitize.cfg``.
   Committed notebooks have no outputs, and nbval only compares cells that carry one, so the
   expected text of the ``# NBVAL_CHECK_OUTPUT`` cells is kept in
   ``tests/notebook_outputs.json`` and put into temporary copies before nbval runs them.
   After changing a checked cell, record it again with::

       python tests/test_notebooks.py --record            # every notebook
       python tests/test_notebooks.py --record 04_ergodicity   # just these

The notebooks need Keras (chapters 5 and 6) and take a few minutes on two cores.
"""

from __future__ import annotations

import importlib

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import child_env

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SANITIZE = SOLUTIONS / "nbval_sanitize.cfg"
EXPECTED = Path(__file__).resolve().parent / "notebook_outputs.json"
MARKER = "NBVAL_CHECK_OUTPUT"
CELL_TIMEOUT = 600

NOTEBOOKS = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))


def _tool():
    spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "scripts" / "make_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env():
    # nbval compares the text of the checked cells: figures drawn there (inline backend)
    # would be extra outputs, so these kernels draw off-screen.
    return child_env(KERAS_BACKEND=os.environ.get("KERAS_BACKEND", "jax"), MPLBACKEND="agg")


def _checked(cell) -> bool:
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return cell["cell_type"] == "code" and any(
        line.strip().startswith("#") and MARKER in line for line in src.splitlines())


# ------------------------------------------------------------------ 1, 2: static


def test_solutions_exist():
    """Chapters 1-7 have exercise notebooks; every solution notebook belongs to a chapter."""
    expected = [f"{n}.ipynb" for n in (
        "01_models", "02_measuring", "03_noise", "04_ergodicity", "05_ml_alpha", "06_ml_ergodic",
        "07_own_data", "08_which_model")]
    missing = sorted(set(expected) - set(NOTEBOOKS))
    assert not missing, f"solution notebooks missing: {missing}"
    orphans = [n for n in NOTEBOOKS if not (ROOT / "book" / n.replace(".ipynb", ".md")).exists()]
    assert not orphans, f"solution notebooks without a chapter book/<same name>.md: {orphans}"


def test_exercises_in_sync_with_solutions():
    wanted = _tool().expected_exercises(SOLUTIONS)
    present = sorted(p.name for p in EXERCISES.glob("*.ipynb"))
    assert present == sorted(wanted), "exercises/ and solutions/ hold different notebooks"
    stale = [n for n, text in wanted.items() if (EXERCISES / n).read_text(encoding="utf-8") != text]
    assert not stale, f"out of date: {stale}; run python scripts/make_exercises.py"


def test_tool_check_mode(tmp_path):
    tool = _tool()
    assert tool.main(["--check", "--exercises", str(EXERCISES)]) == 0
    assert tool.main(["--check", "--exercises", str(tmp_path)]) == 1
    assert tool.main(["--exercises", str(tmp_path)]) == 0
    assert tool.main(["--check", "--exercises", str(tmp_path)]) == 0


def test_tool_replaces_blocks_and_keeps_the_rest():
    tool = _tool()
    nb = {"cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": [
            "# Title (solutions)\n", "[Binder](https://mybinder.org/x?labpath=solutions/01_models.ipynb)\n",
            "[local](../solutions/01_models.ipynb)"]},
        {"cell_type": "code", "id": "b", "metadata": {"tags": ["keep"]}, "execution_count": 3,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}], "source": [
            "def f(x):\n", "    ### BEGIN SOLUTION square \"it\"\n", "    # HINT: use **\n",
            "    y = x**2\n", "    return y\n", "    ### END SOLUTION\n", "print(f)"]},
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["x = 1\n"]},
        {"cell_type": "markdown", "id": "d", "metadata": {}, "source": [
            "Why?\n", "<!-- BEGIN SOLUTION -->\n", "Because.\n", "<!-- END SOLUTION -->"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ex = tool.make_exercise(nb)
    head, code, plain, md = ex["cells"]
    assert "".join(head["source"]) == (
        "# Title\n[Binder](https://mybinder.org/x?labpath=exercises/01_models.ipynb)\n"
        "[local](../solutions/01_models.ipynb)")
    assert "".join(code["source"]) == (
        'def f(x):\n    # HINT: use **\n    raise NotImplementedError("Exercise: square \\"it\\"")\nprint(f)')
    assert code["metadata"]["tags"] == ["keep", "raises-exception"]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert plain == nb["cells"][2]
    assert "".join(md["source"]) == "Why?\n*Your answer here.*"
    assert nb["cells"][1]["outputs"], "the input notebook must not change"
    compile("".join(code["source"]), "cell", "exec")
    with pytest.raises(ValueError, match="without"):
        tool.strip_code("### BEGIN SOLUTION\nx = 1\n")
    assert tool.dumps(ex).endswith("}\n") and tool.dumps(ex) == tool.dumps(json.loads(tool.dumps(ex)))


def test_tool_strips_nbval_markers():
    tool = _tool()
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": ["# NBVAL_CHECK_OUTPUT\n", "x = 1  # NBVAL_ in a comment stays\n", "print(x)"]},
                    {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": ["  # NBVAL_IGNORE_OUTPUT\n", "y = 2\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    first, second = tool.make_exercise(nb)["cells"]
    assert "".join(first["source"]) == "x = 1  # NBVAL_ in a comment stays\nprint(x)"
    assert "".join(second["source"]) == "y = 2\n"


def _committed_notebooks():
    try:
        out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out]


def test_committed_notebooks_have_no_outputs():
    dirty = []
    for path in _committed_notebooks():
        if not path.exists():
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                dirty.append(f"{path.relative_to(ROOT)} cell {i}")
    assert not dirty, "notebooks with outputs (clear them, e.g. python scripts/make_exercises.py " \
                      f"--clean-solutions or jupyter nbconvert --clear-output): {dirty}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_book_pages(name):
    for folder in (SOLUTIONS, EXERCISES):
        nb = json.loads((folder / name).read_text(encoding="utf-8"))
        first = nb["cells"][0]
        assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")
        text = "".join(first["source"])
        stem = name[:-len(".ipynb")]
        here = folder.name
        assert f"https://mybinder.org/v2/gh/anomdiff/anomdiff/main?labpath={here}/{name}" in text
        assert f"https://colab.research.google.com/github/anomdiff/anomdiff/blob/main/{here}/{name}" in text
        for link in (f"../exercises/{name}", f"../solutions/{name}"):
            assert link in text and (ROOT / link[3:]).exists(), stem


def _sections(cells):
    """[(heading, [cells])] for each '## ' heading of a notebook (cells before the first: '')."""
    out = [("", [])]
    for cell in cells:
        src = "".join(cell["source"])
        head = next((l[3:].strip() for l in src.splitlines() if l.startswith("## ")), None)
        if cell["cell_type"] == "markdown" and head is not None:
            out.append((head, []))
        out[-1][1].append(cell)
    return out


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_exercise_has_a_stub_and_a_check(name):
    """Each '## Exercise N.k' section that asks for code has a stub and a self-check after it.

    Think exercises ('(think)' in the heading) ask for words: they need an answer cell, no check.
    """
    nb = json.loads((EXERCISES / name).read_text(encoding="utf-8"))
    problems = []
    exercises = [(h, cells) for h, cells in _sections(nb["cells"]) if h.startswith("Exercise ")]
    assert exercises, f"{name}: no '## Exercise N.k: title' section"
    for heading, cells in exercises:
        stubs = [i for i, c in enumerate(cells) if "raises-exception" in c["metadata"].get("tags", [])]
        checks = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and "check_" in "".join(c["source"])]
        if "(think)" in heading:
            answers = [c for c in cells if c["cell_type"] == "markdown" and "*Your answer here.*" in "".join(c["source"])]
            if not (answers or stubs):
                problems.append(f"{heading}: no answer cell for the learner")
            continue
        if not stubs:
            problems.append(f"{heading}: no exercise stub (raise NotImplementedError)")
        elif not any(i > stubs[0] for i in checks):
            problems.append(f"{heading}: no check_... cell after its first stub")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_exercises_carry_no_nbval_markers(name):
    """# NBVAL_CHECK_OUTPUT and friends steer the tests of the solutions; learners never see them."""
    nb = json.loads((EXERCISES / name).read_text(encoding="utf-8"))
    marked = [i for i, c in enumerate(nb["cells"]) if "NBVAL_" in "".join(c["source"])]
    assert not marked, f"exercises/{name}: cells {marked} carry nbval markers; run python scripts/make_exercises.py"


def test_expected_outputs_match_marked_cells():
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for name in NOTEBOOKS:
        nb = json.loads((SOLUTIONS / name).read_text(encoding="utf-8"))
        marked = {c["id"] for c in nb["cells"] if _checked(c)}
        assert marked == set(expected.get(name, {})), \
            f"{name}: record the NBVAL_CHECK_OUTPUT cells again (python tests/test_notebooks.py --record)"


# ------------------------------------------------------------------ 3: exercises run


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_exercise_notebook_runs(name):
    nbformat = importlib.import_module("nbformat")
    nbclient = importlib.import_module("nbclient")
    nb = nbformat.read(EXERCISES / name, as_version=4)
    env = _env()
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                         resources={"metadata": {"path": str(EXERCISES)}})
        client.execute()  # an untagged cell that raises fails here (CellExecutionError)
    finally:
        os.environ.clear()
        os.environ.update(old)
    raised = 0
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors:
            assert "raises-exception" in cell.metadata.get("tags", [])
            assert errors[0].ename == "NotImplementedError", (errors[0].ename, errors[0].evalue)
            assert errors[0].evalue.startswith("Exercise: ")
            raised += 1
    assert raised >= 1
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                      if o.output_type == "stream")
    assert "not written yet" in printed  # the checks report the stubs instead of crashing


# ------------------------------------------------------------------ 4: solutions pass nbval


def _with_expected_outputs(src: Path, dst: Path, expected: dict) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if _checked(cell):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": expected[src.name][cell["id"]]}]
            cell["execution_count"] = 1
    dst.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_solution_notebooks_pass_nbval(tmp_path):
    importlib.import_module("nbval")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for name in NOTEBOOKS:
        _with_expected_outputs(SOLUTIONS / name, tmp_path / name, expected)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
           "-c", str(tmp_path / "pytest.ini"), "--nbval-lax", "--nbval-current-env",
           f"--nbval-cell-timeout={CELL_TIMEOUT}", "--nbval-sanitize-with", str(SANITIZE), str(tmp_path)]
    run = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


# ------------------------------------------------------------------ recording


def record(names=None) -> None:
    """Execute solution notebooks (all, or ``names``); store the stdout of their
    NBVAL_CHECK_OUTPUT cells, keeping what is recorded for the others."""
    import nbclient
    import nbformat

    os.environ.update(_env())
    out = json.loads(EXPECTED.read_text(encoding="utf-8")) if names and EXPECTED.exists() else {}
    out = {k: v for k, v in out.items() if k in NOTEBOOKS}
    for name in names or NOTEBOOKS:
        nb = nbformat.read(SOLUTIONS / name, as_version=4)
        nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                resources={"metadata": {"path": str(SOLUTIONS)}}).execute()
        out[name] = {c.id: "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
                     for c in nb.cells if _checked(c)}
        print(f"recorded {len(out[name])} cells of {name}")
    EXPECTED.write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--record"]:
        record([n if n.endswith(".ipynb") else n + ".ipynb" for n in sys.argv[2:]])
    else:
        print(__doc__)
