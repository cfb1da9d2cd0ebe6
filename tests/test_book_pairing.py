"""The book's sources, as a learner meets them in Jupyter, without building the book.

1. Each chapter ``book/NN_name.md`` (MyST, the source) has a generated notebook copy
   ``book/NN_name.ipynb`` (for Binder, Colab and Jupyter without jupytext) holding exactly
   its cells, without outputs. Refresh it after editing the chapter with::

       jupytext --to md:myst -o book/NN_name.md book/NN_name.md   # jupytext's own form
       jupytext --update --to ipynb book/NN_name.md

2. Opening a chapter in JupyterLab (jupytext's contents manager) and saving it without edits
   changes neither file; JupyterLab opens the ``.md`` chapters as notebooks
   (``.jupyter/labconfig`` + ``postBuild``) and renders their MyST boxes (jupyterlab-myst).
3. The text keeps its promises: every Think box is followed by a collapsed answer, every
   demo by what to try, every chapter's Exercises section lists exactly the exercises of
   its notebook, every glossary link has a glossary entry.
4. The README's example runs without a warning, its commands keep an existing ``.venv``,
   and its launch links open notebooks.
"""

from __future__ import annotations

import importlib

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SOLUTIONS = ROOT / "solutions"
# Pages with code cells are notebooks; text-only pages such as notation.md are not.
CHAPTERS = sorted(p for p in BOOK.glob("*.md") if "```{code-cell}" in p.read_text(encoding="utf-8"))
NUMBERED = [p for p in CHAPTERS if p.name[:2].isdigit()]
EXPECTED_CHAPTERS = ("intro", "01_models", "02_measuring", "03_noise", "04_ergodicity",
                     "05_ml_alpha", "06_ml_ergodic", "07_own_data", "08_which_model", "09_further")
SOLUTION_NOTEBOOKS = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------ 1. the notebook copies
@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_chapter_notebook_matches_its_source(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run jupytext --update --to ipynb book/{md.name}"
    source, paired = jupytext.read(md), jupytext.read(ipynb)
    assert _cells(paired) == _cells(source), (
        f"{ipynb.name} drifted from {md.name}: run jupytext --update --to ipynb book/{md.name}")
    assert all(not c.get("outputs") for c in paired.cells if c.cell_type == "code")


def test_every_chapter_is_there():
    names = {p.stem for p in CHAPTERS}
    missing = [stem for stem in EXPECTED_CHAPTERS if stem not in names]
    assert not missing, f"chapters missing in book/ (or without code cells): {missing}"
    assert not (BOOK / "07_further.md").exists(), "'Going further' is chapter 9: 09_further.md"
    assert not (BOOK / "08_further.md").exists(), "'Going further' is chapter 9: 09_further.md"
    toc = _text(ROOT / "_toc.yml")
    for stem in EXPECTED_CHAPTERS[1:] + ("notation",):
        assert f"file: book/{stem}" in toc, f"book/{stem} is not in _toc.yml"


# ------------------------------------------------------------------ 2. in JupyterLab
@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_open_and_save_in_jupyterlab_changes_nothing(md, tmp_path):
    """JupyterLab's jupytext contents manager reads the chapter and writes it back unchanged.

    The chapters are not paired (no ``formats`` in their header): a paired save would also
    rewrite the .ipynb with the user's Python version in ``language_info``.
    """
    sync = importlib.import_module("jupytext.sync_contentsmanager")
    from jupyter_server.services.contents.largefilemanager import LargeFileManager

    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    files = [md] + ([md.with_suffix(".ipynb")] if md.with_suffix(".ipynb").exists() else [])
    for f in files:
        shutil.copy(f, tmp_path / "book" / f.name)
    manager = sync.build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    name = f"book/{md.name}"
    model = manager.get(name, content=True, type="notebook")
    # JupyterLab's kernel sets this kernelspec on opening: the header must already hold it.
    model["content"]["metadata"]["kernelspec"] = {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    manager.save(model, name)
    changed = [f.name for f in files if not filecmp.cmp(f, tmp_path / "book" / f.name, shallow=False)]
    assert not changed, (
        f"opening and saving {md.name} in JupyterLab rewrites {changed}: write it in jupytext's "
        f"own form (jupytext --to md:myst -o book/{md.name} book/{md.name}), keep the kernelspec "
        "'Python 3 (ipykernel)' and no 'formats' pairing in the header")


def test_jupyterlab_opens_markdown_chapters_as_notebooks(tmp_path):
    overrides = ROOT / ".jupyter" / "labconfig" / "default_setting_overrides.json"
    viewers = json.loads(_text(overrides))["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    # postBuild (run by Binder, and once locally) installs it into an environment, merging.
    target = tmp_path / "etc" / "jupyter" / "labconfig" / overrides.name
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"other-plugin:x": {"a": 1}}), encoding="utf-8")
    for _ in range(2):  # idempotent
        run = subprocess.run(["bash", str(ROOT / "postBuild"), str(tmp_path)], cwd=ROOT,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    merged = json.loads(_text(target))
    assert merged["other-plugin:x"] == {"a": 1}
    assert merged["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"] == viewers
    # JupyterLab's settings loader reads it from a labconfig directory on the config path.
    code = ("from jupyterlab_server.settings_utils import _get_overrides; import json; "
            "print(json.dumps(_get_overrides('/nonexistent')[0]))")
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(tmp_path / "etc" / "jupyter"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout)
    assert loaded["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"] == viewers


def test_jupyterlab_has_the_myst_extension():
    """Without jupyterlab-myst, every box shows as raw ':::{admonition}' text in JupyterLab."""
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [str(jupyter) if jupyter.exists() else "jupyter", "labextension", "list"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    listing = out.stdout + out.stderr
    assert out.returncode == 0, listing
    line = next((l for l in listing.splitlines() if "jupyterlab-myst" in l), None)
    assert line is not None, ("JupyterLab has no jupyterlab-myst extension: "
                              "pip install -e '.[book]' (or -r requirements.txt)\n" + listing)
    assert "enabled" in line, line
    for spec in (_text(ROOT / "requirements.txt"), _text(ROOT / "pyproject.toml")):
        assert "jupyterlab-myst" in spec


# ------------------------------------------------------------------ 3. promises in the text
def _blocks(text: str) -> list[tuple[str, str, str]]:
    """Top-level colon-fence blocks: (directive, argument, body) in order of appearance."""
    out = []
    for m in re.finditer(r"^:::\{(\w[\w-]*)\}[ \t]*(.*?)\n(.*?)^:::[ \t]*$", text, re.M | re.S):
        out.append((m.group(1), m.group(2).strip(), m.group(3)))
    return out


def _following_block(text: str, end: int) -> str:
    """The next non-blank text after position ``end``."""
    return text[end:].lstrip()


@pytest.mark.parametrize("md", NUMBERED + [BOOK / "intro.md"], ids=lambda p: p.name)
def test_every_think_box_is_followed_by_its_answer(md):
    text = _text(md)
    thinks = list(re.finditer(r"^:::\{admonition\}[ \t]*Think[^\n]*\n.*?^:::[ \t]*$", text, re.M | re.S))
    missing = []
    for m in thinks:
        nxt = _following_block(text, m.end())
        head = re.match(r":::\{(admonition|dropdown)\}[ \t]*([^\n]*)\n(.*?)^:::[ \t]*$", nxt, re.M | re.S)
        ok = bool(head) and "Answer" in head.group(2) and (
            head.group(1) == "dropdown" or re.search(r"^:class:[^\n]*\bdropdown\b", head.group(3), re.M))
        if ok:
            body = re.sub(r"^:class:[^\n]*\n", "", head.group(3), flags=re.M).strip()
            ok = len(body.split()) >= 25  # an answer for a learner who tried, not a hint
        if not ok:
            line = text[:m.start()].count("\n") + 1
            missing.append(f"line {line}")
    assert not missing, (f"{md.name}: Think boxes without a collapsed answer of some substance "
                         f"right after them (:::{{admonition}} Answer + :class: dropdown): {missing}")


@pytest.mark.parametrize("md", NUMBERED, ids=lambda p: p.name)
def test_every_demo_says_what_to_try(md):
    text = _text(md)
    demos = list(re.finditer(r"^```\{code-cell\}[^\n]*\n(?:(?!^```).)*?\bexplore_\w+\((?:(?!^```).)*?^```",
                             text, re.M | re.S))
    for m in demos:
        after = _following_block(text, m.end())[:300]
        assert re.match(r"\*\*What to try", after), (
            f"{md.name}: the demo ending at line {text[:m.end()].count(chr(10)) + 1} is not "
            "followed by '**What to try, and what you should see.**'")


def _exercise_headings(notebook: Path) -> list[str]:
    nb = json.loads(_text(notebook))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            m = re.match(r"^## (Exercise \d+\.\d+\b.*)$", line.strip())
            if m:
                out.append(m.group(1).strip())
    return out


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_exercises_section_lists_the_notebook_exercises(notebook):
    """'## Exercises' in book/NN_name.md names exactly the notebook's '## Exercise N.k: title'."""
    chapter = BOOK / f"{notebook.stem}.md"
    assert chapter.exists(), f"no chapter {chapter.name} for {notebook.name}"
    headings = _exercise_headings(notebook)
    number = int(notebook.name[:2])
    assert headings, f"{notebook.name} has no '## Exercise {number}.k: title' heading"
    assert all(h.startswith(f"Exercise {number}.") for h in headings), headings
    text = _text(chapter)
    section = re.search(r"^## Exercises[ \t]*\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, f"{chapter.name} has no '## Exercises' section"
    listed = [m.group(1).strip() for m in re.finditer(r"^[-*] (Exercise \d+\.\d+\b.*)$", section.group(1), re.M)]
    assert listed == headings, (
        f"{chapter.name}: the Exercises section must list, as '- <heading>' lines in order, "
        f"exactly the exercises of {notebook.name}.\n listed:   {listed}\n notebook: {headings}")
    stem = notebook.stem
    for link in (f"../exercises/{stem}.ipynb",
                 f"https://mybinder.org/v2/gh/anomdiff/anomdiff/main?labpath=exercises%2F{stem}.ipynb",
                 f"https://colab.research.google.com/github/anomdiff/anomdiff/blob/main/exercises/{stem}.ipynb"):
        assert link in section.group(1), f"{chapter.name}: the Exercises section lacks {link}"


def _glossary_terms() -> set[str]:
    text = _text(BOOK / "notation.md")
    block = re.search(r"^```\{glossary\}\n(.*?)^```", text, re.M | re.S)
    assert block, "book/notation.md has no ```{glossary} block"
    return {line.strip().lower() for line in block.group(1).splitlines()
            if line.strip() and not line.startswith((" ", "\t"))}


def test_notation_page_has_symbols_and_glossary():
    text = _text(BOOK / "notation.md")
    terms = _glossary_terms()
    for term in ("ta-msd", "ea-msd", "tea-msd", "eb", "ctrw", "fbm", "sbm", "attm", "lw", "crb",
                 "crlb", "mae", "cnn", "mle", "spt", "ergodic msd", "eb → 0", "ageing",
                 "non-stationarity"):
        assert term in terms, f"glossary lacks {term!r}"
    # one symbol, one meaning: sigma is the localization noise only
    for symbol in (r"$\sigma$", r"$\mu$", r"$\nu$", r"$\gamma$", r"$\tau_0$", r"$\alpha$", r"$\Delta$"):
        assert f"| {symbol}" in text, f"notation table lacks {symbol}"


def test_glossary_links_have_entries():
    terms = _glossary_terms()
    pages = sorted(BOOK.glob("*.md"))
    unknown = []
    for page in pages:
        for m in re.finditer(r"\{term\}`([^`]+)`", _text(page)):
            target = m.group(1)
            target = re.sub(r"^.*<(.+)>$", r"\1", target).strip().lower()
            if target not in terms:
                unknown.append(f"{page.name}: {m.group(0)}")
    assert not unknown, f"{{term}} links to entries that book/notation.md does not define: {unknown}"


@pytest.mark.parametrize("md", NUMBERED, ids=lambda p: p.name)
def test_sigma_means_localization_noise_only(md):
    """The Lévy walk's exponent is mu, the ATTM's nu: no psi ~ tau^(-1-sigma), no D^(sigma-1)."""
    text = _text(md)
    for pattern in (r"\\tau\^\{-1-\\sigma\}", r"D\^\{\\sigma-1\}", r"3 - \\sigma", r"\\sigma/\\gamma",
                    r"\\sigma_\\text\{CRB\}"):
        assert not re.search(pattern, text), f"{md.name}: sigma used for something else ({pattern})"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_launch_links_open_notebooks(md):
    """Binder and Colab links open .ipynb files, never the MyST .md (raw text in Colab)."""
    text = _text(md)
    bad = [u for u in re.findall(r"https://mybinder\.org/\S+|https://colab\.research\.google\.com/\S+", text)
           if re.search(r"\.md\b", u)]
    assert not bad, f"{md.name}: launch links to Markdown files: {bad}"


# ------------------------------------------------------------------ 4. the README
README = ROOT / "README.md"


def test_readme_example_runs_without_a_warning(tmp_path):
    text = _text(README)
    block = re.search(r"## The library in five lines\s*```python\n(.*?)```", text, re.S)
    assert block, "README: no python block under 'The library in five lines'"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-W", "error", "-c", block.group(1)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"README example fails or warns:\n{run.stderr[-3000:]}"


def test_readme_commands_keep_an_existing_venv():
    text = _text(README)
    for marker in ("<!-- main-command -->", "<!-- test-command -->"):
        cmd = re.search(re.escape(marker) + r"\s*```bash\n(.*?)\n```", text, re.S)
        assert cmd, f"README: no command after {marker}"
        line = cmd.group(1).strip()
        assert "\n" not in line, f"{marker}: .ci/run reads one line"
        assert re.search(r"\[ -d \.venv \] \|\| python3? -m venv \.venv", line), (
            f"{marker}: create .venv only when missing ([ -d .venv ] || python3 -m venv .venv): {line}")
    assert 'python -m pytest -m "not slow"' in text, "README: show the quick run"
    assert "labpath=book%2Fintro.ipynb" in text, "README: the Binder badge opens the .ipynb"
    assert "example_tracks.LICENSE" in text, "README: name the example dataset's licence"


def test_intro_lists_every_chapter_with_its_time():
    """The intro's chapter table links each chapter and quotes the time its objectives box gives."""
    intro = _text(BOOK / "intro.md")
    rows = {m.group(1): int(m.group(2)) for m in
            re.finditer(r"^\|[^|]*\|\s*\[[^\]]+\]\((\d\d_\w+)\.md\)[^\n]*\|\s*(\d+) min\s*\|\s*$", intro, re.M)}
    toc = _text(ROOT / "_toc.yml")
    for md in NUMBERED:
        if f"file: book/{md.stem}" not in toc:
            continue  # a chapter being written, not yet in the book
        assert md.stem in rows, f"intro.md: no row linking {md.name} with its time"
        box = re.search(r"In this chapter \(about (\d+) minutes\)", _text(md))
        assert box, f"{md.name}: no 'In this chapter (about NN minutes)' box"
        assert rows[md.stem] == int(box.group(1)), (
            f"intro.md gives {rows[md.stem]} min for {md.name}, its box {box.group(1)} min")


# ------------------------------------------------------------------ 5. JupyterLab in a browser
@pytest.mark.browser
@pytest.mark.slow
def test_chapter_in_jupyterlab_renders_boxes_and_saves_unchanged(chromium, tmp_path, screenshot_dir):
    """A learner double-clicks book/03_noise.md in JupyterLab: it opens as a notebook (jupytext),
    the MyST boxes render (jupyterlab-myst), an answer opens, and saving changes no file."""
    import socket
    import time

    from conftest import child_env, free_port, venv_bin

    work = tmp_path / "repo"
    (work / "book").mkdir(parents=True)
    shutil.copy(ROOT / "jupytext.toml", work / "jupytext.toml")
    for f in ("03_noise.md", "03_noise.ipynb"):
        shutil.copy(BOOK / f, work / "book" / f)
    # The repository's viewer setting (what postBuild installs), plus test-only settings:
    # render every cell (no windowing) and no news pop-up.
    config = tmp_path / "config"
    subprocess.run(["bash", str(ROOT / "postBuild"), str(tmp_path / "env")], cwd=ROOT, check=True,
                   capture_output=True)
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "default_setting_overrides.json").write_text(json.dumps({
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }), encoding="utf-8")
    saved_before = (work / "book" / "03_noise.md").stat().st_mtime_ns
    port = free_port()
    env = child_env(JUPYTER_CONFIG_DIR=str(config),
                    JUPYTER_CONFIG_PATH=str(tmp_path / "env" / "etc" / "jupyter"))
    server = subprocess.Popen(
        [venv_bin("jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=t", f"--ServerApp.root_dir={work}", "--allow-root",
         "--LabApp.news_url="], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.5)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/lab/tree/book/03_noise.md?reset&token=t", timeout=180_000)
        page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=240_000)
        page.wait_for_selector(".jp-Notebook summary:has-text('Answer')", timeout=120_000)
        text = page.locator(".jp-Notebook").inner_text()
        assert ":::{admonition}" not in text, "MyST boxes show as raw markup (jupyterlab-myst missing?)"
        answer = page.locator(".jp-Notebook details:has(summary:has-text('Answer'))").first
        assert answer.get_attribute("open") is None, "answers must start collapsed"
        answer.locator("summary").click()
        page.wait_for_function("d => d.open", arg=answer.element_handle(), timeout=10_000)
        page.screenshot(path=str(screenshot_dir / "jupyterlab_03_noise_answer.png"))
        page.keyboard.press("Control+s")
        for _ in range(60):  # wait until the save reached the disk
            if (work / "book" / "03_noise.md").stat().st_mtime_ns != saved_before:
                break
            time.sleep(0.5)
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (work / "book" / "03_noise.md").stat().st_mtime_ns != saved_before, "the save never happened"
    changed = [f for f in ("03_noise.md", "03_noise.ipynb")
               if not filecmp.cmp(BOOK / f, work / "book" / f, shallow=False)]
    assert not changed, f"opening and saving in JupyterLab changed {changed}"
