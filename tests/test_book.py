"""The Jupyter Book: it builds with -W, and the HTML holds what the course promises.

Run: ``pytest -m book tests/test_book.py`` (builds the book once, ~minutes);
``ANOMDIFF_BOOK_BUILT=1`` reuses an existing ``_build/html``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import BOOK_ROOT, is_chapter  # noqa: E402  (tests/ is on sys.path via rootdir)

pytestmark = pytest.mark.book

MAX_BUILD_SECONDS = 600  # issue 5: the build runs in under 10 minutes on 2 cores

# Error output as myst-nb renders it, and text that only a failing cell prints.
ERROR_OUTPUT_SELECTORS = (
    "div.cell_output div.output.traceback",
    "div.cell_output div.output.error",
    "div.cell_output div.output.stderr",
    "div.cell_output .ansi-red-intense-fg",  # IPython traceback colouring
)
ERROR_TEXT = re.compile(  # only what an uncaught exception prints, not a printed message
    r"Traceback \(most recent call last\)"
    r"|^-{75}$"  # IPython's traceback rule
    r"|\bCell In\[\d+\], line \d+",
    re.MULTILINE,
)
# Sphinx/docutils leave these in the HTML when markup failed (unknown role, bad ref, ...).
MARKUP_ERROR_SELECTORS = ("div.system-message", "span.problematic", "a.problematic")
DOI_TEXT = re.compile(r"\b10\.\d{4,9}/[-._;()/:A-Za-z0-9]+")
# "$\alpha$" or "\alpha" or "\(" left in the prose means the math was not parsed.
RAW_TEX = re.compile(r"\\[A-Za-z]{2,}|\\[()\[\]]|\$[^$\s][^$]{0,80}[\^_][^$]{0,80}\$")


# --------------------------------------------------------------------------- helpers
@lru_cache(maxsize=None)
def soup_of(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_soup(html_dir: Path, page: str):
    path = html_dir / f"{page}.html"
    if not path.exists():
        pytest.fail(f"page {page!r} from _toc.yml is missing: {path} not built")
    return soup_of(path)


def article(soup):
    """The page body without the theme's navigation."""
    node = soup.select_one("article.bd-article") or soup.select_one("main") or soup.body
    assert node is not None, "page has no <article>/<main>/<body>"
    return node


def local_target(html_dir: Path, page: str, src: str) -> Path | None:
    """File an href/src points to inside the build, or None for external/data URLs."""
    parsed = urlparse(src)
    if parsed.scheme or parsed.netloc or not parsed.path:
        return None
    return (html_dir / page).parent.joinpath(unquote(parsed.path)).resolve()


def png_is_nontrivial(path: Path) -> tuple[bool, str]:
    """A real plot: PNG of some size whose pixels are not all the same colour."""
    import numpy as np
    from matplotlib import image

    size = path.stat().st_size
    if size < 1500:
        return False, f"{path.name}: only {size} bytes"
    pixels = image.imread(str(path))
    h, w = pixels.shape[:2]
    if h < 50 or w < 50:
        return False, f"{path.name}: {w}x{h} px"
    rgb = pixels[..., :3] if pixels.ndim == 3 else pixels
    if float(np.std(rgb)) < 0.01:
        return False, f"{path.name}: a blank image"
    return True, f"{path.name}: {w}x{h} px, {size} bytes"


def prose_text_nodes(node):
    """Text outside code, outputs, math, links and scripts (what a reader sees as prose)."""
    skip = {"a", "code", "pre", "script", "style", "kbd", "samp"}
    skip_classes = {"cell_output", "cell_input", "math", "highlight", "MathJax"}
    for text in node.find_all(string=True):
        parents = list(text.parents)
        if any(p.name in skip for p in parents):
            continue
        if any(skip_classes & set(p.get("class") or ()) for p in parents):
            continue
        yield str(text)


def is_notebook_page(page: str) -> bool:
    """Pages that are executed notebooks (and so get launch/download buttons)."""
    if page.startswith(("exercises/", "solutions/")):
        return True
    source = BOOK_ROOT / f"{page}.md"
    return source.exists() and "code-cell" in source.read_text(encoding="utf-8")


def binder_target(url: str) -> str | None:
    """The repository file a mybinder.org link opens (labpath=, urlpath=[lab/]tree/...)."""
    from urllib.parse import parse_qs

    query = parse_qs(urlparse(url).query)
    if query.get("labpath"):
        return unquote(query["labpath"][0]).lstrip("/")
    for urlpath in query.get("urlpath", []):
        m = re.match(r"/?(?:lab/)?tree/(.+)", unquote(urlpath))
        if m:
            return m.group(1)
    return None


def colab_target(url: str) -> str | None:
    m = re.search(r"/github/[^/]+/[^/]+/blob/[^/]+/(.+)$", urlparse(url).path)
    return unquote(m.group(1)) if m else None


# --------------------------------------------------------------------------- the build
def test_build_succeeds_with_warnings_as_errors(book_build):
    """`jupyter-book build . -W -n --keep-going` exits 0 (any warning fails it)."""
    if book_build.returncode != 0:
        flagged = [line for line in book_build.log.splitlines()
                   if re.search(r"WARNING|ERROR|Error|Traceback|failed", line)
                   and "Kernel is running over TCP without encryption" not in line]
        pytest.fail(
            f"jupyter-book build failed with exit code {book_build.returncode} "
            f"after {book_build.seconds:.0f} s\n--- warnings/errors ---\n"
            + "\n".join(flagged[:60])
            + f"\n--- log tail ---\n{book_build.log_tail(60)}"
        )


def test_build_time_within_budget(book_build):
    if book_build.reused:
        pytest.skip("ANOMDIFF_BOOK_BUILT=1: build time not measured in this session")
    print(f"book build took {book_build.seconds:.1f} s")
    assert book_build.seconds < MAX_BUILD_SECONDS, (
        f"book build took {book_build.seconds:.0f} s, over the {MAX_BUILD_SECONDS} s budget")


def test_every_toc_page_is_built(html_dir, toc_pages):
    missing = [p for p in toc_pages if not (html_dir / f"{p}.html").exists()]
    assert not missing, f"pages in _toc.yml with no HTML in {html_dir}: {missing}"
    assert (html_dir / "index.html").exists()
    chapters = [p for p in toc_pages if is_chapter(p)]
    assert len(chapters) >= 7, f"expected the seven chapters book/01..07 in _toc.yml: {chapters}"


# --------------------------------------------------------------------------- per page
def test_chapter_has_a_figure(html_dir, chapter_page):
    """Each chapter shows at least one real plot (a PNG in _images/ or a data: URL)."""
    import base64
    import tempfile

    body = article(page_soup(html_dir, chapter_page))
    reasons, good = [], []
    for img in body.find_all("img"):
        src = img.get("src", "")
        if src.startswith("data:image/png;base64,"):
            with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
                tmp.write(base64.b64decode(src.split(",", 1)[1]))
                tmp.flush()
                ok, why = png_is_nontrivial(Path(tmp.name))
        else:
            target = local_target(html_dir, chapter_page, src)
            if target is None or target.suffix.lower() != ".png":
                reasons.append(f"{src[:80]}: not a local PNG")
                continue
            if not target.exists():
                reasons.append(f"{src}: file missing")
                continue
            ok, why = png_is_nontrivial(target)
        (good if ok else reasons).append(why)
    assert good, f"{chapter_page}: no figure (non-trivial PNG image) found; images seen: {reasons}"


def test_local_images_exist(html_dir, toc_page):
    body = article(page_soup(html_dir, toc_page))
    broken = []
    for img in body.find_all("img"):
        target = local_target(html_dir, toc_page, img.get("src", ""))
        if target is not None and not target.exists():
            broken.append(img.get("src"))
    assert not broken, f"{toc_page}: images whose files are missing: {broken}"


def test_no_traceback_or_error_output(html_dir, toc_page):
    """No cell shows an error, traceback or stderr; no failed markup is left in the page."""
    body = article(page_soup(html_dir, toc_page))
    problems = []
    for sel in ERROR_OUTPUT_SELECTORS + MARKUP_ERROR_SELECTORS:
        for node in body.select(sel):
            problems.append(f"{sel}: {node.get_text(' ', strip=True)[:300]!r}")
    for out in body.select("div.cell_output"):
        text = out.get_text("\n")
        match = ERROR_TEXT.search(text)
        if match:
            start = max(0, match.start() - 100)
            problems.append(f"error text in output: {text[start:match.end() + 200]!r}")
    assert not problems, f"{toc_page}: error output in the built page:\n" + "\n".join(problems)


def test_math_is_rendered_by_mathjax(html_dir, toc_page):
    """Math becomes MathJax markup (script present), and no raw TeX is left in the prose."""
    soup = page_soup(html_dir, toc_page)
    body = article(soup)
    if body.select(".math"):
        srcs = [s.get("src", "") for s in soup.find_all("script")]
        assert any("mathjax" in s.lower() for s in srcs), (
            f"{toc_page}: has math but no MathJax script; scripts: {srcs}")
    raw = [t.strip()[:120] for t in prose_text_nodes(body) if RAW_TEX.search(t)]
    assert not raw, f"{toc_page}: TeX left as plain text (not parsed as math): {raw}"


def test_math_appears_in_the_chapters(html_dir, toc_pages):
    with_math = [p for p in toc_pages if is_chapter(p)
                 and article(page_soup(html_dir, p)).select(".math")]
    assert len(with_math) >= 3, f"expected math in most chapters, found it only in {with_math}"


def test_dois_are_links(html_dir, toc_page):
    """A DOI in the prose is a link; chapters cite papers with doi.org links."""
    body = article(page_soup(html_dir, toc_page))
    bare = [t.strip()[:120] for t in prose_text_nodes(body) if DOI_TEXT.search(t)]
    assert not bare, f"{toc_page}: DOIs written as plain text, not links: {bare}"
    for a in body.find_all("a", href=re.compile(r"doi\.org/")):
        assert re.search(r"doi\.org/10\.\d{4,9}/\S+", a["href"]), (
            f"{toc_page}: malformed DOI link {a['href']!r}")
    if is_chapter(toc_page):
        links = body.find_all("a", href=re.compile(r"^https?://(dx\.)?doi\.org/10\."))
        assert links, (f"{toc_page}: no https://doi.org/ link; each chapter ends with further "
                       "reading (papers with DOIs), see DESIGN.md")


def test_launch_and_download_buttons(html_dir, toc_page):
    """Notebook pages: Binder (and for .ipynb pages Colab) opening files that exist, .ipynb download.

    Every Colab link must open an existing .ipynb: Colab cannot open MyST .md chapters, so a
    header Colab button on a .md page is a broken button.
    """
    soup = page_soup(html_dir, toc_page)
    if not is_notebook_page(toc_page):  # a text-only page: nothing to launch
        assert not soup.select("div.cell"), f"{toc_page} has code cells but no notebook source"
        return
    hrefs = [a.get("href", "") for a in soup.find_all("a")]

    binder = [h for h in hrefs if "mybinder.org/v2/" in h]
    colab = [h for h in hrefs if "colab.research.google.com/github/" in h]
    opened = {url: binder_target(url) for url in binder}
    for url, path in opened.items():
        if path is not None:  # "?urlpath=lab" opens JupyterLab itself: fine
            assert (BOOK_ROOT / path).exists(), (
                f"{toc_page}: Binder link opens {path}, which is not in the repository: {url}")
    sources = {f"{toc_page}{suffix}" for suffix in (".md", ".ipynb")}
    assert sources & set(opened.values()), (
        f"{toc_page}: no Binder button that opens this page's notebook "
        f"(launch_buttons.binderhub_url); Binder links: {binder}")
    if (BOOK_ROOT / f"{toc_page}.ipynb").exists():  # Colab opens .ipynb only (not MyST .md)
        own_colab = [url for url in colab if colab_target(url) == f"{toc_page}.ipynb"]
        assert own_colab, (f"{toc_page}: no Colab button/link for this notebook "
                           f"(launch_buttons.colab_url); Colab links: {colab}")
    for url in colab:
        path = colab_target(url)
        assert path, f"{toc_page}: Colab link names no file: {url}"
        assert path.endswith(".ipynb"), (
            f"{toc_page}: Colab link opens {path}; Colab opens only .ipynb files: {url}")
        assert (BOOK_ROOT / path).exists(), (
            f"{toc_page}: Colab link opens {path}, which is not in the repository")

    download = soup.select_one("a.btn-download-notebook-button") or next(
        (a for a in soup.find_all("a") if a.get("href", "").endswith(".ipynb")
         and "_sources" in a.get("href", "")), None)
    assert download is not None, f"{toc_page}: no 'download .ipynb' button"
    target = local_target(html_dir, toc_page, download["href"])
    assert target is not None and target.exists(), (
        f"{toc_page}: download .ipynb points to a missing file: {download['href']}")
    nb = json.loads(target.read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4 and nb.get("cells"), f"{target} is not a notebook with cells"


def test_chapters_link_to_their_exercises(html_dir, toc_pages):
    """Chapters 01-06 end with a link to their exercise notebook (the exercises issue)."""
    exercises = {Path(p).name[:2]: p for p in toc_pages if p.startswith("exercises/")}
    missing = []
    for page in toc_pages:
        num = Path(page).name[:2]
        if not is_chapter(page) or num not in exercises:
            continue
        hrefs = [a.get("href", "") for a in article(page_soup(html_dir, page)).find_all("a")]
        name = Path(exercises[num]).name
        if not any(f"exercises/{name}" in h for h in hrefs):
            missing.append(f"{page} -> {exercises[num]}")
    assert not missing, f"chapters without a link to their exercise notebook: {missing}"


def test_demo_cells_show_their_figure(html_dir, chapter_page):
    """A slider demo's cell holds its default figure as a plain image (DESIGN.md)."""
    body = article(page_soup(html_dir, chapter_page))
    demos = [cell for cell in body.select("div.cell")
             if re.search(r"\bexplore_\w+\(", cell.select_one("div.cell_input").get_text()
                          if cell.select_one("div.cell_input") else "")]
    if not demos:  # only the closing chapter (further reading) has no demo by design
        assert chapter_page == "book/09_further", f"{chapter_page} has no slider demo"
        return
    for cell in demos:
        call = re.search(r"\bexplore_\w+\(", cell.select_one("div.cell_input").get_text()).group()
        imgs = cell.select("div.cell_output img")
        assert imgs, f"{chapter_page}: the {call}...) cell shows no figure in the static page"


def test_pages_need_no_widget_javascript(html_dir, toc_page):
    """Figures are plain images; no page pulls the ipywidgets manager or require.js."""
    soup = page_soup(html_dir, toc_page)
    srcs = [s.get("src", "") for s in soup.find_all("script")]
    widget_js = [s for s in srcs if "jupyter-widgets" in s or "require.js" in s
                 or "require.min.js" in s]
    assert not widget_js, f"{toc_page}: loads widget JavaScript from a CDN: {widget_js}"


# --------------------------------------------------------------------------- notation, captions
def test_notation_page_is_built_with_a_glossary(html_dir, toc_pages):
    """book/notation is in the toc and its HTML holds the symbol table and a Sphinx glossary."""
    assert "book/notation" in toc_pages, "book/notation is not in _toc.yml"
    body = article(page_soup(html_dir, "book/notation"))
    assert body.select("table"), "notation page: no symbol table"
    glossary = body.select_one("dl.glossary")
    assert glossary is not None, "notation page: no glossary (```{glossary} directive)"
    ids = {dt.get("id", "") for dt in glossary.select("dt")}
    for term in ("EB", "TA-MSD", "CTRW", "FBM", "SBM", "ATTM", "CRB", "MAE", "CNN"):
        assert f"term-{term}" in ids, f"glossary entry {term!r} missing; ids: {sorted(ids)[:40]}"


def test_chapters_link_terms_to_the_glossary(html_dir, toc_pages):
    """The chapters' {term} links resolve to entries of the notation page."""
    linked = []
    for page in toc_pages:
        if not is_chapter(page):
            continue
        hrefs = [a.get("href", "") for a in article(page_soup(html_dir, page)).select("a.reference")]
        if any(re.search(r"notation\.html#term-", h) for h in hrefs):
            linked.append(page)
    assert len(linked) >= 5, f"only {linked} link acronyms to the glossary ({{term}}`EB`)"


def test_chapter_figures_have_numbered_captions(html_dir, chapter_page):
    """Every chapter has figures with numbered captions ('Fig. N.k ...', myst-nb figure metadata)."""
    body = article(page_soup(html_dir, chapter_page))
    captions = [f.select_one("figcaption").get_text(" ", strip=True)
                for f in body.select("figure") if f.select_one("figcaption")]
    numbered = [c for c in captions if re.match(r"Fig\. \d+(\.\d+)*\s+\S", c)]
    assert numbered, f"{chapter_page}: no figure with a numbered caption; captions: {captions}"
    short = [c for c in numbered if len(c.split()) < 12]
    assert not short, f"{chapter_page}: captions must say what to look at, these are too short: {short}"


def test_every_chapter_figure_is_captioned(html_dir, toc_page):
    """Every plot a cell draws sits in a numbered figure with a caption (demo cells excepted:
    their figure is the live widget's, and the text after them says what to try)."""
    if not toc_page.startswith("book/"):
        return  # exercise and solution notebooks are shown without outputs
    body = article(page_soup(html_dir, toc_page))
    bare = []
    for cell in body.select("div.cell"):
        source = cell.select_one("div.cell_input")
        if source is not None and re.search(r"\bexplore_\w+\(", source.get_text()):
            continue
        for img in cell.select("div.cell_output img"):
            figure = img.find_parent("figure")
            if figure is None or figure.select_one("figcaption") is None:
                bare.append((source.get_text()[:80] if source else "?").strip())
    assert not bare, f"{toc_page}: figures without a caption (mystnb figure metadata): {bare}"
