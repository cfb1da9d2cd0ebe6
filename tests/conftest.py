"""Shared fixtures for the book and browser tests.

- ``book_build``: builds the Jupyter Book once per session
  (``jupyter-book build <root> -W -n --keep-going``) and returns a :class:`BookBuild`.
  Set ``ANOMDIFF_BOOK_BUILT=1`` to reuse an existing ``<root>/_build/html`` instead
  (local iterations; CI always builds). ``ANOMDIFF_BOOK_ROOT`` points at another book
  (default: the repository root).
- ``chromium``: a headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright.
  Missing browser: the test fails when ``CI`` is set, skips otherwise.
- ``static_site``: the built HTML served on 127.0.0.1 by ``http.server`` in a thread.

Every subprocess gets the repository on ``PYTHONPATH`` so the book, the kernels and the
Jupyter server import this checkout's ``anomdiff``.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

# The one place the tests set backends. This pytest process draws off-screen (Agg) and uses
# the library's Keras backend whatever ~/.keras/keras.json says; kernels and other
# subprocesses get child_env(), which drops MPLBACKEND so notebooks keep their inline backend
# (the nbval runs ask for Agg explicitly: they compare text, not figures).
os.environ["MPLBACKEND"] = "Agg"
os.environ.setdefault("KERAS_BACKEND", "jax")

REPO = Path(__file__).resolve().parents[1]
BOOK_ROOT = Path(os.environ.get("ANOMDIFF_BOOK_ROOT", REPO)).resolve()
BUILD_DIR = BOOK_ROOT / "_build"
HTML_DIR = BUILD_DIR / "html"
SCREENSHOT_DIR = BUILD_DIR / "screenshots"
BUILD_LOG = BUILD_DIR / "build.log"

CHROMIUM = Path(os.environ.get("ANOMDIFF_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BUILD_TIMEOUT = 15 * 60  # the issue allows 10 min on 2 cores; fail clearly beyond that


def child_env(**extra: str) -> dict[str, str]:
    """Environment for subprocesses: this checkout importable, no interactive backends."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(REPO) not in paths:
        paths.append(str(REPO))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("MPLBACKEND", None)  # notebooks keep the inline backend (DESIGN.md)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.update(extra)
    return env


def venv_bin(name: str) -> str:
    """An executable next to this interpreter (the venv), else from PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name!r} not found next to {sys.executable} nor on PATH; "
                    "install the book extra: pip install -e '.[book,test]'")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_browser() -> None:
    """Fail under CI, skip locally, when headless Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (run scripts/install_browser.sh)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            problem = f"playwright is not importable ({exc}); pip install playwright"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need Chromium under CI: {problem}")
    pytest.skip(f"browser tests skipped locally: {problem}")


# --------------------------------------------------------------------------- book build
@dataclasses.dataclass
class BookBuild:
    root: Path
    html: Path
    returncode: int
    log: str
    seconds: float
    reused: bool

    def log_tail(self, n: int = 80) -> str:
        return "\n".join(self.log.splitlines()[-n:])


def _build_book() -> BookBuild:
    if os.environ.get("ANOMDIFF_BOOK_BUILT") == "1" and (HTML_DIR / "index.html").exists():
        # reuse, but keep the verdict of the build that made it (written by _build_book)
        log = BUILD_LOG.read_text(errors="replace") if BUILD_LOG.exists() else "(reused build)"
        codes = re.findall(r"\[exit code (-?\d+) after", log)
        return BookBuild(BOOK_ROOT, HTML_DIR, int(codes[-1]) if codes else 0, log, 0.0, True)
    cmd = [venv_bin("jupyter-book"), "build", str(BOOK_ROOT), "-W", "-n", "--keep-going"]
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=BOOK_ROOT, env=child_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", timeout=BUILD_TIMEOUT,
        )
        rc, log = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ""
        rc = -1
        log = (out.decode(errors="replace") if isinstance(out, bytes) else out)
        log += f"\n*** jupyter-book build timed out after {BUILD_TIMEOUT} s ***"
    seconds = time.monotonic() - t0
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)  # sphinx colours
    log = f"$ {' '.join(cmd)}\n{log}\n[exit code {rc} after {seconds:.0f} s]\n"
    BUILD_LOG.write_text(log)
    return BookBuild(BOOK_ROOT, HTML_DIR, rc, log, seconds, False)


@pytest.fixture(scope="session")
def book_build() -> BookBuild:
    """The book built once per session (or reused with ANOMDIFF_BOOK_BUILT=1)."""
    return _build_book()


@pytest.fixture(scope="session")
def html_dir(book_build: BookBuild) -> Path:
    """The built HTML folder; fails (not skips) when the build produced none."""
    if not (book_build.html / "index.html").exists():
        pytest.fail(f"no HTML in {book_build.html} (build exit code {book_build.returncode})\n"
                    f"--- build log tail ---\n{book_build.log_tail()}")
    return book_build.html


@pytest.fixture(scope="session")
def toc_pages() -> list[str]:
    """Every page named in _toc.yml (root first), as docnames without suffix."""
    pages = read_toc_pages()
    if not pages:
        pytest.fail(f"no pages found in {BOOK_ROOT / '_toc.yml'}")
    return pages


# --------------------------------------------------------------------------- servers
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def static_site(html_dir: Path):
    """Base URL of the built book served on 127.0.0.1 (thread, stopped at teardown)."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Playwright) for the session; fails under CI if missing."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


# --------------------------------------------------------------------------- parametrization
def read_toc_pages() -> list[str]:
    """Every page named in _toc.yml (root first), as docnames without suffix; [] if absent."""
    import yaml

    toc_file = BOOK_ROOT / "_toc.yml"
    if not toc_file.exists():
        return []
    toc = yaml.safe_load(toc_file.read_text()) or {}
    pages: list[str] = [str(toc["root"])] if toc.get("root") else []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                name = str(entry["file"])
                for suffix in (".md", ".ipynb"):
                    name = name.removesuffix(suffix)
                pages.append(name)
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return pages


def is_chapter(page: str) -> bool:
    """book/01_... to book/07_...: the numbered chapters (not the intro)."""
    name = Path(page).name
    return page.startswith("book/") and name[:2].isdigit()


def pytest_generate_tests(metafunc):
    """``toc_page``: every page of _toc.yml; ``chapter_page``: book/NN_* chapters only."""
    pages = read_toc_pages()
    if "toc_page" in metafunc.fixturenames:
        metafunc.parametrize("toc_page", pages, ids=pages)
    if "chapter_page" in metafunc.fixturenames:
        chapters = [p for p in pages if is_chapter(p)]
        metafunc.parametrize("chapter_page", chapters, ids=chapters)
