"""utils.selfcheck: the question format, the shipped question files, and what self_check displays."""

import utils.selfcheck as selfcheck
from utils.data import load_sonar
from utils.results import constant_guess_loss
from utils.selfcheck import QuizError, check_questions, load_questions, quiz_path, self_check

import copy
import functools
import json
import random
from pathlib import Path

import keras
import numpy as np
import pytest

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
QUIZZES = CHAPTERS / "quizzes"
FEEDBACK = "This feedback has enough words to say why the answer is right or wrong."


def choice(text, correct):
    return {"answer": text, "correct": correct, "feedback": FEEDBACK}


def valid_questions():
    """One question of each type, all valid."""
    return [
        {
            "type": "multiple_choice",
            "question": "Which <code>rate</code> keeps 80% of the units?",
            "answers": [choice("0.2", True), choice("0.8", False), choice("0.5", False)],
        },
        {
            "type": "many_choice",
            "question": "Which calls drop units?",
            "answers": [
                choice("fit", True),
                choice("model(x, training=True)", True),
                choice("predict", False),
            ],
        },
        {
            "type": "numeric",
            "question": "What is 1 / (1 - 0.2)?",
            "answers": [
                {"type": "value", "value": 1.25, "correct": True, "feedback": FEEDBACK},
                {"type": "range", "range": [0.79, 0.81], "correct": False, "feedback": FEEDBACK},
                {"type": "default", "feedback": FEEDBACK},
            ],
        },
    ]


def broken(change):
    """valid_questions() with `change(questions)` applied."""
    questions = copy.deepcopy(valid_questions())
    change(questions)
    return questions


def test_valid_questions_pass():
    check_questions(valid_questions())  # raises if not
    five = valid_questions() + [dict(valid_questions()[0], question=f"Copy {i}?") for i in range(2)]
    check_questions(five)


def _set(path, value):
    """A change that sets questions[i][key]... to value (path: a tuple of indices and keys)."""

    def change(questions):
        target = questions
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path):
    def change(questions):
        target = questions
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


BROKEN = {
    # the list and the questions
    "not a list": (lambda q: None, "must be a list of questions"),
    "two questions": (lambda q: q.pop(), "needs 3 to 5 questions, has 2"),
    "six questions": (lambda q: q.extend(dict(q[0], question=f"Q{i}?") for i in range(3)), "has 6"),
    "question not an object": (_set((0,), "text"), "question 1: must be an object"),
    "unknown type": (_set((0, "type"), "true_false"), "question 1: 'type' must be one of"),
    "missing question text": (_delete((0, "question")), "question 1: missing 'question'"),
    "unknown question key": (_set((0, "hint"), "x"), "question 1: unknown key 'hint'"),
    "empty question text": (_set((0, "question"), "  "), "'question' must be a non-empty string"),
    "duplicate question": (
        _set((1, "question"), "Which <code>rate</code> keeps 80% of the units?"),
        "appears twice",
    ),
    "TeX": (_set((0, "question"), "What is $p$?"), "contains '\\$'"),
    "stray <": (_set((0, "question"), "Is rate < 1?"), "write a literal '<' as '&lt;'"),
    "unknown tag": (_set((0, "question"), "A <script>tag</script>?"), "outside the allowed tags"),
    # issue 16, item 9: an unclosed tag, and answers that differ only by white space, were accepted
    "unclosed tag": (_set((0, "question"), "Which <code>rate keeps 80%?"), "unclosed <code> tag"),
    "unclosed tag in feedback": (
        _set((0, "answers", 1, "feedback"), FEEDBACK + " See <b>rate"),
        "answer 2: 'feedback' has an unclosed <b> tag",
    ),
    "closing tag only": (_set((0, "question"), "Which rate</code> keeps 80%?"), "</code> without an opening"),
    "crossed tags": (_set((0, "question"), "Which <b><i>rate</b></i>?"), "closes <i> with </b>"),
    "duplicate answer but a trailing space": (
        _set((0, "answers", 1, "answer"), "0.2 "),
        "same answer text appears twice (white space aside)",
    ),
    "duplicate answer but inner spaces": (
        _set((1, "answers", 2, "answer"), "model(x,  training=True)"),
        "answer 3: the same answer text appears twice",
    ),
    "duplicate question but a trailing space": (
        _set((1, "question"), "Which <code>rate</code> keeps 80% of the units? "),
        "same question text appears twice",
    ),
    # choice answers
    "one answer": (_set((0, "answers"), [choice("0.2", True)]), "at least 2 answers"),
    "answers not a list": (_set((0, "answers"), "0.2"), "at least 2 answers"),
    "answer not an object": (_set((0, "answers", 1), "0.8"), "answer 2: must be an object"),
    "missing feedback": (_delete((0, "answers", 1, "feedback")), "answer 2: missing 'feedback'"),
    "misspelt feedback": (_set((0, "answers", 1, "feedbak"), "x"), "answer 2: unknown key 'feedbak'"),
    "empty answer": (_set((0, "answers", 1, "answer"), ""), "'answer' must be a non-empty string"),
    "correct as a string": (_set((0, "answers", 1, "correct"), "false"), "'correct' must be true or false"),
    "short feedback": (_set((0, "answers", 1, "feedback"), "Wrong, try again."), "has 3 word(s)"),
    "empty feedback": (_set((0, "answers", 1, "feedback"), ""), "'feedback' must be a non-empty string"),
    "duplicate answer": (_set((0, "answers", 1, "answer"), "0.2"), "same answer text appears twice"),
    "no correct answer": (
        _set((0, "answers", 0, "correct"), False),
        "exactly one correct answer, this one has 0",
    ),
    "two correct answers": (_set((0, "answers", 1, "correct"), True), "this one has 2 (use many_choice"),
    "many_choice with one": (_set((1, "answers", 1, "correct"), False), "has 1 correct of 3"),
    "many_choice all correct": (_set((1, "answers", 2, "correct"), True), "has 3 correct of 3"),
    # numeric answers
    "numeric no answers": (_set((2, "answers"), []), "non-empty list of answers"),
    "bad precision": (_set((2, "precision"), 0), "'precision' must be a positive integer"),
    "numeric answer not an object": (_set((2, "answers", 0), 1.25), "answer 1: must be an object"),
    "bad answer type": (
        _set((2, "answers", 0, "type"), "exact"),
        "'type' must be 'value', 'range' or 'default'",
    ),
    "value as a string": (_set((2, "answers", 0, "value"), "1.25"), "'value' must be a finite number"),
    "value NaN": (_set((2, "answers", 0, "value"), float("nan")), "'value' must be a finite number"),
    "value bool": (_set((2, "answers", 0, "value"), True), "'value' must be a finite number"),
    "range reversed": (_set((2, "answers", 1, "range"), [0.81, 0.79]), "low < high"),
    "range of three": (_set((2, "answers", 1, "range"), [0.7, 0.8, 0.9]), "'range' must be [low, high]"),
    "value inside range": (_set((2, "answers", 1, "range"), [1.2, 1.3]), "answer 2: overlaps answer 1"),
    "value at range start": (_set((2, "answers", 1, "range"), [1.25, 1.3]), "overlaps answer 1"),
    "numeric no correct": (_set((2, "answers", 0, "correct"), False), "at least one correct"),
    "numeric no default": (_delete((2, "answers", 2)), "exactly one 'default' answer"),
    "numeric two defaults": (lambda q: q[2]["answers"].append(dict(q[2]["answers"][2])), "has 2"),
    "default without feedback": (_delete((2, "answers", 2, "feedback")), "missing 'feedback'"),
    "default with correct": (_set((2, "answers", 2, "correct"), True), "unknown key 'correct'"),
    "value without correct": (_delete((2, "answers", 0, "correct")), "missing 'correct'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_rule_is_enforced_with_a_clear_message(case):
    change, message = BROKEN[case]
    questions = "not a list" if case == "not a list" else broken(change)
    with pytest.raises(QuizError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        check_questions(questions, source="test.json")


def test_messages_name_the_source_question_and_answer():
    with pytest.raises(QuizError, match=r"^ch9\.json, question 1, answer 2: 'correct'"):
        check_questions(broken(_set((0, "answers", 1, "correct"), 1)), source="ch9.json")


def test_ranges_are_half_open_like_jupyterquiz():
    # jupyterquiz matches low <= x < high, so a value at a range's upper end does not overlap it
    questions = broken(_set((2, "answers", 1, "range"), [1.0, 1.25]))
    check_questions(questions)
    adjacent = broken(lambda q: q[2]["answers"].insert(2, dict(q[2]["answers"][1], range=[0.81, 0.9])))
    check_questions(adjacent)


def test_allowed_tags_and_entities_pass():
    text = "Is <b>rate</b> &lt; 1 for x<sub>i</sub><sup>2</sup>,<br> <em>really</em> <i>and</i> <strong>truly</strong>?"
    check_questions(broken(_set((0, "question"), text)))


# load_questions


def test_load_questions_reads_checks_and_returns(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(valid_questions()), encoding="utf-8")
    assert load_questions(path) == valid_questions()
    assert load_questions(str(path)) == valid_questions()


def test_load_questions_names_the_file_of_a_broken_question(tmp_path):
    path = tmp_path / "ch3.json"
    path.write_text(json.dumps(broken(_set((0, "answers", 0, "correct"), False))), encoding="utf-8")
    with pytest.raises(QuizError, match=r"^ch3\.json, question 1: a multiple_choice"):
        load_questions(path)


def test_load_questions_bad_input(tmp_path):
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        load_questions(3)
    with pytest.raises(FileNotFoundError, match="no question file at"):
        load_questions(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"type": "numeric",]', encoding="utf-8")
    with pytest.raises(QuizError, match=r"bad\.json: not valid JSON"):
        load_questions(bad)


# quiz_path


def test_quiz_path_prefers_the_working_directory_then_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert quiz_path("01_dropout_theory") == QUIZZES / "01_dropout_theory.json"  # repository fallback
    (tmp_path / "quizzes").mkdir()
    local = tmp_path / "quizzes" / "01_dropout_theory.json"
    local.write_text("[]", encoding="utf-8")
    assert quiz_path("01_dropout_theory") == local


def test_quiz_path_bad_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="no self-check questions for 'no_such_chapter'"):
        quiz_path("no_such_chapter")
    for bad in ("../secrets", "01_dropout_theory.json", "", None):
        with pytest.raises(ValueError, match="chapter must be a notebook name"):
            quiz_path(bad)


# the shipped question files


def test_every_chapter_has_a_valid_question_file_and_no_file_is_orphaned():
    chapters = sorted(p.stem for p in CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    files = sorted(p.stem for p in QUIZZES.glob("*.json"))
    assert chapters and files == chapters
    for name in files:
        questions = load_questions(QUIZZES / f"{name}.json")
        assert any(q["type"] != "numeric" for q in questions), f"{name}: at least one choice question"


# Every numeric question of every shipped file, with its answer recomputed: with Keras where Keras
# computes it, otherwise from its formula. Each check names words its question must contain (so that
# a question and its check cannot drift apart) and returns (the right answer, misconceptions): the
# values a learner who makes the errors the question is about would type, which must be graded wrong.


def _keras_value(x):
    return float(keras.ops.convert_to_numpy(x).reshape(-1)[0])


def _dropout_kept_unit():
    """Chapter 1: a kept unit of Dropout(0.2) in training, on an input of 1.0."""
    out = keras.ops.convert_to_numpy(
        keras.layers.Dropout(0.2, seed=1)(np.ones((1, 1000), "float32"), training=True)
    )
    kept = out[out > 0]
    assert 0 < kept.size < out.size and np.allclose(kept, kept[0]), (
        "some units dropped, the kept ones scaled alike"
    )
    return float(kept[0]), [1 - 0.2, 1.0, 1 / 0.2, 0.0]


def _widened_baseline_parameters():
    """Chapter 2: parameters of 60 inputs -> Dense(60) -> Dense(60) -> Dense(1)."""

    def mlp(*widths):
        return keras.Sequential([keras.Input(shape=(60,))] + [keras.layers.Dense(w) for w in widths])

    wider = mlp(60, 60, 1)
    weights_only = sum(int(np.prod(layer.kernel.shape)) for layer in wider.layers)
    return wider.count_params(), [weights_only, mlp(60, 30, 1).count_params()]


def _steps_to_halve(optimizer, l2=0.0, steps=5000):
    """Steps of `optimizer` until one weight of 1.0 with an L2 penalty l2 * w**2 (and no data) falls below 0.5."""
    w = keras.Variable([1.0])
    for step in range(1, steps + 1):
        optimizer.apply([2 * l2 * w], [w])
        if float(w[0]) < 0.5:
            return step
    raise AssertionError(f"the weight did not halve in {steps} steps")


def _l2_matching_weight_decay():
    """Chapter 3: the L2 value that shrinks weights like SGD(0.05, momentum 0.9, weight_decay=0.01)."""
    lr, momentum, decay = 0.05, 0.9, 0.01
    answer = decay * (1 - momentum) / 2
    misconceptions = [decay, decay * (1 - momentum), decay / 2, decay / (1 - momentum)]
    decoupled = _steps_to_halve(keras.optimizers.SGD(lr, momentum=momentum, weight_decay=decay))
    for value in [answer] + misconceptions:
        in_loss = _steps_to_halve(keras.optimizers.SGD(lr, momentum=momentum), l2=value)
        same_pace = abs(in_loss / decoupled - 1) < 0.01
        assert same_pace == (value == answer), f"L2({value}): {in_loss} steps, weight decay {decoupled}"
    return answer, misconceptions


def _early_stopping_kept_epoch():
    """Chapter 4: the epoch whose weights a model holds after fit with EarlyStopping (best at epoch 40)."""
    best, patience, ceiling = 40, 20, 500
    val_loss = [1 / e if e <= best else 1 / best + 0.001 * (e - best) for e in range(1, ceiling + 1)]

    class ScriptedValidation(keras.callbacks.Callback):
        """Reports val_loss from the script (before EarlyStopping sees it) and keeps each epoch's weights."""

        def __init__(self):
            super().__init__()
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = val_loss[epoch]
            self.weights.append(self.model.get_weights())

    def kept_epoch(restore):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        script = ScriptedValidation()
        stop = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=restore
        )
        history = model.fit(
            np.ones((4, 1)), np.full((4, 1), 100.0), epochs=ceiling, verbose=0, callbacks=[script, stop]
        )
        final = model.get_weights()
        kept = [
            epoch
            for epoch, weights in enumerate(script.weights, start=1)
            if all(np.array_equal(a, b) for a, b in zip(weights, final))
        ]
        assert len(kept) == 1, "every epoch changed the weights"
        return kept[0], len(history.epoch)

    restored, epochs_run = kept_epoch(restore=True)
    last, _ = kept_epoch(restore=False)
    assert epochs_run == best + patience and last == epochs_run, (epochs_run, last)
    return restored, [last, ceiling, patience]


def _constant_guess_loss_on_sonar():
    """Chapter 5: the lowest binary cross-entropy of a constant prediction on Sonar's 208 rows."""
    y = load_sonar().y
    assert np.bincount(y).tolist() == [97, 111]

    def loss(p):
        predicted = np.full((y.size, 1), p, "float32")
        return _keras_value(
            keras.ops.mean(keras.losses.binary_crossentropy(y[:, None].astype("float32"), predicted))
        )

    best = loss(y.mean())
    assert all(best <= loss(p) + 1e-6 for p in np.linspace(0.05, 0.95, 91)), (
        "the class frequency is the best constant"
    )
    assert np.isclose(best, constant_guess_loss(y), atol=1e-5)
    # misconceptions: the loss of a 50/50 guess (ln 2), the accuracy of always 'mine', a perfect fit
    return best, [loss(0.5), y.mean(), 0.0]


def _dropout_at_evaluation():
    """Chapter 6: what Dropout(0.25) passes on at evaluation, for an activation of 2.0."""
    layer = keras.layers.Dropout(0.25, seed=1)
    x = np.full((1, 1000), 2.0, "float32")
    passed = keras.ops.convert_to_numpy(layer(x, training=False))
    trained = keras.ops.convert_to_numpy(layer(x, training=True))
    assert np.all(passed == passed[0, 0]), "no mask at evaluation"
    return float(passed[0, 0]), [2.0 * (1 - 0.25), float(trained[trained > 0][0]), 0.0]


def _units_with_dropout():
    """Chapter 7: n / p units with n = 60 and Keras rate 0.2."""
    n, rate = 60, 0.2
    return n / (1 - rate), [n / rate, n * (1 - rate), n / 0.5, n * (1 + rate)]


def _gaussian_dropout_noise_sd():
    """Chapter 8: the standard deviation of GaussianDropout(0.5)'s noise, measured on a layer."""
    rate = 0.5
    ones = np.ones((1000, 1000), "float32")
    out = keras.ops.convert_to_numpy(keras.layers.GaussianDropout(rate, seed=1)(ones, training=True))
    masked = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=1)(ones, training=True))
    answer = float(np.sqrt(rate / (1 - rate)))
    assert abs(out.mean() - 1) < 0.01 and abs(out.std() - answer) < 0.01, (out.mean(), out.std())
    assert abs(masked.std() - answer) < 0.01, "the same spread as inverted dropout"
    return answer, [rate, rate * (1 - rate), float(np.sqrt(rate))]


NUMERIC_CHECKS = {
    "01_dropout_theory": [
        (("<code>Dropout(rate=0.2)</code>", "<code>training=True</code>", "value is 1.0"), _dropout_kept_unit)
    ],
    "02_baseline": [(("60 inputs → Dense(60) → Dense(60) → Dense(1)",), _widened_baseline_parameters)],
    "03_when_dropout_helps": [
        (("learning_rate=0.05", "momentum=0.9", "weight_decay=0.01", "L2(value)"), _l2_matching_weight_decay)
    ],
    "04_dropout_in_your_model": [
        (
            ("epochs=500", "patience=20", "restore_best_weights=True", "end of epoch 40"),
            _early_stopping_kept_epoch,
        )
    ],
    "05_dropout_on_sonar": [
        (("208 rows (97 rocks, 111 mines)", "constant prediction"), _constant_guess_loss_on_sonar)
    ],
    "06_evaluation_mode": [
        (("<code>Dropout(0.25)</code>", "<code>model.evaluate</code>", "2.0"), _dropout_at_evaluation)
    ],
    "07_tuning_tips": [(("60 units", "<code>Dropout(0.2)</code>"), _units_with_dropout)],
    "08_dropout_variants": [
        (("<code>keras.layers.GaussianDropout(0.5)</code>", "standard deviation"), _gaussian_dropout_noise_sd)
    ],
}


@functools.cache
def _recomputed(name, index):
    """(right answer, misconceptions) of a check in NUMERIC_CHECKS, computed once per session."""
    return NUMERIC_CHECKS[name][index][1]()


def _accepts(question, x):
    """True if the question's correct answers grade x right (values: np.isclose; ranges: low <= x < high)."""
    right = [a for a in question["answers"] if a.get("correct")]
    return any(a["type"] == "value" and np.isclose(x, a["value"]) for a in right) or any(
        a["type"] == "range" and a["range"][0] <= x < a["range"][1] for a in right
    )


def _graded_wrong(question, x):
    """True if some answer marked wrong matches x."""
    wrong = [a for a in question["answers"] if a["type"] != "default" and not a["correct"]]
    return any(a["type"] == "value" and np.isclose(x, a["value"]) for a in wrong) or any(
        a["type"] == "range" and a["range"][0] <= x < a["range"][1] for a in wrong
    )


def _check_numeric_answer(question, answer, misconceptions):
    """Assert that the question grades `answer` right, and each misconception not right."""
    assert _accepts(question, answer), f"the right answer {answer!r} is not graded right"
    assert not _graded_wrong(question, answer), f"the right answer {answer!r} is also marked wrong"
    for value in misconceptions:
        assert not _accepts(question, value), f"the misconception {value!r} is graded right"


def _numeric_questions():
    """(chapter, question index, question) for every numeric question of every shipped file."""
    return [
        (path.stem, i, question)
        for path in sorted(QUIZZES.glob("*.json"))
        for i, question in enumerate(load_questions(path))
        if question["type"] == "numeric"
    ]


def _check_for(name, question):
    """Index in NUMERIC_CHECKS[name] of the one check whose words all occur in the question."""
    matches = [
        k
        for k, (words, _) in enumerate(NUMERIC_CHECKS.get(name, []))
        if all(w in question["question"] for w in words)
    ]
    assert len(matches) == 1, (
        f"{name}: {len(matches)} checks match the numeric question {question['question']!r}"
    )
    return matches[0]


def test_every_numeric_question_has_exactly_one_check_and_every_check_a_question():
    questions = _numeric_questions()
    assert {name for name, _, _ in questions} == set(NUMERIC_CHECKS), (
        "the chapters with numeric questions are the chapters with checks"
    )
    used = sorted((name, _check_for(name, question)) for name, _, question in questions)
    registered = sorted((name, k) for name, checks in NUMERIC_CHECKS.items() for k in range(len(checks)))
    assert used == registered, "a check matches no question, or two questions share one"


@pytest.mark.parametrize("name", sorted(NUMERIC_CHECKS))
def test_numeric_answers_are_right_when_recomputed(name):
    for chapter, _, question in _numeric_questions():
        if chapter == name:
            answer, misconceptions = _recomputed(name, _check_for(name, question))
            _check_numeric_answer(question, answer, misconceptions)


@pytest.mark.parametrize("name", sorted(NUMERIC_CHECKS))
def test_a_numeric_answer_changed_to_a_wrong_value_fails(name):
    # the check above catches a right answer replaced by a plausible wrong one, or marked wrong
    for chapter, _, question in _numeric_questions():
        if chapter != name:
            continue
        answer, misconceptions = _recomputed(name, _check_for(name, question))
        for wrong in misconceptions + [answer * 1.1 + 1]:
            changed = copy.deepcopy(question)
            for a in changed["answers"]:
                if a.get("correct"):
                    a.pop("range", None)
                    a.update(type="value", value=wrong)
            with pytest.raises(AssertionError):
                _check_numeric_answer(changed, answer, misconceptions)
        unmarked = copy.deepcopy(question)
        for a in unmarked["answers"]:
            if a.get("correct"):
                a["correct"] = False
        with pytest.raises(AssertionError):
            _check_numeric_answer(unmarked, answer, misconceptions)


# self_check: what it displays


@pytest.fixture
def shown(monkeypatch):
    """Record what jupyterquiz passes to IPython's display instead of displaying it."""
    import jupyterquiz.dynamic.display as jq_display

    objects = []
    monkeypatch.setattr(jq_display, "display", objects.append)
    monkeypatch.setattr(selfcheck, "_shown", 0)
    return objects


def test_self_check_displays_the_chapter_questions(shown, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # found through the repository fallback
    self_check("06_evaluation_mode")
    html, javascript = shown
    questions = load_questions(QUIZZES / "06_evaluation_mode.json")
    assert type(html).__name__ == "HTML" and type(javascript).__name__ == "Javascript"
    assert 'data-shuffleanswers="True"' in html.data and 'data-shufflequestions="False"' in html.data
    div_id = html.data.split('id="', 1)[1].split('"', 1)[0]
    assert f"var questions{div_id}=" in javascript.data
    for question in questions:
        assert json.dumps(question["question"]) in javascript.data
        for answer in question["answers"]:
            assert json.dumps(answer["feedback"]) in javascript.data


def test_self_check_leaves_seeded_random_numbers_alone_and_ids_repeat(shown):
    random.seed(7)
    before = random.getstate()
    self_check("01_dropout_theory")
    assert random.getstate() == before, "self_check must not move Python's seeded random state"
    self_check("01_dropout_theory")  # a second quiz on the same page gets another id
    selfcheck._shown = 0
    self_check("01_dropout_theory")  # a fresh kernel repeats the first id
    ids = [obj.data.split('id="', 1)[1][:12] for obj in shown[::2]]
    assert ids[0] != ids[1] and ids[0] == ids[2]


def test_self_check_shows_nothing_for_a_broken_file(shown, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "01_dropout_theory.json").write_text(
        json.dumps(valid_questions()[:2]), encoding="utf-8"
    )
    with pytest.raises(QuizError, match="needs 3 to 5 questions, has 2"):
        self_check("01_dropout_theory")
    assert shown == []
