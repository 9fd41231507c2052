"""utils.book: the pages of the table of contents, in order."""

from utils.book import toc_files, toc_pages

import pytest


def test_the_course_toc_lists_intro_first_then_the_chapters_in_order():
    pages = toc_pages()
    assert pages[0] == "intro"
    chapters = [p for p in pages if p.startswith("chapters/0")]
    assert chapters == sorted(chapters) and chapters[0] == "chapters/01_dropout_theory"
    assert "chapters/08_dropout_variants" in chapters and "bibliography" in pages


def test_nested_sections_and_top_level_chapters_are_walked_in_order(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "root: index\n"
        "chapters:\n"
        "  - file: a.md\n"
        "    sections:\n"
        "      - file: a1.ipynb\n"
        "        sections:\n"
        "          - file: a1x\n"
        "  - file: b\n",
        encoding="utf-8",
    )
    assert toc_files(toc) == ["index", "a.md", "a1.ipynb", "a1x", "b"]
    assert toc_pages(toc) == ["index", "a", "a1", "a1x", "b"]


@pytest.mark.parametrize(
    "text, message",
    [
        (None, "does not exist"),
        ("root: [unclosed\n", "is not valid YAML"),
        ("parts: []\n", "has no 'root' page"),
    ],
)
def test_a_bad_toc_is_named(tmp_path, text, message):
    toc = tmp_path / "_toc.yml"
    if text is not None:
        toc.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        toc_files(toc)
