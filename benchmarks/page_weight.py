"""How much a reader's browser loads for each page of the built book.

    python benchmarks/page_weight.py _build/html                 # every page in _toc.yml
    python benchmarks/page_weight.py _build/html --compare OLD   # and the change from another build

For each page: the HTML file itself, and everything of the book's own that the page loads
(``<script src>``, ``<link href>`` style sheets and preloads, ``<img src>``), read from the HTML
folder, counted once per page; plotly.js (``_static/plotly-*.min.js``) is also shown apart. Files
from other hosts (MathJax from its CDN) are listed by URL, not weighed. Sizes are bytes on disk,
before any compression a web server may add. A browser caches the shared files (the theme, plotly.js),
so a reader pays for them once per book, not once per page; the HTML and the figures are per page.
"""

from __future__ import annotations

from utils.book import toc_pages

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent


class _Links(HTMLParser):
    """The URLs a page loads: scripts, style sheets and preloads, images."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif (
            tag == "link"
            and attrs.get("href")
            and {"stylesheet", "preload"} & set(attrs.get("rel", "").split())
        ):
            self.urls.append(attrs["href"])
        elif tag == "img" and attrs.get("src") and not attrs["src"].startswith("data:"):
            self.urls.append(attrs["src"])


def weigh(html_dir: Path, page: str) -> dict:
    """{'html': bytes, 'loaded': bytes of the book's files it loads, 'plotly': of which plotly.js, 'external': [...]}."""
    path = html_dir / f"{page}.html"
    text = path.read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(text)
    base = f"file:///{page}.html"
    files, external = set(), []
    for url in parser.urls:
        absolute = urljoin(base, url)
        if not absolute.startswith("file:///"):
            external.append(url)
            continue
        target = html_dir / unquote(urlsplit(absolute).path).lstrip("/")
        if target.is_file():
            files.add(target)
    plotly = sum(f.stat().st_size for f in files if re.fullmatch(r"plotly-.*\.min\.js", f.name))
    return {
        "html": path.stat().st_size,
        "loaded": sum(f.stat().st_size for f in files),
        "plotly": plotly,
        "external": sorted(set(external)),
    }


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built book's HTML folder (_build/html)")
    parser.add_argument("--compare", type=Path, help="another build's HTML folder, to show the change")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        parser.error(f"{args.html} has no index.html: build the book first")
    header = f"{'page':<38}{'HTML MB':>9}{'+ loads MB':>12}{'of which plotly.js':>20}{'total MB':>10}"
    if args.compare:
        header += f"{'before':>9}{'change':>9}"
    print(header)
    print("-" * len(header))
    for page in toc_pages():
        w = weigh(args.html, page)
        total = w["html"] + w["loaded"]
        line = f"{page:<38}{_mb(w['html']):>9}{_mb(w['loaded']):>12}{_mb(w['plotly']):>20}{_mb(total):>10}"
        if args.compare:
            old = weigh(args.compare, page)
            before = old["html"] + old["loaded"]
            line += f"{_mb(before):>9}{(total - before) / 1e6:>+9.2f}"
        print(line)
    externals = sorted({url for page in toc_pages() for url in weigh(args.html, page)["external"]})
    if externals:
        print("not weighed (other hosts): " + ", ".join(externals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
