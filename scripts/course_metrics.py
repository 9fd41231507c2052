"""Print how long the course is and how its notebooks are built, against the course's targets.

    python scripts/course_metrics.py                      # the chapters as committed (no outputs)
    python scripts/course_metrics.py --executed DIR       # also count the text cells print (DIR holds
                                                          # executed copies, e.g. from pytest --overwrite)
    python scripts/course_metrics.py --check              # exit 1 if a target is missed

What it measures, per notebook in ``chapters/`` and in all:

- **words**: prose a reader reads: the words of the Markdown cells (code blocks left out), plus the
  words of the Markdown that code cells display (``text/markdown`` outputs) when ``--executed`` points
  at executed copies; without them, the string literals of Markdown-building cells stand in for it;
- **hidden code**: code lines in cells the book hides (``remove-cell``, ``remove-input``), as a share
  of all code lines;
- **Markdown-building code**: code lines of cells that build Markdown strings (``Markdown(``), as a
  share of all code lines;
- **longest cell**: lines of the longest cell, code or Markdown;
- **check-cell reads**: for each hidden cell that asserts (a check cell), how many names it reads that
  other cells of the notebook assign (imports do not count): a check that reads fewer is easier to
  follow and to keep true.

The targets are the issue's (17): at most 16,000 words in all and 3,000 per notebook; hidden code at
most 25% and Markdown-building code at most 10% of all code lines; no cell over 60 lines; no check cell
reading more than 15 names from other cells. ``tests/test_course_metrics.py`` asserts them.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
HIDDEN_TAGS = {"remove-cell", "remove-input"}

TARGETS = {
    "words_total": 16_000,
    "words_per_notebook": 3_000,
    "hidden_share": 0.25,
    "markdown_code_share": 0.10,
    "cell_lines": 60,
    "check_reads": 15,
}

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)\s*$")
_WORD = re.compile(r"[A-Za-z0-9]")


def prose_words(markdown: str) -> int:
    """Words of Markdown prose: fenced code blocks (```python, ```bash, plain ```) are left out; MyST
    directives (```{exercise}, :::{admonition}) are prose and count, their option lines do not."""
    words, fence = 0, None
    for line in markdown.splitlines():
        match = _FENCE.match(line.strip())
        if fence is not None:
            if match and line.strip().startswith(fence) and not match.group(2):
                fence = None
            continue
        if match and not line.strip().startswith(("```{", ":::")):
            fence = match.group(1)
            continue
        if re.match(r"^\s*:[\w-]+:", line):  # a directive option such as :label: or :class:
            continue
        words += sum(1 for token in line.split() if _WORD.search(token))
    return words


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _code_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def _parse(text: str) -> ast.Module | None:
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def assigned_names(tree: ast.AST) -> set[str]:
    """Names a cell binds by assignment, definition, loop or ``with`` (imports left out)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def read_names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _markdown_literal_words(tree: ast.AST) -> int:
    """Words in the string literals of a cell that builds Markdown: a stand-in for the text it shows."""
    return sum(
        prose_words(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _output_markdown_words(cell) -> int:
    words = 0
    for output in cell.get("outputs", []):
        text = output.get("data", {}).get("text/markdown")
        if text is not None:
            words += prose_words("".join(text) if isinstance(text, list) else text)
    return words


@dataclass
class NotebookMetrics:
    name: str
    words: int
    generated_words: int
    generated_measured: bool
    code_lines: int
    hidden_lines: int
    markdown_code_lines: int
    longest_cell: int
    longest_cell_index: int
    check_reads: dict[int, list[str]]

    @property
    def total_words(self) -> int:
        return self.words + self.generated_words

    @property
    def most_check_reads(self) -> int:
        return max((len(v) for v in self.check_reads.values()), default=0)


def measure(path: Path, executed: Path | None = None) -> NotebookMetrics:
    """The metrics of one notebook; ``executed`` is an executed copy of it, for the text it prints."""
    cells = json.loads(Path(path).read_text())["cells"]
    words = code = hidden = markdown_code = 0
    generated, longest, longest_index = 0, 0, -1
    trees: dict[int, ast.Module] = {}
    for index, cell in enumerate(cells):
        text = _source(cell)
        lines = len(text.splitlines())
        if lines > longest:
            longest, longest_index = lines, index
        if cell["cell_type"] == "markdown":
            words += prose_words(text)
            continue
        if cell["cell_type"] != "code":
            continue
        n = _code_lines(text)
        code += n
        if _tags(cell) & HIDDEN_TAGS:
            hidden += n
        tree = _parse(text)
        if tree is not None:
            trees[index] = tree
        if "Markdown(" in text:
            markdown_code += n
            if executed is None and tree is not None:
                generated += _markdown_literal_words(tree)
    if executed is not None:
        done = json.loads(Path(executed).read_text())["cells"]
        generated = sum(_output_markdown_words(cell) for cell in done if cell["cell_type"] == "code")
    checks = {}
    for index, tree in trees.items():
        if "remove-cell" in _tags(cells[index]) and any(isinstance(n, ast.Assert) for n in ast.walk(tree)):
            others = set().union(*(assigned_names(t) for i, t in trees.items() if i != index))
            checks[index] = sorted((read_names(tree) & others) - assigned_names(tree))
    return NotebookMetrics(
        Path(path).stem,
        words,
        generated,
        executed is not None,
        code,
        hidden,
        markdown_code,
        longest,
        longest_index,
        checks,
    )


def problems(metrics: list[NotebookMetrics]) -> list[str]:
    """Every target the notebooks miss, in words."""
    out = []
    total = sum(m.total_words for m in metrics)
    if total > TARGETS["words_total"]:
        out.append(f"{total:,} words in all, more than {TARGETS['words_total']:,}")
    code = sum(m.code_lines for m in metrics)
    for m in metrics:
        if m.total_words > TARGETS["words_per_notebook"]:
            out.append(f"{m.name}: {m.total_words:,} words, more than {TARGETS['words_per_notebook']:,}")
        if m.longest_cell > TARGETS["cell_lines"]:
            out.append(
                f"{m.name}: cell {m.longest_cell_index} has {m.longest_cell} lines, more than {TARGETS['cell_lines']}"
            )
        for index, names in m.check_reads.items():
            if len(names) > TARGETS["check_reads"]:
                out.append(
                    f"{m.name}: check cell {index} reads {len(names)} names from other cells, more than "
                    f"{TARGETS['check_reads']}: {', '.join(names)}"
                )
    if code:
        hidden = sum(m.hidden_lines for m in metrics) / code
        built = sum(m.markdown_code_lines for m in metrics) / code
        if hidden > TARGETS["hidden_share"]:
            out.append(f"hidden code is {hidden:.0%} of code lines, more than {TARGETS['hidden_share']:.0%}")
        if built > TARGETS["markdown_code_share"]:
            out.append(
                f"Markdown-building code is {built:.0%} of code lines, more than {TARGETS['markdown_code_share']:.0%}"
            )
    return out


def report(metrics: list[NotebookMetrics]) -> str:
    header = f"{'notebook':<28}{'words':>7}{'(gen.)':>8}{'code':>6}{'hidden':>8}{'md-code':>9}{'longest':>9}{'check reads':>13}"
    lines = [header, "-" * len(header)]
    for m in metrics:
        lines.append(
            f"{m.name:<28}{m.total_words:>7,}{m.generated_words:>8,}{m.code_lines:>6}"
            f"{m.hidden_lines / max(m.code_lines, 1):>8.0%}{m.markdown_code_lines / max(m.code_lines, 1):>9.0%}"
            f"{m.longest_cell:>9}{m.most_check_reads:>13}"
        )
    code = sum(m.code_lines for m in metrics)
    lines.append("-" * len(header))
    lines.append(
        f"{'all':<28}{sum(m.total_words for m in metrics):>7,}{sum(m.generated_words for m in metrics):>8,}{code:>6}"
        f"{sum(m.hidden_lines for m in metrics) / max(code, 1):>8.0%}"
        f"{sum(m.markdown_code_lines for m in metrics) / max(code, 1):>9.0%}"
        f"{max(m.longest_cell for m in metrics):>9}{max(m.most_check_reads for m in metrics):>13}"
    )
    measured = all(m.generated_measured for m in metrics)
    lines.append(
        "words: Markdown cells plus "
        + (
            "the Markdown the executed cells display"
            if measured
            else "the string literals of Markdown-building cells (run with --executed DIR to count the displayed text)"
        )
    )
    lines.append(
        f"targets: <= {TARGETS['words_total']:,} words in all, <= {TARGETS['words_per_notebook']:,} per notebook; hidden code "
        f"<= {TARGETS['hidden_share']:.0%}; Markdown-building code <= {TARGETS['markdown_code_share']:.0%}; cells <= "
        f"{TARGETS['cell_lines']} lines; check cells read <= {TARGETS['check_reads']} names from other cells"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="notebooks to measure (default: chapters/*.ipynb)"
    )
    parser.add_argument(
        "--executed", type=Path, help="folder with executed copies of the notebooks (same names)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(CHAPTERS.glob("*.ipynb"))
    if not paths:
        parser.error(f"no notebooks found in {CHAPTERS}")
    for path in paths:
        if not path.is_file():
            parser.error(f"{path} is not a notebook file")
    if args.executed is not None and not args.executed.is_dir():
        parser.error(f"--executed {args.executed} is not a folder")
    executed = {}
    if args.executed is not None:
        for path in paths:
            copy = args.executed / path.name
            if not copy.is_file():
                parser.error(f"--executed: no executed copy of {path.name} in {args.executed}")
            executed[path] = copy
    metrics = [measure(path, executed.get(path)) for path in paths]
    print(report(metrics))
    missed = problems(metrics)
    for line in missed:
        print(f"MISSED: {line}")
    if not missed:
        print("every target met")
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
