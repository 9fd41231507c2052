"""Interactive figures (plotly) that a reader explores in the published book, with no kernel.

A chapter builds a plotly figure from runs it has already made and shows it with
:func:`show_interactive`, never with ``fig.show()`` (whose output the book cannot show). One call
works everywhere the course is read:

- **the built book**: the cell's output is HTML holding the figure's data and a few lines of
  JavaScript that draw it with plotly.js. The book loads plotly.js once, from its own static files:
  this module is also a Sphinx extension (listed in ``_config.yml``) that copies the
  ``plotly.min.js`` shipped inside the pinned plotly package to ``_static/plotly-<version>.min.js``
  and loads it, deferred, on the pages that show an interactive figure and on no others. No CDN: the
  figures work offline, and no page inlines the library;
- **JupyterLab, Notebook 7 and VS Code**: the same output also carries plotly's own mime type, which
  plotly's JupyterLab extension (installed with the plotly package) and VS Code draw;
- **Colab**, which draws neither: plotly's ``colab`` renderer (plotly.js from plotly's CDN, since a
  Colab output is a page of its own), followed by the caption and text alternative.

Plotly draws no alt text, so every interactive figure has a ``caption`` (what it is and how to use
it) and a text alternative ``alt`` (what it shows, in one or two sentences with the key numbers, which
the chapter computes): both are printed under the figure, and the text alternative is all that
plain-text outputs and the PDF show. The chapter's static matplotlib figure stays, for print and
for readers without JavaScript.
"""

from __future__ import annotations

from utils.checks import check_int, check_text

import html
import json
import re
import sys
from pathlib import Path

#: Where the book's pages load plotly.js from (relative to the HTML folder); see :func:`plotly_js_name`.
STATIC_FOLDER = "_static"
#: The plotly.js configuration of every interactive figure: no plotly logo, resizes with the page.
CONFIG = {"displaylogo": False, "responsive": True}
#: Marks an interactive figure in a page's HTML (the Sphinx extension loads plotly.js where it appears).
MARKER_CLASS = "course-interactive"
#: Largest figure data one interactive figure may carry, in kB of JSON: a page stays light to load.
MAX_DATA_KB = 400

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PLOTLY_MIME = "application/vnd.plotly.v1+json"

_HTML = """\
<figure class="{marker}" id="{name}" aria-describedby="{name}-alt">
<div class="{marker}-plot" id="{name}-plot" style="height:{height}px;width:100%">
<p class="{marker}-fallback">This interactive figure needs JavaScript and plotly.js, which the book
loads. What it shows is said below.</p>
</div>
<figcaption><p><strong>Interactive figure.</strong> {caption}</p>
<p class="{marker}-alt" id="{name}-alt">{alt}</p></figcaption>
</figure>
<script type="application/json" id="{name}-data">{data}</script>
<script>
(function () {{
  var name = "{name}";
  function draw() {{
    var el = document.getElementById(name + "-plot");
    if (!el || !window.Plotly || el.getAttribute("data-drawn")) return;
    el.setAttribute("data-drawn", "1");
    el.textContent = "";
    var figure = JSON.parse(document.getElementById(name + "-data").textContent);
    window.Plotly.newPlot(el, figure);
  }}
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
  window.addEventListener("load", draw);
}})();
</script>"""


def _template():
    """The course's look for plotly figures: white, a light grid, the course's colours, a small margin."""
    from utils.plotting import COLORS

    import plotly.graph_objects as go

    axis = {
        "showgrid": True,
        "gridcolor": "#e6e6e6",
        "zeroline": False,
        "showline": True,
        "linecolor": "#444",
        "ticks": "outside",
        "automargin": True,
    }
    return go.layout.Template(
        layout={
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"family": "Helvetica, Arial, sans-serif", "size": 13, "color": "#222"},
            "colorway": [COLORS[k] for k in ("train", "validation", "mine", "accent", "rock", "neutral")],
            "xaxis": axis,
            "yaxis": axis,
            "hoverlabel": {"bgcolor": "white", "font": {"size": 12}},
            "legend": {"bgcolor": "rgba(255,255,255,0.8)"},
            # the title on the left: plotly's tool bar (zoom, download) sits at the top right
            "title": {"x": 0.01, "xanchor": "left", "font": {"size": 15}},
            "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
        }
    )


def add_slider(fig, labels, *, titles=None, active: int = 0, prefix: str = "", keep_last: int = 0):
    """Add a slider that shows one group of the figure's traces at a time; return the figure.

    The traces (all but the last ``keep_last``, which stay visible throughout, e.g. a reference line)
    are split, in the order they were added, into ``len(labels)`` groups of equal size: with the slider
    at ``labels[k]``, group ``k`` is drawn and the others hidden. So add the traces of the first
    setting, then those of the second, and so on.

    Parameters
    ----------
    fig:
        A plotly figure whose traces are laid out as above.
    labels:
        One label per slider step (at least 2), shown under the slider.
    titles:
        Optional figure title per step (same length as ``labels``), e.g. what that setting found.
    active:
        The step shown first.
    prefix:
        Text before the current label above the slider, e.g. ``"passes T: "``.
    keep_last:
        How many of the last traces are always shown.
    """
    fig = _check_figure(fig)
    labels = [str(label) for label in labels]
    steps = len(labels)
    check_int("number of slider labels", steps, minimum=2)
    active = check_int("active", active, minimum=0, maximum=steps - 1)
    keep_last = check_int("keep_last", keep_last, minimum=0, maximum=len(fig.data) - 1)
    grouped = len(fig.data) - keep_last
    if grouped % steps:
        raise ValueError(
            f"the figure's {grouped} traces (without the last {keep_last}) do not split into {steps} equal "
            "groups, one per slider step"
        )
    if titles is not None and len(titles) != steps:
        raise ValueError(f"titles must give one title per slider step ({steps}), got {len(titles)}")
    per_step = grouped // steps

    def shown(k):
        return [i // per_step == k for i in range(grouped)] + [True] * keep_last

    slider_steps = []
    for k, label in enumerate(labels):
        layout = {} if titles is None else {"title.text": str(titles[k])}
        slider_steps.append({"method": "update", "label": label, "args": [{"visible": shown(k)}, layout]})
    for trace, visible in zip(fig.data, shown(active)):
        trace.visible = visible
    fig.update_layout(
        sliders=[
            {"active": active, "steps": slider_steps, "currentvalue": {"prefix": prefix}, "pad": {"t": 60}}
        ]
    )
    if titles is not None:
        fig.update_layout(title_text=str(titles[active]))
    return fig


def _check_figure(fig):
    """Return ``fig`` unless it is not a plotly figure with at least one trace."""
    try:
        from plotly.basedatatypes import BaseFigure
    except ImportError as err:  # pragma: no cover - plotly is pinned in requirements.txt
        raise ImportError("interactive figures need plotly: pip install -r requirements.txt") from err
    if not isinstance(fig, BaseFigure):
        raise ValueError(
            f"fig must be a plotly figure (plotly.graph_objects.Figure), got {type(fig).__name__}"
        )
    if not fig.data:
        raise ValueError("fig has no traces: there is nothing to show")
    return fig


def _check_name(name) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "name must be lower-case letters, digits and hyphens, starting with a letter (it becomes the "
            f"figure's HTML id and link target, e.g. 'fig-ch03-size-explorer'), got {name!r}"
        )
    return name


def _check_alt(alt) -> str:
    alt = check_text("alt", alt)
    words = len(alt.split())
    if not 8 <= words <= 90:
        raise ValueError(
            f"alt must say what the figure shows in one or two sentences (8 to 90 words), has {words} words: {alt!r}"
        )
    if not re.search(r"\d", alt):
        raise ValueError(f"alt must give the figure's key numbers (it has no digit): {alt!r}")
    return alt


def interactive_bundle(fig, *, name: str, caption: str, alt: str, height: int | None = None) -> dict:
    """The output that :func:`show_interactive` displays outside Colab: a mime bundle (a dict).

    ``text/html`` draws the figure where plotly.js is loaded (the book), ``application/vnd.plotly.v1+json``
    is plotly's own mime type (JupyterLab, VS Code), ``text/plain`` the caption and text alternative
    (plain-text outputs, the PDF). Arguments as for :func:`show_interactive`.
    """
    import plotly.io as pio

    fig = _check_figure(fig)
    name = _check_name(name)
    caption = check_text("caption", caption)
    alt = _check_alt(alt)
    if height is None:
        height = fig.layout.height or 450
    height = check_int("height", height, minimum=150, maximum=2000)
    if fig.layout.template == pio.templates[pio.templates.default]:  # no template of its own chosen
        fig = type(fig)(fig)  # a copy: the caller's figure is left as it was
        fig.update_layout(template=_template())
    fig_json = pio.to_json(fig, validate=True, pretty=False, remove_uids=True)
    kb = len(fig_json) / 1000
    if kb > MAX_DATA_KB:
        raise ValueError(
            f"{name}: the figure's data is {kb:.0f} kB of JSON, more than {MAX_DATA_KB} kB: round the "
            "numbers (float32 arrays, fewer decimals) or show fewer points, so that the page stays light"
        )
    figure = json.loads(fig_json)
    figure["config"] = dict(CONFIG)
    figure.setdefault("layout", {})["height"] = height
    # '<', '>' and '&' escaped as JSON escapes: the data can never end its <script> element early.
    data = json.dumps(figure, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    page = _HTML.format(
        marker=MARKER_CLASS,
        name=name,
        height=height,
        caption=html.escape(caption, quote=False),
        alt=html.escape(alt, quote=False),
        data=data,
    )
    return {
        "text/html": page,
        _PLOTLY_MIME: figure,
        "text/plain": f"Interactive figure ({name}). {caption}\n{alt}",
    }


def show_interactive(fig, *, name: str, caption: str, alt: str, height: int | None = None) -> None:
    """Show a plotly figure so that it works in the built book, in JupyterLab and in Colab.

    Parameters
    ----------
    fig:
        A ``plotly.graph_objects.Figure`` with at least one trace. Unless it sets a template of its own
        it gets the course's look (white, light grid, the course's colours); the figure passed in is not
        changed. Its data, as JSON, must stay under :data:`MAX_DATA_KB` kB (pass float32 arrays or
        rounded numbers).
    name:
        The figure's HTML id and link target (``#name``), lower-case letters, digits and hyphens, e.g.
        ``"fig-ch03-size-explorer"``; unique in the book.
    caption:
        What the figure is and how to explore it (the slider, the hover), shown under it.
    alt:
        The text alternative: what the figure shows, in one or two sentences (8 to 90 words) with its
        key numbers (at least one digit), computed by the chapter, never typed. Shown under the figure
        and in plain-text outputs; plotly's drawing has no alt text of its own.
    height:
        Height in pixels (150 to 2000); the figure's ``layout.height`` or 450 when ``None``.

    Raises
    ------
    ValueError
        For anything but the above; nothing is shown then.
    """
    from IPython.display import HTML, display

    bundle = interactive_bundle(fig, name=name, caption=caption, alt=alt, height=height)
    if "google.colab" not in sys.modules:
        display(bundle, raw=True)
        return
    # Colab draws neither plotly's mime type nor HTML that expects the book's plotly.js: plotly's colab
    # renderer puts plotly.js (from plotly's CDN) into the output itself. (Called directly, not through
    # pio.show, which also insists on nbformat being installed.)
    import copy

    import plotly.io as pio

    figure = bundle[_PLOTLY_MIME]
    renderer = copy.copy(pio.renderers["colab"])
    renderer.config = figure["config"]
    display(renderer.to_mimebundle({"data": figure["data"], "layout": figure["layout"]}), raw=True)
    caption_html = html.escape(caption, quote=False)
    display(HTML(f"<p><strong>Interactive figure.</strong> {caption_html}</p><p>{html.escape(alt)}</p>"))


# --------------------------------------------------------------------------- the Sphinx extension


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` shipped inside the installed plotly package (the version requirements.txt pins)."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"plotly {plotly.__version__} ships no plotly.min.js at {path}")
    return path


def plotly_js_name() -> str:
    """The file name the book serves plotly.js under, with its version: ``plotly-4.1.1.min.js``.

    A new plotly.js version gets a new name, so no browser keeps an old copy from its cache.
    """
    from plotly.offline import get_plotlyjs_version

    return f"plotly-{get_plotlyjs_version()}.min.js"


def _load_plotly_js(app, pagename, templatename, context, doctree) -> None:
    """html-page-context: load plotly.js, deferred, on a page that shows an interactive figure."""
    if f'class="{MARKER_CLASS}"' in context.get("body", ""):
        app.add_js_file(plotly_js_name(), loading_method="defer")


def _copy_plotly_js(app, exception) -> None:
    """build-finished: copy the pinned plotly.js into the book's static files."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / STATIC_FOLDER / plotly_js_name()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = plotly_js_path()
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        target.write_bytes(source.read_bytes())


def setup(app) -> dict:
    """Sphinx extension (``sphinx.extra_extensions`` in ``_config.yml``): plotly.js for the book's pages."""
    plotly_js_path()  # fail at the start of the build, not at its end, if plotly ships no plotly.js
    app.connect("html-page-context", _load_plotly_js)
    app.connect("build-finished", _copy_plotly_js)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
