"""The chapters' paired notebooks (book/NN.ipynb, for the Binder/Colab launch buttons and
for Jupyter without jupytext) hold exactly the cells of their MyST sources (book/NN.md).

After editing a chapter, refresh the pair with: jupytext --sync book/*.md
"""

from pathlib import Path

import jupytext
import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
# Pages with code cells are notebooks (paired); text-only pages such as notation.md are not.
CHAPTERS = sorted(p for p in BOOK.glob("*.md") if "```{code-cell}" in p.read_text(encoding="utf-8"))


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_chapter_notebook_matches_its_source(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run jupytext --sync book/*.md"
    source, paired = jupytext.read(md), jupytext.read(ipynb)
    assert _cells(paired) == _cells(source), f"{ipynb.name} drifted from {md.name}: run jupytext --sync book/*.md"
    assert all(not c.get("outputs") for c in paired.cells if c.cell_type == "code")


def test_every_chapter_is_paired():
    names = {p.stem for p in CHAPTERS}
    for stem in ("intro", "01_models", "02_measuring", "03_noise", "04_ergodicity", "05_ml_alpha",
                 "06_ml_ergodic", "08_further"):
        assert stem in names, f"book/{stem}.md is missing or has no code cells"
    assert not (BOOK / "07_further.md").exists(), "chapter 7 'Going further' moved to 08_further.md"
