"""The built HTML book, as a reader's browser shows it (headless Chromium).

Runs only against a built book: set ``BOOK_HTML`` to the HTML folder, e.g.::

    jupyter-book build . -W -n --keep-going
    BOOK_HTML=_build/html pytest tests/test_browser.py

Without ``BOOK_HTML`` (or when that folder does not exist) every test here is
skipped, so the normal test run does not need a built book. It needs Debian's
``chromium`` and ``chromium-driver`` packages and the Python package
``selenium``.

For every page in ``_toc.yml`` it serves the book on 127.0.0.1, opens the page,
scrolls through it, saves a full-page screenshot (into ``BOOK_SCREENSHOTS``,
default ``_build/screenshots`` beside the HTML folder) and checks that:

- every image has loaded, and every figure in the text has a caption and alt text;
- every formula was typeset by MathJax (no raw TeX left, no MathJax errors), and
  the chapters that are about formulas have some;
- on chapter pages, the Binder and Colab launch buttons open this chapter's
  notebook in the repository set in ``_config.yml``, and the launch menu opens;
- no output shows a traceback, an error, stderr, a warning, a progress bar or
  TensorFlow's log noise;
- chapters cite the bibliography, the bibliography lists entries, and the
  execution-times page has a successful, timed row for every chapter;
- the browser logged no errors (missing files, script errors).

MathJax: the book loads MathJax 3 from a CDN. When the Python package
``django-static-mathjax`` (MathJax 3.2.2, the release the CDN's ``mathjax@3``
serves) is installed, the test server answers the CDN's URLs from that local
copy, so the test works on a machine without internet access; set
``BOOK_MATHJAX=cdn`` to load the real CDN instead.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
LOCAL_MATHJAX_PREFIX = "/__mathjax__/"

#: Chapters that teach with formulas: they must show typeset math.
MATH_REQUIRED = {"chapters/01_dropout_theory", "chapters/06_evaluation_mode"}

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


def _book_html() -> Path | None:
    value = os.environ.get("BOOK_HTML")
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute() and not path.exists():
        path = ROOT / value
    return path.resolve()


BOOK_HTML = _book_html()
pytestmark = pytest.mark.skipif(
    BOOK_HTML is None or not (BOOK_HTML / "index.html").is_file(),
    reason=(
        "browser test of the built book: set BOOK_HTML to the built HTML folder, e.g. "
        "`jupyter-book build . && BOOK_HTML=_build/html pytest tests/test_browser.py`"
        if BOOK_HTML is None
        else f"BOOK_HTML={BOOK_HTML} has no index.html: build the book first"
    ),
)


def _toc_pages(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the book, in order, as paths without suffix (``chapters/02_baseline``)."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]


PAGES = _toc_pages()


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
  outputs: Array.from(document.querySelectorAll('.cell_output')).map(e => e.innerText),
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
    _screenshot(browser, screenshots / (page.replace("/", "__") + ".png"))
    info = browser.execute_script(_INSPECT_JS)
    log = browser.get_log("browser")
    is_chapter = (ROOT / f"{page}.ipynb").is_file()
    problems = []

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

    # Browser console: missing files, script errors
    for entry in log:
        message = entry.get("message", "")
        if entry.get("level") == "SEVERE" and not any(k in message for k in KNOWN_CONSOLE_ERRORS):
            problems.append(f"browser console: {message[:300]}")

    assert not problems, f"{page}.html:\n  - " + "\n  - ".join(problems)


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
