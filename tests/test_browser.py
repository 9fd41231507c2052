"""The built HTML book, as a reader's browser shows it (headless Chromium).

Runs only against a built book: set ``BOOK_HTML`` to the HTML folder, e.g.::

    jupyter-book build . -W -n --keep-going
    BOOK_REQUIRE=1 BOOK_HTML=_build/html pytest tests/test_browser.py

Without ``BOOK_HTML`` (or when that folder has no ``index.html``) every test here is
skipped, so the normal test run does not need a built book. With ``BOOK_REQUIRE=1`` (set
by ``.ci/run`` and the book workflow) nothing is skipped: a missing or wrong ``BOOK_HTML``
makes every test here fail, so a mistyped path cannot turn the browser test into a green
run of skips. It needs Debian's ``chromium`` and ``chromium-driver`` packages and the
Python packages ``selenium`` and ``pillow``; when ``BOOK_HTML`` is set, a missing one is
an error, never a skip.

For every page in ``_toc.yml`` it serves the book on 127.0.0.1, opens the page,
scrolls through it and checks that:

- every image has loaded, and every figure in the text has a caption and alt text;
- chapter pages (those built from ``chapters/*.ipynb``) show their outputs: a page whose
  notebook has visible code shows at least one output, and it shows at least as many
  images in its outputs as its notebook has plotting cells (visible code cells that call
  ``plt.show()``, the cells tests/test_notebook_code.py requires a caption for);
- no figure in an output is blank: each image file (read from the HTML folder) is at
  least 50 x 50 pixels, has more than 8 distinct colours, and at least 0.5% of its pixels
  differ from its background colour (SVG: at least 10 drawing elements);
- every chapter page (not the appendices) has a self-check (a jupyterquiz block, ``[data-shuffleanswers]``) of
  at least 3 questions, and it works without a kernel: the test clicks a wrong answer of a
  multiple-choice question and then the right one, and types a wrong and then the right
  value into a numeric question, and each time the question's feedback must appear,
  marked incorrect or correct, with the answer's own feedback text; a self-check on any
  other page is answered the same way;
- every interactive figure (``utils.interactive.show_interactive``; a chapter page shows at least
  as many as its notebook has shown cells calling it) is drawn by plotly.js, which the book serves
  from its own ``_static`` folder (no network): an SVG plot with a drawn trace inside the figure, its
  fallback text gone, a caption and a text alternative with numbers under it. The test then uses it
  as a reader would: it moves the slider, if the figure has one, and the plot must change; it hovers
  two data points (or two places of a line plot) and a hover label must appear and change. On a page
  whose plotly.js did not load, every interactive figure fails here (and the browser logs the
  missing file). Each figure gets a screenshot of its own (``...--NAME.png``);
- every formula was typeset by MathJax (no raw TeX left, no MathJax errors), and
  the chapters that are about formulas have some;
- on chapter pages, the Binder and Colab launch buttons open this chapter's
  notebook in the repository set in ``_config.yml``, and the launch menu opens;
- no output shows a traceback, an error, stderr, a warning, a progress bar or
  TensorFlow's log noise;
- chapters cite the bibliography, the bibliography lists entries, and the
  execution-times page has a successful, timed row for every chapter;
- the browser logged no errors (missing files, script errors), clicks included.

After answering the self-check it saves a full-page screenshot of every page (into
``BOOK_SCREENSHOTS``, default ``_build/screenshots`` beside the HTML folder), so a
chapter's screenshot shows a question with its feedback; chapters also get a screenshot
of the opened launch menu (``...-launch.png``).

MathJax: the book loads MathJax 3 from a CDN. When the Python package
``django-static-mathjax`` (MathJax 3.2.2, the release the CDN's ``mathjax@3``
serves) is installed, the test server answers the CDN's URLs from that local
copy, so the test works on a machine without internet access; set
``BOOK_MATHJAX=cdn`` to load the real CDN instead.
"""

from __future__ import annotations

from utils.book import toc_pages

import base64
import functools
import http.server
import io
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
LOCAL_MATHJAX_PREFIX = "/__mathjax__/"

#: Chapters that teach with formulas: they must show typeset math.
MATH_REQUIRED = {"chapters/01_dropout_theory", "chapters/06_evaluation_mode"}

#: Questions a chapter's self-check must have at least.
MIN_QUIZ_QUESTIONS = 3
#: A figure in an output is blank unless it has more distinct colours than this ...
BLANK_MAX_COLOURS = 8
#: ... and at least this share of its pixels differs from its background (most common) colour.
BLANK_MIN_INK = 0.005
#: ... and it is at least this many pixels wide and high.
FIGURE_MIN_PIXELS = 50
#: An SVG figure is blank unless it has at least this many drawing elements.
SVG_MIN_ELEMENTS = 10
#: Tags that keep a cell's output off the page.
NO_OUTPUT_TAGS = {"remove-cell", "remove-output"}

#: Text that must never appear in a cell output.
OUTPUT_NOISE = [
    r"Traceback \(most recent call last\)",
    r"WARNING: All log messages",
    r"absl::",
    r"cudart_stub",
    r"oneDNN",
    r"cuda_dnn|cuda_blas|cuda_fft|Unable to register cu",
    r"^[IWEF]\d{4} \d\d:\d\d:\d\d",  # absl/glog log lines, e.g. "I0000 00:00:..." / "W1126 21:50:..."
    r"I0000 |W0000 |E0000 ",
    r"This TensorFlow binary is optimized",
    r"rebuild TensorFlow with the appropriate compiler flags",
    r"\b\w*(Warning|Error):",  # UserWarning:, DeprecationWarning:, ValueError: ...
    r"\d+%\|[^|]*\|",  # a tqdm progress bar
]
#: Text that must never appear anywhere on a page (prose included).
PAGE_NOISE = [
    r"Traceback \(most recent call last\)",
    r"WARNING: All log messages before absl",
    r"cudart_stub",
    r"I0000 00:00|W0000 00:00",
]
#: TeX that MathJax should have replaced.
#: Console errors of the theme itself, harmless to readers (nothing of the course's).
KNOWN_CONSOLE_ERRORS = [
    # sphinx-thebe's configuration <script> is included twice in every page (Jupyter Book 1
    # and sphinx-book-theme both add it); the second `const` declaration fails. Thebe is off.
    "Identifier 'THEBE_JS_URL' has already been declared",
    # pydata-sphinx-theme on a first visit, before a light/dark choice is stored.
    "Got invalid theme mode",
    "favicon.ico",
]
#: MyST that was not parsed: shown to the reader as literal text.
RAW_MYST = [
    r"```\{[a-z-]+\}",
    r":::\{[a-z-]+\}",
    r"^:(class|label|name):",
    r"\{(cite|numref|ref|doc|eq)(:[a-z]+)?\}`",
]
RAW_TEX = [
    r"\$\$",
    r"\\\(",
    r"\\\)",
    r"\\\[",
    r"\\\]",
    r"\\(frac|mathrm|mathbf|text|tilde|odot|cdot|sum|prod|left|right|begin|end)\b",
]


# --------------------------------------------------------------------------- setup


def _flag(name: str) -> bool:
    """An on/off environment variable: unset, ``0`` or ``1``."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"{name} must be 1 (on) or 0 (off), got {os.environ[name]!r}")


def _book_html() -> Path | None:
    value = os.environ.get("BOOK_HTML")
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute() and not path.exists():
        path = ROOT / value
    return path.resolve()


def _book_problem(html: Path | None) -> str | None:
    """Why the browser test cannot run against ``html``, or None when it can."""
    if html is None:
        return (
            "browser test of the built book: set BOOK_HTML to the built HTML folder, e.g. "
            "`jupyter-book build . && BOOK_HTML=_build/html pytest tests/test_browser.py`"
        )
    if not html.is_dir():
        return f"BOOK_HTML={html} is not a folder: build the book first, or fix the path"
    if not (html / "index.html").is_file():
        return f"BOOK_HTML={html} has no index.html: build the book first, or fix the path"
    return None


#: With BOOK_REQUIRE=1 (CI) the browser test must run: what would skip it fails it instead.
BOOK_REQUIRE = _flag("BOOK_REQUIRE")
BOOK_HTML = _book_html()
BOOK_PROBLEM = _book_problem(BOOK_HTML)
pytestmark = pytest.mark.skipif(BOOK_PROBLEM is not None and not BOOK_REQUIRE, reason=BOOK_PROBLEM or "")


@pytest.fixture(scope="module", autouse=True)
def _book_is_there():
    """Under BOOK_REQUIRE=1, a missing or wrong BOOK_HTML fails every test (instead of skipping it)."""
    if BOOK_PROBLEM is not None:
        pytest.fail(f"BOOK_REQUIRE=1, but the browser test cannot run: {BOOK_PROBLEM}", pytrace=False)


PAGES = toc_pages()


def _shown_code_cells(notebook: Path) -> list[str]:
    """Source of every code cell of a notebook whose output the page shows (not removed by a tag)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [
        "".join(cell["source"])
        for cell in cells
        if cell["cell_type"] == "code"
        and "".join(cell["source"]).strip()
        and not NO_OUTPUT_TAGS & set(cell.get("metadata", {}).get("tags", []))
    ]


def _plot_cells(notebook: Path) -> int:
    """How many figures the page must show at least: shown code cells that call ``plt.show()``."""
    return sum("plt.show()" in source for source in _shown_code_cells(notebook))


def _interactive_cells(notebook: Path) -> int:
    """How many interactive figures the page must show at least: shown code cells calling ``show_interactive(``."""
    return sum("show_interactive(" in source for source in _shown_code_cells(notebook))


def _repository():
    """(url, owner, repo, branch, binderhub, colab) from ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(\.git)?", url)
    assert match, f"_config.yml repository.url must be a GitHub repository URL, got {url!r}"
    launch = config.get("launch_buttons", {})
    return (
        url,
        match.group(1),
        match.group(2),
        config["repository"].get("branch", "main"),
        launch.get("binderhub_url", "").rstrip("/"),
        launch.get("colab_url", "").rstrip("/"),
        launch.get("notebook_interface", "classic"),
    )


def _local_mathjax() -> Path | None:
    if os.environ.get("BOOK_MATHJAX") == "cdn":
        return None
    try:
        import mathjax  # the django-static-mathjax package
    except ImportError:
        return None
    folder = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    return folder if (folder / "tex-mml-chtml.js").is_file() else None


class _BookHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the book; serves MathJax's CDN files from a local copy when there is one."""

    mathjax_dir: Path | None = None

    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if self.mathjax_dir and path.startswith(LOCAL_MATHJAX_PREFIX):
            target = (self.mathjax_dir / path[len(LOCAL_MATHJAX_PREFIX) :]).resolve()
            if self.mathjax_dir in target.parents and target.is_file():
                ctype = self.guess_type(str(target))
                return self._send(target.read_bytes(), ctype)
            return self.send_error(404)
        if self.mathjax_dir and path.endswith(".html"):
            local = Path(self.translate_path(path))
            if local.is_file():
                html = local.read_text(encoding="utf-8").replace(MATHJAX_CDN, LOCAL_MATHJAX_PREFIX)
                return self._send(html.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()


@pytest.fixture(scope="module")
def server():
    mathjax_dir = _local_mathjax()
    handler = type("Handler", (_BookHandler,), {"mathjax_dir": mathjax_dir})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(BOOK_HTML))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    try:  # BOOK_HTML is set: the browser test is wanted, so a missing package is an error
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        raise AssertionError(
            f"the browser test needs selenium (pip install -r requirements.txt): {err}"
        ) from err

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    assert chromium and chromedriver, (
        "the browser test needs Chromium and its driver: apt-get install -y chromium chromium-driver"
    )
    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--window-size=1366,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(os.environ.get("BOOK_SCREENSHOTS") or BOOK_HTML.parent / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- helpers

_SETTLE_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  // Scroll through the page so that anything loaded lazily is requested.
  const step = window.innerHeight;
  for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
    window.scrollTo(0, y);
    await new Promise(r => setTimeout(r, 30));
  }
  window.scrollTo(0, 0);
  // Wait for every image to finish loading (or failing).
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
    new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  // Wait for MathJax, if the page loads it, to finish typesetting.
  const hasMathJax = Array.from(document.scripts).some(s => /mathjax/i.test(s.src));
  if (hasMathJax) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() - t0 < 30000)
      await new Promise(r => setTimeout(r, 100));
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      try { await MathJax.startup.promise; } catch (e) { return done('mathjax error: ' + e); }
      return done('mathjax');
    }
    return done('mathjax did not load');
  }
  done('no mathjax');
})();
"""

_INSPECT_JS = r"""
const article = document.querySelector('article') || document.body;
const visibleText = (root, drop) => {
  const clone = root.cloneNode(true);
  clone.querySelectorAll(drop).forEach(e => e.remove());
  document.body.appendChild(clone);  // innerText needs a rendered node
  clone.style.position = 'absolute'; clone.style.left = '-100000px';
  const text = clone.innerText; clone.remove(); return text;
};
return {
  title: document.title,
  images: Array.from(document.images).map(img => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt') || '',
    complete: img.complete, width: img.naturalWidth,
    inArticle: article.contains(img),
    inFigure: !!img.closest('figure'),
    caption: img.closest('figure') && img.closest('figure').querySelector('figcaption')
             ? img.closest('figure').querySelector('figcaption').textContent.trim() : ''})),
  mathNodes: document.querySelectorAll('.math').length,
  mathUntypeset: Array.from(document.querySelectorAll('.math'))
      .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
  mjx: document.querySelectorAll('mjx-container').length,
  mathErrors: Array.from(document.querySelectorAll('mjx-merror, .MathJax_Error'))
      .map(e => e.textContent.slice(0, 80)),
  proseText: visibleText(article, 'pre, code, script, style, mjx-container, .math, .cell_output'),
  pageText: article.innerText,
  // Text of the outputs, without the self-check (its questions may name errors and warnings).
  outputs: Array.from(document.querySelectorAll('.cell_output'))
      .map(e => visibleText(e, '[data-shuffleanswers]')),
  outputCount: article.querySelectorAll('.cell_output').length,
  outputImages: Array.from(article.querySelectorAll('.cell_output img')).map(img => ({
    src: img.getAttribute('src'), url: img.currentSrc || img.src,
    complete: img.complete, width: img.naturalWidth, height: img.naturalHeight})),
  badOutputs: Array.from(document.querySelectorAll(
      '.output.stderr, .output.error, .output.traceback, [class*="traceback"], ' +
      '[class*="output_stderr"], [class*="output_error"], [class*="output-error"]'))
      .map(e => e.className + ': ' + e.innerText.slice(0, 200)),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  citations: document.querySelectorAll('a[href*="bibliography.html#"]').length,
  bibEntries: document.querySelectorAll('[role="doc-biblioentry"]').length,
  tableRows: Array.from(document.querySelectorAll('article table tbody tr'))
      .map(tr => Array.from(tr.cells).map(td => td.innerText.trim())),
};
"""


def _screenshot(driver, path: Path, max_height: int = 30000):
    """Full-page PNG screenshot: the viewport is made as tall as the page, then restored.

    (Chromium's captureBeyondViewport shifts this theme's layout sideways; a tall
    viewport renders the page as a reader scrolling through it sees it.)
    """
    height = min(driver.execute_script("return document.documentElement.scrollHeight"), max_height)
    width = driver.execute_script("return window.innerWidth")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


def _matches(patterns, text, flags=re.MULTILINE):
    found = []
    for pattern in patterns:
        for match in re.finditer(pattern, text, flags):
            start = max(0, match.start() - 60)
            found.append(f"{pattern!r} in ...{text[start : match.end() + 60]!r}...")
            break
    return found


def _image_bytes(url: str, server: str) -> bytes:
    """The file behind an image URL of the page: a ``data:`` URL, or a file of the HTML folder."""
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        return base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
    if not url.startswith(server):
        raise ValueError(f"not served by the book: {url}")
    path = (BOOK_HTML / unquote(urlsplit(url).path).lstrip("/")).resolve()
    if BOOK_HTML not in path.parents or not path.is_file():
        raise ValueError(f"no such file in {BOOK_HTML}: {url}")
    return path.read_bytes()


def _blank_figure(data: bytes) -> str | None:
    """Why an output image shows no figure (too small, one flat colour, nearly empty), or None."""
    head = data[:1000].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) or b"<svg" in head:
        elements = len(
            re.findall(rb"<(path|line|polyline|polygon|rect|circle|ellipse|text|use|image)\b", data)
        )
        return None if elements >= SVG_MIN_ELEMENTS else f"an SVG with only {elements} drawing elements"
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as err:  # any unreadable file is a broken figure
        return f"not a readable image ({err})"
    width, height = image.size
    if width < FIGURE_MIN_PIXELS or height < FIGURE_MIN_PIXELS:
        return f"only {width} x {height} pixels"
    # As the reader sees it: transparent parts show the (white) page.
    rgba = image.convert("RGBA")
    seen = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    colours = seen.getcolors(maxcolors=width * height)
    background = max(count for count, _ in colours)
    ink = 1 - background / (width * height)
    if len(colours) <= BLANK_MAX_COLOURS or ink < BLANK_MIN_INK:
        return (
            f"blank: {len(colours)} distinct colours, {ink:.2%} of its {width} x {height} pixels "
            "differ from the background"
        )
    return None


def _check_output_figures(info, notebook: Path | None, server: str) -> list[str]:
    """A chapter shows outputs and a figure for every plotting cell; no output image is blank."""
    problems = []
    images = info["outputImages"]
    if notebook is not None:
        shown = _shown_code_cells(notebook)
        plots = _plot_cells(notebook)
        if shown and info["outputCount"] == 0:
            problems.append(
                f"the page shows no outputs, but {notebook.name} has {len(shown)} code cells whose "
                "output should show: was the chapter executed for the build?"
            )
        if len(images) < plots:
            problems.append(
                f"too few figures: the page's outputs show {len(images)} image(s), but {notebook.name} "
                f"has {plots} plotting cell(s) (shown code cells calling plt.show())"
            )
    for img in images:
        if not (img["complete"] and img["width"] > 0):
            continue  # reported as an image that did not load
        try:
            blank = _blank_figure(_image_bytes(img["url"], server))
        except ValueError as err:
            blank = str(err)
        if blank:
            problems.append(f"blank figure in an output: {img['src'][:120]}: {blank}")
    return problems


def _check_self_check(browser, required: bool) -> list[str]:
    """Answer the page's jupyterquiz self-check as a reader would; the feedback must appear.

    ``required``: the page must have one (chapter pages); otherwise one is checked only if present.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    quiz_css = "article [data-shuffleanswers]"
    if not browser.find_elements(By.CSS_SELECTOR, quiz_css):
        if required:
            return [
                "no self-check on this chapter page (a jupyterquiz block: a div with data-shuffleanswers)"
            ]
        return []
    questions_css = quiz_css + " .Quiz"
    try:  # jupyterquiz draws the questions with a script of the page
        WebDriverWait(browser, 10).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, questions_css)) >= MIN_QUIZ_QUESTIONS
        )
    except TimeoutException:
        pass
    questions = browser.find_elements(By.CSS_SELECTOR, questions_css)
    problems = []
    if len(questions) < MIN_QUIZ_QUESTIONS:
        problems.append(
            f"the self-check shows {len(questions)} questions, fewer than {MIN_QUIZ_QUESTIONS} "
            "(did jupyterquiz's script run?)"
        )
    choice = [q for q in questions if q.find_elements(By.CSS_SELECTOR, "label.MCButton[data-correct='true']")]
    # Prefer a question with one right answer: its feedback is the plain right/wrong case.
    choice.sort(key=lambda q: len(q.find_elements(By.CSS_SELECTOR, "label.MCButton[data-correct='true']")))
    numeric = [q for q in questions if q.find_elements(By.CSS_SELECTOR, ".NumericQn") and _numeric_answers(q)]
    if not choice and not numeric:
        return problems + ["the self-check has no multiple-choice or numeric question the test can answer"]
    if choice:
        question = choice[0]
        wrong = question.find_elements(By.CSS_SELECTOR, "label.MCButton[data-correct='false']")
        right = question.find_elements(By.CSS_SELECTOR, "label.MCButton[data-correct='true']")[0]
        if wrong:
            problems += _answer(browser, question, wrong[0], None, correct=False)
        problems += _answer(browser, question, right, None, correct=True)
    if numeric:
        question = numeric[0]
        right_value, wrong_value = _numeric_answers(question)
        field = question.find_element(By.CSS_SELECTOR, "input.Input-text")
        problems += _answer(browser, question, field, wrong_value, correct=False)
        problems += _answer(browser, question, field, right_value, correct=True)
    return problems


def _numeric_answers(question) -> tuple[str, str] | None:
    """(a right value, a wrong value) to type into a jupyterquiz numeric question, or None."""
    from selenium.webdriver.common.by import By

    fields = question.find_elements(By.CSS_SELECTOR, "input.Input-text[data-answers]")
    if not fields:
        return None
    answers = json.loads(fields[0].get_attribute("data-answers"))

    def is_right(x: float) -> bool:
        for answer in answers:
            if "value" in answer and x == answer["value"]:
                return bool(answer.get("correct"))
            if "range" in answer and answer["range"][0] <= x < answer["range"][1]:
                return bool(answer.get("correct"))
        return False

    rights = [
        answer["value"] if "value" in answer else answer["range"][0]
        for answer in answers
        if answer.get("correct") and ("value" in answer or "range" in answer)
    ]
    wrongs = [x for x in (-123456.75, 987654.25, 0, 1) if not is_right(x)]
    if not rights or not wrongs:
        return None
    return repr(rights[0]), repr(wrongs[0])


def _answer(browser, question, element, typed: str | None, correct: bool) -> list[str]:
    """Click an answer (or type a value and press Enter); the question's feedback must show the verdict."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    verdict, other = ("correct", "incorrect") if correct else ("incorrect", "correct")
    what = (
        f"typing {'the right' if correct else 'a wrong'} value {typed}"
        if typed
        else (f"clicking the {'right' if correct else 'wrong'} answer {element.text.strip()[:60]!r}")
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    if typed is None:
        element.click()
    else:
        element.click()  # focusing the field clears it
        element.send_keys(typed + Keys.ENTER)

    def shown(_driver):
        feedback = question.find_elements(By.CSS_SELECTOR, ".Feedback")
        if feedback and feedback[0].is_displayed() and feedback[0].text.strip():
            classes = feedback[0].get_attribute("class").split()
            if verdict in classes:
                return feedback[0]
        return False

    try:
        feedback = WebDriverWait(browser, 5).until(shown)
    except TimeoutException:
        feedback = (question.find_elements(By.CSS_SELECTOR, ".Feedback") or [None])[0]
        state = (
            "no feedback element"
            if feedback is None
            else f"feedback {feedback.text.strip()[:80]!r}, class {feedback.get_attribute('class')!r}, "
            f"shown: {feedback.is_displayed()}"
        )
        return [f"self-check: {what} shows no feedback marked {verdict} ({state})"]
    problems = []
    classes = feedback.get_attribute("class").split()
    if other in classes:
        problems.append(f"self-check: {what} marks the feedback both {verdict} and {other}")
    if f"{verdict}Button" not in element.get_attribute("class").split():
        problems.append(
            f"self-check: {what} does not mark the answer {verdict}Button "
            f"(class {element.get_attribute('class')!r})"
        )
    expected = element.get_attribute("data-feedback") if typed is None else None
    # The answer's own feedback text (when it is plain text: no markup, math or links to render).
    if expected and not re.search(r"[<$\[`]", expected):
        if " ".join(feedback.text.split()) != " ".join(expected.split()):
            problems.append(
                f"self-check: {what} shows {feedback.text!r}, not the answer's feedback {expected!r}"
            )
    return problems


def _open(browser, server, page):
    browser.get_log("browser")  # drop messages from the previous page
    browser.get(server + quote(page) + ".html")
    return browser.execute_async_script(_SETTLE_JS)


# --------------------------------------------------------------------------- tests


def test_every_toc_page_was_built():
    missing = [page for page in PAGES if not (BOOK_HTML / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML in {BOOK_HTML}: {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_page_as_a_reader_sees_it(page, browser, server, screenshots):
    mathjax = _open(browser, server, page)
    info = browser.execute_script(_INSPECT_JS)
    notebook = ROOT / f"{page}.ipynb"
    is_chapter = notebook.is_file()
    problems = []

    # Outputs and figures: a chapter shows what its notebook draws; no figure is blank
    problems += _check_output_figures(info, notebook if is_chapter else None, server)

    # Self-check: answered as a reader would, then the screenshot shows its feedback (appendices have none)
    problems += _check_self_check(
        browser, required=is_chapter and not Path(page).name.startswith("appendix_")
    )
    # Interactive figures: drawn by the book's own plotly.js, and they answer the slider and the mouse
    problems += _check_interactive_figures(
        browser, notebook if is_chapter else None, screenshots / page.replace("/", "__")
    )
    _screenshot(browser, screenshots / (page.replace("/", "__") + ".png"))

    # Images
    for img in info["images"]:
        if not (img["complete"] and img["width"] > 0):
            problems.append(f"image did not load: {img['src']}")
        # Sphinx uses the file name as alt text when none is given: that is no alt text.
        alt = img["alt"].strip()
        if img["inArticle"] and (not alt or alt == img["src"] or re.search(r"\.(png|svg|jpe?g)$", alt)):
            problems.append(f"image without alt text: {img['src']}")
        if img["inArticle"] and is_chapter and not (img["inFigure"] and img["caption"]):
            problems.append(f"image without a figure caption: {img['src']} (alt {img['alt']!r})")

    # Math
    if info["mathNodes"]:
        if mathjax != "mathjax":
            problems.append(f"the page has {info['mathNodes']} formulas but MathJax: {mathjax}")
        if info["mathUntypeset"]:
            problems.append(f"formulas not typeset by MathJax: {info['mathUntypeset'][:5]}")
    if info["mathErrors"]:
        problems.append(f"MathJax errors: {info['mathErrors'][:5]}")
    if page in MATH_REQUIRED and info["mjx"] == 0:
        problems.append("this chapter should show typeset formulas, but it has none")
    problems += [f"raw TeX in the text: {m}" for m in _matches(RAW_TEX, info["proseText"])]
    problems += [f"unparsed MyST markup shown as text: {m}" for m in _matches(RAW_MYST, info["pageText"])]

    # Outputs: no errors, tracebacks, warnings or log noise
    problems += [f"error/stderr output shown: {b}" for b in info["badOutputs"]]
    for text in info["outputs"]:
        problems += [f"noise in an output: {m}" for m in _matches(OUTPUT_NOISE, text)]
    problems += [f"noise on the page: {m}" for m in _matches(PAGE_NOISE, info["pageText"])]

    # Launch buttons
    url, owner, repo, branch, binderhub, colab, interface = _repository()
    binder_links = [link for link in info["links"] if link.startswith(binderhub + "/")]
    colab_links = [link for link in info["links"] if link.startswith(colab + "/")]
    if is_chapter:
        ui = {"classic": "tree", "jupyterlab": "lab/tree"}[interface]
        notebook = f"{page}.ipynb"
        want_binder = f"{binderhub}/v2/gh/{owner}/{repo}/{branch}?urlpath={ui}/{notebook}"
        want_colab = f"{colab}/github/{owner}/{repo}/blob/{branch}/{notebook}"
        if binder_links != [want_binder]:
            problems.append(f"Binder button: expected [{want_binder}], found {binder_links}")
        if colab_links != [want_colab]:
            problems.append(f"Colab button: expected [{want_colab}], found {colab_links}")
        if f"{url}" not in info["links"]:
            problems.append(f"no repository button linking to {url}")
        problems += _check_launch_menu(browser, screenshots / (page.replace("/", "__") + "-launch.png"))
        if not info["citations"]:
            problems.append("the chapter cites nothing from the bibliography")

    # Page-specific content
    if page == "bibliography" and info["bibEntries"] == 0:
        problems.append("the bibliography lists no entries")
    if page.endswith("execution_times"):
        problems += _check_exec_table(info["tableRows"])

    # Browser console: missing files, script errors (of loading, answering, the launch menu)
    for entry in browser.get_log("browser"):
        message = entry.get("message", "")
        if entry.get("level") == "SEVERE" and not any(k in message for k in KNOWN_CONSOLE_ERRORS):
            problems.append(f"browser console: {message[:300]}")

    assert not problems, f"{page}.html:\n  - " + "\n  - ".join(problems)


#: How long a page may take to draw its interactive figures (plotly.js is loaded deferred).
PLOTLY_WAIT_SECONDS = 20

_FIGURE_STATE_JS = """
const plot = document.getElementById(arguments[0] + '-plot');
const svgs = plot ? Array.from(plot.querySelectorAll('svg.main-svg')) : [];
const shapes = svgs.reduce((n, s) => n + s.querySelectorAll('path, line, rect, text, circle').length, 0);
const traces = plot ? plot.querySelectorAll('.scatterlayer .trace, .barlayer .trace, .boxlayer .trace').length : 0;
// What the reader sees of the data: the drawn lines and markers, and the titles.
const drawn = plot ? Array.from(plot.querySelectorAll(
    '.scatterlayer .trace path.js-line, .scatterlayer .trace path.point, .barlayer path, .gtitle'))
    .filter(e => e.getBoundingClientRect().width + e.getBoundingClientRect().height > 0)
    .map(e => (e.getAttribute('d') || '') + (e.getAttribute('transform') || '') + e.textContent).join('|') : '';
const hover = plot ? Array.from(plot.querySelectorAll('.hoverlayer')).map(e => e.textContent).join(' ') : '';
return {svgs: svgs.length, shapes: shapes, traces: traces, drawn: drawn, hover: hover.trim(),
        fallback: plot ? plot.querySelectorAll('[class$="-fallback"]').length : 0,
        slider: plot ? plot.querySelectorAll('.slider-container .slider-rail-touch-rect').length : 0,
        sliderActive: plot && plot._fullLayout && plot._fullLayout.sliders && plot._fullLayout.sliders.length
            ? plot._fullLayout.sliders[0].active : null,
        plotly: !!window.Plotly};
"""


def _check_interactive_figures(browser, notebook: Path | None, shot_prefix: Path) -> list[str]:
    """Every interactive figure is drawn by plotly.js, and its slider and hover labels respond."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    figures = browser.find_elements(By.CSS_SELECTOR, "article figure.course-interactive")
    problems = []
    wanted = _interactive_cells(notebook) if notebook is not None else 0
    if len(figures) < wanted:
        problems.append(
            f"too few interactive figures: the page shows {len(figures)}, but {notebook.name} has {wanted} "
            "shown cell(s) calling show_interactive"
        )
    names = [figure.get_attribute("id") for figure in figures]
    if len(set(names)) != len(names):
        problems.append(f"interactive figures share an id: {names}")
    for figure, name in zip(figures, names):
        where = f"interactive figure {name!r}"
        state = functools.partial(browser.execute_script, _FIGURE_STATE_JS, name)
        try:
            WebDriverWait(browser, PLOTLY_WAIT_SECONDS).until(
                lambda _d, s=state: s()["svgs"] and s()["traces"]
            )
        except TimeoutException:
            pass
        before = state()
        if not (before["svgs"] and before["traces"]):
            problems.append(
                f"{where} was not drawn (no SVG plot with a trace in it after {PLOTLY_WAIT_SECONDS} s; "
                f"window.Plotly {'exists' if before['plotly'] else 'is undefined'}): did the book's plotly.js load?"
            )
            continue
        if before["shapes"] < SVG_MIN_ELEMENTS:
            problems.append(f"{where} is blank: only {before['shapes']} drawing elements")
        if before["fallback"]:
            problems.append(f"{where} still shows its fallback text after plotly.js drew it")
        caption = figure.find_elements(By.CSS_SELECTOR, "figcaption")
        alt = figure.find_elements(By.CSS_SELECTOR, f"#{name}-alt")
        if not caption or len(caption[0].text.split()) < 5:
            problems.append(f"{where} has no caption")
        if not alt or not re.search(r"\d", alt[0].text):
            problems.append(f"{where} has no text alternative with numbers (#{name}-alt)")
        # The whole figure in view, below the theme's sticky header: the mouse acts on what is shown.
        browser.execute_script("window.scrollBy(0, arguments[0].getBoundingClientRect().top - 80);", figure)
        if before["slider"]:
            problems += _move_slider(browser, name, before, state)
        problems += _hover_two_points(browser, name, state)
        _figure_screenshot(browser, figure, Path(f"{shot_prefix}--{name}.png"))  # with the last hover label
        area = browser.find_element(By.CSS_SELECTOR, f"#{name}-plot .draglayer .nsewdrag")
        ActionChains(browser).move_to_element_with_offset(
            area, 0, -int(area.rect["height"] / 2) - 40
        ).perform()
    return problems


def _figure_screenshot(driver, element, path: Path):
    """A PNG of one element, whole even when it is taller than the window (the window grows meanwhile)."""
    rect = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", element
    )
    width = driver.execute_script("return window.innerWidth")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": int(rect[1] + rect[3]) + 10, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        scroll = driver.execute_script(
            "return [window.scrollX, window.scrollY];"
        )  # the clip is in page coordinates
        clip = {
            "x": rect[0] + scroll[0],
            "y": rect[1] + scroll[1],
            "width": rect[2],
            "height": rect[3],
            "scale": 1,
        }
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


def _move_slider(browser, name: str, before: dict, state) -> list[str]:
    """Click the slider's rail at its other end: the slider moves and the drawn plot changes."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    rail = browser.find_element(By.CSS_SELECTOR, f"#{name}-plot .slider-container .slider-rail-touch-rect")
    width = rail.rect["width"]
    steps = browser.execute_script(
        "return document.getElementById(arguments[0] + '-plot')._fullLayout.sliders[0].steps.length;", name
    )
    # To the far end from where the slider stands: the last step, or the first when it stands at the last.
    x = width / 2 - 3 if before["sliderActive"] != steps - 1 else -width / 2 + 3
    ActionChains(browser).move_to_element_with_offset(rail, int(x), 0).click().perform()
    try:
        WebDriverWait(browser, 5).until(lambda _d: state()["drawn"] != before["drawn"])
    except TimeoutException:
        pass
    after = state()
    problems = []
    if after["sliderActive"] == before["sliderActive"]:
        problems.append(
            f"interactive figure {name!r}: clicking the slider did not move it (step {before['sliderActive']})"
        )
    elif after["drawn"] == before["drawn"]:
        problems.append(f"interactive figure {name!r}: the slider moved but the plot did not change")
    return problems


def _hover_two_points(browser, name: str, state) -> list[str]:
    """Hover two data points (markers, else two places along the plot area): a label appears and changes."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    points = [
        p
        for p in browser.find_elements(By.CSS_SELECTOR, f"#{name}-plot .scatterlayer .trace path.point")
        if p.is_displayed() and p.size["width"] > 0
    ]
    area = browser.find_element(By.CSS_SELECTOR, f"#{name}-plot .draglayer .nsewdrag")
    if len(points) >= 2:
        moves = [(points[len(points) // 4], 0, 0), (points[3 * len(points) // 4], 0, 0)]
    else:
        width = area.rect["width"]
        moves = [(area, int(-width / 4), 0), (area, int(width / 4), 0)]
    labels = []
    for element, dx, dy in moves:
        ActionChains(browser).move_to_element_with_offset(element, dx, dy).perform()
        try:
            WebDriverWait(browser, 3).until(lambda _d: state()["hover"] and state()["hover"] not in labels)
        except TimeoutException:
            pass
        labels.append(state()["hover"])
    if not all(labels):
        return [f"interactive figure {name!r}: hovering its data shows no hover label ({labels})"]
    if labels[0] == labels[1]:
        return [f"interactive figure {name!r}: hovering two data points shows the same label {labels[0]!r}"]
    return []


def _check_launch_menu(browser, shot: Path) -> list[str]:
    """Open the rocket menu as a reader would; its Binder and Colab entries must show."""
    from selenium.webdriver.common.by import By

    buttons = browser.find_elements(By.CSS_SELECTOR, ".dropdown-launch-buttons button")
    if not buttons:
        return ["no launch (rocket) button on a chapter page"]
    browser.execute_script("window.scrollTo(0, 0);")
    buttons[0].click()
    visible = [
        a.text.strip()
        for a in browser.find_elements(By.CSS_SELECTOR, ".dropdown-launch-buttons .dropdown-menu a")
        if a.is_displayed()
    ]
    browser.save_screenshot(str(shot))
    buttons[0].click()
    missing = [name for name in ("Binder", "Colab") if name not in visible]
    return [f"launch menu opened but does not show {missing} (shows {visible})"] if missing else []


def _check_exec_table(rows) -> list[str]:
    chapters = [page for page in PAGES if (ROOT / f"{page}.ipynb").is_file()]
    by_doc = {row[0]: row for row in rows if row}
    problems = []
    for chapter in chapters:
        row = by_doc.get(chapter)
        if row is None:
            problems.append(f"execution-times table has no row for {chapter} (rows: {list(by_doc)})")
            continue
        _doc, _modified, _method, runtime, status = row[:5]
        if status != "✅":
            problems.append(f"execution-times table: {chapter} did not run successfully ({status})")
        if not re.fullmatch(r"\d+(\.\d+)?", runtime):
            problems.append(f"execution-times table: {chapter} has no run time ({runtime!r})")
    return problems


def test_landing_page_links_every_chapter(browser, server):
    _open(browser, server, PAGES[0])
    info = browser.execute_script(_INSPECT_JS)
    text = info["pageText"]
    for needed in ("Binder", "Colab", "requirements.txt", "execution", "Prerequisites"):
        assert needed.lower() in text.lower(), f"the landing page does not mention {needed!r}"
    chapter_pages = [page for page in PAGES[1:] if (ROOT / f"{page}.ipynb").is_file()]
    linked = {link.split("#")[0] for link in info["links"]}
    missing = [page for page in chapter_pages if server + page + ".html" not in linked]
    assert not missing, f"the landing page does not link to {missing}"
