"""Code a reader sees must run when copied out of the book.

A visible code cell (one without a ``remove-cell`` or ``remove-input`` tag) must not use
a name that only hidden cells define: a reader who copies the visible code would get a
``NameError``. This parses every chapter; it does not execute anything.
"""

import ast
import builtins
import json
from pathlib import Path

import pytest

CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "chapters").glob("*.ipynb"))
#: Appendices: material a reader may skip; they have no exercises or self-check of their own.
APPENDICES = [path for path in CHAPTERS if path.stem.startswith("appendix_")]
LESSONS = [path for path in CHAPTERS if path not in APPENDICES]
HIDDEN_TAGS = {"remove-cell", "remove-input"}
#: Names IPython provides in every notebook.
IPYTHON_NAMES = {"display", "get_ipython", "In", "Out", "exit", "quit"}


def bound_names(tree: ast.AST) -> set[str]:
    """Every name a piece of code binds anywhere (assignments, imports, defs, loop and `with` targets, ...)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def used_names(tree: ast.AST) -> set[str]:
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def code_cells(path: Path):
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # IPython magics and shell escapes are not Python; they define nothing the checks need.
        lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
        hidden = bool(HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])))
        yield index, hidden, ast.parse("\n".join(lines))


def hidden_only_names_used(path: Path) -> list[str]:
    """``'cell 12 uses N_TRAIN'`` for every visible cell that uses a name only hidden cells define."""
    cells = list(code_cells(path))
    defined_hidden = set().union(*(bound_names(tree) for _, hidden, tree in cells if hidden))
    defined_visible: set[str] = set()
    problems = []
    for index, hidden, tree in cells:
        if hidden:
            continue
        defined_visible |= bound_names(tree)
        missing = used_names(tree) - defined_visible - set(dir(builtins)) - IPYTHON_NAMES
        problems += [f"cell {index} uses {name}" for name in sorted(missing & defined_hidden)]
    return problems


def test_there_are_chapters():
    assert len(LESSONS) >= 7 and len(APPENDICES) >= 2


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_visible_code_does_not_depend_on_hidden_cells(path):
    problems = hidden_only_names_used(path)
    assert not problems, f"{path.name}: visible code uses names only hidden cells define: {problems}"


def test_the_check_catches_a_name_defined_only_in_a_hidden_cell(tmp_path):
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"tags": ["remove-cell"]},
                "source": ["N_TRAIN = 187\n", "import os"],
            },
            {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", "print(N_TRAIN + x, os.sep)"]},
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["def f(a):\n", "    return a + x\n", "%timeit f(1)"],
            },
        ]
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    assert hidden_only_names_used(path) == ["cell 1 uses N_TRAIN", "cell 1 uses os"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_a_caption_a_name_and_alt_text(path):
    """A visible cell that shows a figure carries myst-nb figure metadata (the book's captions and alt text)."""
    missing = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        source = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "plt.show()" not in source or "remove-cell" in tags or "remove-output" in tags:
            continue
        meta = cell["metadata"].get("mystnb", {})
        figure, image = meta.get("figure", {}), meta.get("image", {})
        if not (figure.get("caption") and figure.get("name") and image.get("alt")):
            missing.append(index)
    assert not missing, f"{path.name}: cells {missing} show a figure without caption, name and alt text"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_plotly_figures_are_shown_with_show_interactive(path):
    """A plotly figure is shown with utils.interactive.show_interactive, never with ``fig.show()``.

    ``fig.show()`` outputs plotly's mime type, which the book cannot draw: the figure would be missing
    from the page (and _config.yml suppresses myst-nb's unknown-mime-type warning). ``plt.show()`` is
    matplotlib's and fine.
    """
    found = []
    for index, _, tree in code_cells(path):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "show"
            ):
                if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "plt"):
                    found.append(f"cell {index}: {ast.unparse(node)[:80]}")
    assert not found, f"{path.name}: show plotly figures with utils.interactive.show_interactive: {found}"


def test_interactive_figure_names_are_unique_in_the_book():
    """Each show_interactive(..., name=...) is an HTML id and a link target: one per book."""
    names = []
    for path in CHAPTERS:
        for _, _, tree in code_cells(path):
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_interactive":
                    name = {k.arg: k.value for k in node.keywords}.get("name")
                    assert isinstance(name, ast.Constant), f"{path.name}: name= must be a literal string"
                    names.append(name.value)
    assert len(names) == len(set(names)), names


def solution_cells(path: Path):
    """``(index, cell)`` for every cell between a ``{solution-start}`` and its ``{solution-end}``."""
    inside = False
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "{solution-start}" in source:
            inside = True
        elif cell["cell_type"] == "markdown" and "{solution-end}" in source:
            inside = False
        elif inside or (cell["cell_type"] == "markdown" and "{solution}" in source):
            yield index, cell


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_open_collapsed_in_jupyterlab_and_colab(path):
    """The book hides solutions in a dropdown; a notebook opened in JupyterLab or Colab must too.

    JupyterLab honours ``jupyter.source_hidden`` (and ``outputs_hidden``) on any cell; Colab
    shows a code cell with ``cellView: form`` folded behind "Show code".
    """
    problems = []
    for index, cell in solution_cells(path):
        if "{exercise}" in "".join(cell["source"]):
            problems.append(f"cell {index}: an exercise and its solution share a cell; split them")
        jupyter = cell["metadata"].get("jupyter", {})
        if not jupyter.get("source_hidden"):
            problems.append(f"cell {index}: jupyter.source_hidden is not true")
        if cell["cell_type"] == "code":
            if not jupyter.get("outputs_hidden"):
                problems.append(f"cell {index}: jupyter.outputs_hidden is not true")
            if cell["metadata"].get("cellView") != "form":
                problems.append(f"cell {index}: cellView is not 'form' (Colab)")
    assert not problems, "\n".join(problems)


def test_every_chapter_has_solutions_to_hide():
    """Guards the check above: were the markers renamed, it would pass on nothing."""
    assert all(any(True for _ in solution_cells(path)) for path in LESSONS)


UTILS = Path(__file__).resolve().parent.parent / "utils"


def defined_helpers(tree: ast.AST) -> set[str]:
    """Names of the functions and classes a piece of code defines at its top level."""
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_no_helper_is_defined_twice():
    """What two chapters need lives once, in utils: no chapter defines a function or class that another
    chapter or the utils package also defines (a second copy drifts, or means something else)."""
    where: dict[str, set[str]] = {}
    for path in CHAPTERS:
        for _, _, tree in code_cells(path):
            for name in defined_helpers(tree):
                where.setdefault(name, set()).add(path.stem)
    for module in UTILS.glob("*.py"):
        for name in defined_helpers(ast.parse(module.read_text())):
            if not name.startswith("_"):
                where.setdefault(name, set()).add(f"utils/{module.name}")
    twice = {name: sorted(places) for name, places in where.items() if len(places) > 1}
    assert not twice, f"defined in more than one place: {twice}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_chapter_shows_its_own_self_check_before_its_summary(path):
    cells = json.loads(path.read_text())["cells"]
    calls = [i for i, cell in enumerate(cells) if f'self_check("{path.stem}")' in "".join(cell["source"])]
    summary = [i for i, cell in enumerate(cells) if "".join(cell["source"]).lstrip().startswith("## Summary")]
    assert len(calls) == 1, f"one self_check({path.stem!r}) cell expected, found {len(calls)}"
    assert summary and calls[0] < summary[0], "the self-check comes before the summary"
    assert cells[calls[0]]["cell_type"] == "code"


# ------------------------------------------------------------------ copied logic, found by shape


class _Shape(ast.NodeVisitor):
    """A function body as a sequence of tokens with its own names and its constants abstracted away.

    Local names (variables, arguments) become ``v0, v1, ...`` in order of first appearance, constants
    their type, and the function's name and docstring are dropped; attribute and called names of other
    objects (``.history``, ``np.mean``) stay, since they are what the code does. Two functions that
    differ only by renaming have the same tokens.
    """

    def __init__(self):
        self.tokens: list[str] = []
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def generic_visit(self, node):
        self.tokens.append(type(node).__name__)
        super().generic_visit(node)

    def visit_Name(self, node):
        self.tokens.append(self._name(node.id))

    def visit_arg(self, node):
        self.tokens.append(self._name(node.arg))

    def visit_Constant(self, node):
        self.tokens.append(f"const:{type(node.value).__name__}")

    def visit_Attribute(self, node):
        self.tokens.append(f".{node.attr}")
        self.visit(node.value)


def shape(function: ast.FunctionDef) -> list[str]:
    """The tokens of ``function``'s arguments and body (see :class:`_Shape`)."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    visitor = _Shape()
    visitor.visit(function.args)
    for statement in body:
        visitor.visit(statement)
    return visitor.tokens


#: Shorter functions are left alone: a three-line helper is too common a shape to call a copy.
MIN_TOKENS = 40
#: Token sequences at least this similar count as the same logic.
SIMILAR = 0.9


def functions(tree: ast.AST, where: str):
    """``(where:name, tokens)`` for every function (at any depth, methods included) in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            tokens = shape(node)
            if len(tokens) >= MIN_TOKENS:
                yield f"{where}:{node.name}", tokens


def copies(chapter_paths, library_files) -> list[str]:
    """Pairs (chapter function, library or other chapter function) whose bodies have the same shape."""
    from difflib import SequenceMatcher

    library = [
        f for path in library_files for f in functions(ast.parse(Path(path).read_text()), Path(path).name)
    ]
    chapters = [
        f
        for path in chapter_paths
        for _, _, tree in code_cells(Path(path))
        for f in functions(tree, Path(path).stem)
    ]
    found = []
    for i, (name, tokens) in enumerate(chapters):
        for other, other_tokens in library + chapters[i + 1 :]:
            if other.split(":")[0] == name.split(":")[0] and other in dict(chapters):
                continue  # two functions of one chapter
            matcher = SequenceMatcher(None, tokens, other_tokens, autojunk=False)
            if matcher.real_quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR:
                found.append(f"{name} ~ {other} ({matcher.ratio():.2f})")
    return found


def test_no_chapter_copies_library_logic_under_another_name():
    """What two places need lives once: no chapter function has the shape of a utils function or of
    another chapter's function, whatever its names (the name-based test above cannot see a renamed copy)."""
    found = copies(CHAPTERS, sorted(UTILS.glob("*.py")))
    assert not found, "copied logic (move it to utils and call it): " + "; ".join(found)


def _notebook_with(tmp_path, source: str) -> Path:
    path = tmp_path / "planted.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": source}]}))
    return path


def test_the_shape_test_finds_a_renamed_copy_of_a_library_function(tmp_path):
    """A planted copy of utils.findings.identical_runs, every name changed and one comment added, is found;
    a function of the same size that does something else is not."""
    library = [UTILS / "findings.py"]
    planted = """
def same_history(first, second):
    # are the two runs the same?
    for label, res in (("a", first), ("b", second)):
        if not isinstance(res, CVResult):
            raise ValueError(f"{label} must be a CVResult, got {type(res).__name__}")
        if res.history is None:
            raise ValueError(f"{label} has no per-epoch history: identity needs the histories, not only the scores")
    if not _same_splits(first, second) or first.history.keys() != second.history.keys():
        return False
    return (
        np.array_equal(first.scores, second.scores)
        and np.array_equal(first.collapsed, second.collapsed)
        and np.array_equal(first.diverged, second.diverged)
        and all(np.array_equal(first.history[k], second.history[k], equal_nan=True) for k in first.history)
    )
"""
    assert copies([_notebook_with(tmp_path, planted)], library) == [
        f"planted:same_history ~ findings.py:identical_runs ({1.0:.2f})"
    ]
    different = """
def learning_rate_table(results, epochs):
    rows = {}
    for name, result in results.items():
        curve = result.history["val_loss"].mean(axis=0)
        best = int(np.argmin(curve))
        rows[name] = {"best epoch": best + 1, "lowest loss": float(curve[best]), "last": float(curve[-1])}
        if epochs and best > epochs:
            rows[name]["late"] = True
    return pd.DataFrame(rows).T
"""
    assert copies([_notebook_with(tmp_path, different)], library) == []
