"""The "check your understanding" block at the end of each chapter.

Each chapter's questions live in ``chapters/quizzes/<chapter>.json``: a JSON list of 3 to 5
questions in jupyterquiz's format. :func:`self_check` shows them with jupyterquiz, which writes
the questions and the code that grades them into the cell's output (HTML and JavaScript). The
block therefore works in the built book without a kernel, and in JupyterLab and Colab.

- :func:`check_questions` checks a list of questions and raises :class:`QuizError` on the first
  problem, naming the question and answer;
- :func:`load_questions` reads one question file and checks it;
- :func:`quiz_path` finds a chapter's question file;
- :func:`self_check` shows a chapter's questions.

The question format (a subset of jupyterquiz's, kept strict so that a typo fails loudly):

- ``multiple_choice``: ``question``, ``answers`` (at least 2), exactly one of them correct;
- ``many_choice``: the same, with at least 2 correct answers and at least 1 wrong one;
- ``numeric``: ``question`` and ``answers``: ``{"type": "value", "value": x, "correct": ...}`` or
  ``{"type": "range", "range": [low, high], "correct": ...}`` (``low <= answer < high``), at
  least one of them correct, and one ``{"type": "default", "feedback": ...}`` for anything else.

Every answer has feedback of at least :data:`MIN_FEEDBACK_WORDS` words, so that it can say why
the answer is right or wrong. Text is HTML (``<code>``, ``<b>``, ``<i>``, ``<em>``, ``<strong>``,
``<sup>``, ``<sub>``, ``<br>``), every tag but ``<br>`` closed within the same text; a literal
``<`` is written ``&lt;``. Two answers of a question (or two questions) whose texts differ only in
white space count as the same text. TeX (``$...$``) is refused,
because JupyterLab and Colab do not typeset it in outputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import re
from pathlib import Path

QUIZ_FOLDER = "quizzes"  # inside chapters/
MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
MIN_FEEDBACK_WORDS = 8
# How every self-check looks: answers in random order, questions in the chapter's order.
DISPLAY_OPTIONS = {
    "shuffle_answers": True,
    "shuffle_questions": False,
    "preserve_responses": False,
    "max_width": 760,
}

_QUESTION_KEYS = {
    "multiple_choice": ({"type", "question", "answers"}, {"code", "answer_cols"}),
    "many_choice": ({"type", "question", "answers"}, {"code", "answer_cols"}),
    "numeric": ({"type", "question", "answers"}, {"code", "precision"}),
}
_CHOICE_KEYS = ({"answer", "correct", "feedback"}, {"code"})
_NUMERIC_KEYS = {
    "value": ({"type", "value", "correct", "feedback"}, set()),
    "range": ({"type", "range", "correct", "feedback"}, set()),
    "default": ({"type", "feedback"}, set()),
}
_ALLOWED_TAG = re.compile(r"</?(code|b|i|em|strong|sup|sub)>|<br\s*/?>")
_PAIRED_TAG = re.compile(r"<(/?)(code|b|i|em|strong|sup|sub)>")
_CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"  # the repository's chapters/ folder
_shown = 0  # quizzes shown in this process, so that two quizzes on one page never share an HTML id


class QuizError(ValueError):
    """A question file or question list that does not follow the format above."""


def _check_keys(item: dict, keys: tuple[set, set], where: str) -> None:
    """Raise QuizError if ``item`` lacks a required key or has a key outside ``required | optional``."""
    required, optional = keys
    missing = sorted(required - item.keys())
    unknown = sorted(item.keys() - required - optional)
    if missing:
        raise QuizError(f"{where}: missing {', '.join(map(repr, missing))}")
    if unknown:
        allowed = ", ".join(map(repr, sorted(required | optional)))
        raise QuizError(f"{where}: unknown key {', '.join(map(repr, unknown))} (allowed: {allowed})")


def _check_text(value, name: str, where: str, min_words: int = 1) -> None:
    """Raise QuizError unless ``value`` is a string of at least ``min_words`` words that renders everywhere."""
    if not isinstance(value, str) or not value.strip():
        raise QuizError(f"{where}: {name} must be a non-empty string, got {value!r}")
    if "$" in value:
        raise QuizError(
            f"{where}: {name} contains '$': TeX is not typeset in JupyterLab or Colab outputs; write plain text"
        )
    stray = _ALLOWED_TAG.sub("", value)
    if "<" in stray:
        raise QuizError(
            f"{where}: {name} contains '<' outside the allowed tags (code, b, i, em, strong, sup, sub, br); "
            "write a literal '<' as '&lt;'"
        )
    _check_tags_balanced(value, name, where)
    words = len(_ALLOWED_TAG.sub(" ", value).split())
    if words < min_words:
        raise QuizError(
            f"{where}: {name} has {words} word(s); feedback needs at least {min_words} to say why the answer is "
            f"right or wrong: {value!r}"
        )


def _check_tags_balanced(value: str, name: str, where: str) -> None:
    """Raise QuizError unless every ``<code>``, ``<b>``, ... in ``value`` is closed, in order, within it.

    An unclosed tag would format everything after it (the other answers, the feedback) in the
    rendered quiz; ``<br>`` needs no closing tag.
    """
    open_tags: list[str] = []
    for match in _PAIRED_TAG.finditer(value):
        closing, tag = match.group(1) == "/", match.group(2)
        if not closing:
            open_tags.append(tag)
        elif not open_tags:
            raise QuizError(f"{where}: {name} has </{tag}> without an opening <{tag}>: {value!r}")
        elif open_tags[-1] != tag:
            raise QuizError(f"{where}: {name} closes <{open_tags[-1]}> with </{tag}>: {value!r}")
        else:
            open_tags.pop()
    if open_tags:
        raise QuizError(f"{where}: {name} has an unclosed <{open_tags[-1]}> tag: {value!r}")


def _same_text_key(text: str) -> str:
    """What a reader sees of ``text``: runs of white space count as one space, leading and trailing none."""
    return " ".join(text.split())


def _check_bool(value, where: str) -> None:
    """Raise QuizError unless an answer's 'correct' is a JSON boolean."""
    if not isinstance(value, bool):
        raise QuizError(f"{where}: 'correct' must be true or false, got {value!r}")


def _is_number(value) -> bool:
    """True for a finite int or float (not a bool, NaN or infinity)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_choices(question: dict, where: str) -> None:
    """Answers of a multiple_choice or many_choice question."""
    answers = question["answers"]
    if not isinstance(answers, list) or len(answers) < 2:
        raise QuizError(f"{where}: a choice question needs a list of at least 2 answers")
    seen = set()
    for j, answer in enumerate(answers, start=1):
        at = f"{where}, answer {j}"
        if not isinstance(answer, dict):
            raise QuizError(f"{at}: must be an object, got {type(answer).__name__}")
        _check_keys(answer, _CHOICE_KEYS, at)
        _check_text(answer["answer"], "'answer'", at)
        _check_bool(answer["correct"], at)
        _check_text(answer["feedback"], "'feedback'", at, MIN_FEEDBACK_WORDS)
        key = _same_text_key(answer["answer"])
        if key in seen:
            raise QuizError(
                f"{at}: the same answer text appears twice (white space aside): {answer['answer']!r}"
            )
        seen.add(key)
    n_correct = sum(answer["correct"] for answer in answers)
    if question["type"] == "multiple_choice" and n_correct != 1:
        raise QuizError(
            f"{where}: a multiple_choice question has exactly one correct answer, this one has {n_correct} "
            "(use many_choice for several)"
        )
    if question["type"] == "many_choice" and not 2 <= n_correct < len(answers):
        raise QuizError(
            f"{where}: a many_choice question needs at least 2 correct answers and at least 1 wrong one, "
            f"this one has {n_correct} correct of {len(answers)}"
        )


def _numeric_matches(answer: dict):
    """The set of numbers an answer matches, as (low, high, closed_high) for comparisons."""
    if answer["type"] == "value":
        return answer["value"], answer["value"], True
    low, high = answer["range"]
    return low, high, False


def _overlap(a: dict, b: dict) -> bool:
    """True if some number matches both answers (ranges are [low, high), values are points)."""
    a_low, a_high, a_closed = _numeric_matches(a)
    b_low, b_high, b_closed = _numeric_matches(b)
    a_below_b = a_high < b_low or (a_high == b_low and not a_closed)
    b_below_a = b_high < a_low or (b_high == a_low and not b_closed)
    return not (a_below_b or b_below_a)


def _check_numeric(question: dict, where: str) -> None:
    """Answers of a numeric question."""
    answers = question["answers"]
    if not isinstance(answers, list) or not answers:
        raise QuizError(f"{where}: a numeric question needs a non-empty list of answers")
    if "precision" in question and (
        isinstance(question["precision"], bool)
        or not isinstance(question["precision"], int)
        or question["precision"] < 1
    ):
        raise QuizError(f"{where}: 'precision' must be a positive integer, got {question['precision']!r}")
    graded = []
    for j, answer in enumerate(answers, start=1):
        at = f"{where}, answer {j}"
        if not isinstance(answer, dict):
            raise QuizError(f"{at}: must be an object, got {type(answer).__name__}")
        kind = answer.get("type")
        if kind not in _NUMERIC_KEYS:
            raise QuizError(f"{at}: 'type' must be 'value', 'range' or 'default', got {kind!r}")
        _check_keys(answer, _NUMERIC_KEYS[kind], at)
        _check_text(answer["feedback"], "'feedback'", at, MIN_FEEDBACK_WORDS)
        if kind == "default":
            continue
        _check_bool(answer["correct"], at)
        if kind == "value" and not _is_number(answer["value"]):
            raise QuizError(f"{at}: 'value' must be a finite number, got {answer['value']!r}")
        if kind == "range":
            bounds = answer["range"]
            if not (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(map(_is_number, bounds))
                and bounds[0] < bounds[1]
            ):
                raise QuizError(f"{at}: 'range' must be [low, high] with numbers low < high, got {bounds!r}")
        for k, other in graded:
            if _overlap(answer, other):
                raise QuizError(f"{at}: overlaps answer {k}; only the first match would ever be graded")
        graded.append((j, answer))
    if not any(answer["correct"] for _, answer in graded):
        raise QuizError(f"{where}: a numeric question needs at least one correct 'value' or 'range' answer")
    n_default = sum(answer["type"] == "default" for answer in answers)
    if n_default != 1:
        raise QuizError(
            f"{where}: a numeric question needs exactly one 'default' answer (feedback for anything else), has {n_default}"
        )


def check_questions(questions, source: str = "questions") -> None:
    """Check a list of self-check questions; raise QuizError naming ``source``, the question and the answer.

    The rules are in the module docstring: 3 to 5 questions with distinct texts, known types and keys,
    one correct answer per multiple_choice question, feedback that explains on every answer, and
    numeric answers that are finite, non-overlapping and include a correct one and a default.
    """
    if not isinstance(questions, list):
        raise QuizError(f"{source}: must be a list of questions, got {type(questions).__name__}")
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        raise QuizError(f"{source}: needs {MIN_QUESTIONS} to {MAX_QUESTIONS} questions, has {len(questions)}")
    texts = set()
    for i, question in enumerate(questions, start=1):
        where = f"{source}, question {i}"
        if not isinstance(question, dict):
            raise QuizError(f"{where}: must be an object, got {type(question).__name__}")
        kind = question.get("type")
        if kind not in _QUESTION_KEYS:
            raise QuizError(
                f"{where}: 'type' must be one of {', '.join(sorted(_QUESTION_KEYS))}, got {kind!r}"
            )
        _check_keys(question, _QUESTION_KEYS[kind], where)
        _check_text(question["question"], "'question'", where)
        key = _same_text_key(question["question"])
        if key in texts:
            raise QuizError(f"{where}: the same question text appears twice (white space aside)")
        texts.add(key)
        if kind == "numeric":
            _check_numeric(question, where)
        else:
            _check_choices(question, where)


def load_questions(path) -> list[dict]:
    """Read a question file (a JSON list), check it with :func:`check_questions`, and return the list."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no question file at {path}")
    try:
        questions = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise QuizError(f"{path.name}: not valid JSON: {err}") from err
    check_questions(questions, source=path.name)
    return questions


def quiz_path(chapter: str) -> Path:
    """The question file of ``chapter`` (a notebook's name without ``.ipynb``, e.g. ``"01_dropout_theory"``).

    Looked up in ``quizzes/`` of the working directory first (chapters run with ``chapters/`` as their
    working directory: nbmake, the book build, Colab), then in the repository's ``chapters/quizzes/``.
    """
    if not isinstance(chapter, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", chapter):
        raise ValueError(f"chapter must be a notebook name such as '01_dropout_theory', got {chapter!r}")
    name = f"{chapter}.json"
    candidates = [Path.cwd() / QUIZ_FOLDER / name, _CHAPTERS / QUIZ_FOLDER / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"no self-check questions for {chapter!r}: looked for {' and '.join(map(str, candidates))}"
    )


@contextlib.contextmanager
def _own_random_state(seed: str):
    """Seed Python's ``random`` for the block, then restore the state it had before.

    jupyterquiz draws its HTML ids from the global ``random`` module; this keeps a self-check from
    moving a chapter's seeded random numbers, and makes the ids repeatable.
    """
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def self_check(chapter: str) -> None:
    """Show the self-check questions of ``chapter`` (e.g. ``"01_dropout_theory"``) with jupyterquiz.

    The questions are checked first, so a broken file fails the chapter's run instead of showing a
    broken quiz. The output (HTML and JavaScript) works without a kernel in the built book.
    """
    global _shown
    from jupyterquiz import display_quiz  # imported here: only the self-check cells need it

    path = quiz_path(chapter)
    questions = load_questions(path)
    digest = hashlib.sha256(json.dumps(questions, sort_keys=True).encode()).hexdigest()
    _shown += 1
    with _own_random_state(f"{digest}:{_shown}"):
        display_quiz(questions, **DISPLAY_OPTIONS)
