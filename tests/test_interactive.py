"""utils.interactive: interactive plotly figures in the book (no kernel), JupyterLab and Colab.

What a browser makes of the output is tests/test_browser.py's job (it draws every interactive
figure of the built book, moves its slider or hovers its points, and fails where plotly.js did not
load); here: the output itself, the input checks, and the Sphinx extension that serves plotly.js.
"""

from __future__ import annotations

from utils import interactive
from utils.interactive import add_slider, interactive_bundle, plotly_js_name, plotly_js_path, show_interactive

import json
import re
import sys
import types
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PLOTLY_MIME = "application/vnd.plotly.v1+json"
ALT = "Accuracy rises from 61.0% at 100 examples to 84.5% at 2,000."
GOOD = {"name": "fig-test-explorer", "caption": "A test figure; move the slider.", "alt": ALT}


def _figure(**layout) -> go.Figure:
    x = np.arange(1, 101, dtype="float32")
    return go.Figure(go.Scatter(x=x, y=np.sqrt(x), name="curve"), layout=layout)


def _embedded(page: str, name: str) -> dict:
    """The figure data a page's HTML carries for figure ``name``."""
    match = re.search(rf'<script type="application/json" id="{name}-data">(.*?)</script>', page, re.S)
    assert match, page[:500]
    return json.loads(match.group(1))


# ------------------------------------------------------------------ the output


def test_the_bundle_carries_html_plotlys_mime_type_and_text():
    bundle = interactive_bundle(_figure(), **GOOD)
    assert set(bundle) == {"text/html", PLOTLY_MIME, "text/plain"}
    page = bundle["text/html"]
    assert '<figure class="course-interactive" id="fig-test-explorer"' in page
    assert 'id="fig-test-explorer-plot"' in page and "Plotly.newPlot" in page
    assert "A test figure; move the slider." in page and ALT in page
    assert "<script src" not in page and "cdn" not in page.lower(), "the book loads plotly.js, not the output"
    figure = _embedded(page, "fig-test-explorer")
    assert figure == bundle[PLOTLY_MIME], "the book and JupyterLab draw the same figure"
    assert figure["config"] == interactive.CONFIG and figure["layout"]["height"] == 450
    assert figure["data"][0]["name"] == "curve"
    assert bundle["text/plain"] == f"Interactive figure (fig-test-explorer). {GOOD['caption']}\n{ALT}"


def test_the_data_round_trips_and_cannot_end_its_script_element():
    hostile = '</script><script>alert("x")</script> & <b>'
    bundle = interactive_bundle(go.Figure(go.Bar(x=[hostile], y=[1.5])), **GOOD)
    page = bundle["text/html"]
    data = page.split('id="fig-test-explorer-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    assert _embedded(page, "fig-test-explorer")["data"][0]["x"] == [hostile]
    escaped = interactive_bundle(_figure(), **{**GOOD, "caption": "a < b & c", "alt": ALT + " <i>"})[
        "text/html"
    ]
    assert "a &lt; b &amp; c" in escaped and "&lt;i&gt;" in escaped


def test_the_course_template_applies_unless_the_figure_has_its_own_and_the_figure_is_not_changed():
    fig = _figure()
    before = fig.to_json()
    figure = interactive_bundle(fig, **GOOD)[PLOTLY_MIME]
    assert fig.to_json() == before, "the caller's figure is left as it was"
    assert figure["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
    own = interactive_bundle(_figure(template="plotly_dark"), **GOOD)[PLOTLY_MIME]
    assert own["layout"]["template"]["layout"]["plot_bgcolor"] != "white"


def test_height_comes_from_the_argument_or_the_layout():
    assert interactive_bundle(_figure(height=380), **GOOD)[PLOTLY_MIME]["layout"]["height"] == 380
    bundle = interactive_bundle(_figure(height=380), **GOOD, height=520)
    assert bundle[PLOTLY_MIME]["layout"]["height"] == 520 and "height:520px" in bundle["text/html"]


def test_float32_data_stays_compact():
    x = np.linspace(0, 1, 5000, dtype="float32")
    figure = interactive_bundle(go.Figure(go.Scatter(x=x, y=x)), **GOOD)[PLOTLY_MIME]
    assert figure["data"][0]["x"]["dtype"] == "f4", "numpy arrays travel as typed arrays (base64)"
    assert len(json.dumps(figure)) < 60_000


@pytest.mark.parametrize(
    "change, message",
    [
        ({"fig": "not a figure"}, "fig must be a plotly figure"),
        ({"fig": go.Figure()}, "fig has no traces"),
        ({"name": "Fig 1"}, "name must be lower-case letters"),
        ({"name": "-fig"}, "name must be lower-case letters"),
        ({"name": None}, "name must be lower-case letters"),
        ({"caption": "  "}, "caption must be a non-empty string"),
        ({"alt": ""}, "alt must be a non-empty string"),
        (
            {"alt": "Accuracy rises with more data, as expected here."},
            "alt must give the figure's key numbers",
        ),
        ({"alt": "Rises to 84.5%."}, "8 to 90 words"),
        ({"alt": "word " * 90 + "85%"}, "8 to 90 words"),
        ({"height": 100}, "height must be an integer from 150 to 2000"),
        ({"height": 500.0}, "height must be an integer"),
    ],
)
def test_bad_arguments_are_refused(change, message):
    args = {"fig": _figure(), **GOOD, **change}
    fig = args.pop("fig")
    with pytest.raises(ValueError, match=re.escape(message)):
        interactive_bundle(fig, **args)


def test_a_figure_too_heavy_for_a_page_is_refused():
    x = np.random.default_rng(0).random(60_000)  # float64: ~640 kB of base64
    with pytest.raises(ValueError, match=r"fig-test-explorer: the figure's data is \d+ kB of JSON"):
        interactive_bundle(go.Figure(go.Scatter(x=x, y=x)), **GOOD)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        show_interactive(_figure(), "fig-x", "caption", ALT)


# ------------------------------------------------------------------ where it is shown


@pytest.fixture
def shown(monkeypatch):
    """Everything show_interactive displays, as (object, kwargs) pairs."""
    import IPython.display

    calls = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: calls.extend((o, kw) for o in objs))
    return calls


def test_outside_colab_the_bundle_is_displayed_raw(shown, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    show_interactive(_figure(), **GOOD)
    assert len(shown) == 1
    bundle, kwargs = shown[0]
    assert kwargs == {"raw": True} and bundle == interactive_bundle(_figure(), **GOOD)


def test_in_colab_plotlys_colab_renderer_draws_it_then_the_caption_and_alt(shown, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    show_interactive(_figure(), **GOOD)
    assert len(shown) == 2
    (colab, kwargs), (text, _) = shown
    page = colab["text/html"]
    assert kwargs == {"raw": True} and set(colab) == {"text/html"}
    assert f"cdn.plot.ly/plotly-{plotly_js_name().removeprefix('plotly-')}" in page, (
        "Colab needs plotly.js inline"
    )
    assert "Plotly.newPlot" in page and '"name":"curve"' in page and '"displaylogo": false' in page
    assert GOOD["caption"] in text.data and ALT in text.data


def test_nothing_is_shown_for_bad_arguments(shown):
    with pytest.raises(ValueError):
        show_interactive(_figure(), **{**GOOD, "alt": "no numbers in this text at all, none"})
    assert shown == []


# ------------------------------------------------------------------ plotly.js for the book


def test_plotly_js_is_the_pinned_packages_own_and_named_by_its_version():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    assert plotly.__version__ == pins["plotly"], "install requirements.txt: the pinned plotly"
    head = plotly_js_path().read_text(encoding="utf-8")[:200]
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", head).group(1)
    assert plotly_js_name() == f"plotly-{version}.min.js"
    assert plotly_js_path().stat().st_size > 1_000_000, "the whole library, minified"


class _App:
    """The parts of a Sphinx application the extension uses."""

    def __init__(self, outdir, fmt="html"):
        self.outdir, self.builder = str(outdir), types.SimpleNamespace(format=fmt)
        self.js, self.connected = [], {}

    def add_js_file(self, filename, **kwargs):
        self.js.append((filename, kwargs))

    def connect(self, event, handler):
        self.connected[event] = handler


def test_the_extension_loads_plotly_js_only_on_pages_with_an_interactive_figure(tmp_path):
    app = _App(tmp_path)
    assert interactive.setup(app)["parallel_read_safe"]
    on_page = app.connected["html-page-context"]
    on_page(app, "chapters/02_baseline", "page.html", {"body": "<p>no figure here</p>"}, None)
    assert app.js == []
    body = interactive_bundle(_figure(), **GOOD)["text/html"]
    on_page(app, "chapters/03_when_dropout_helps", "page.html", {"body": body}, None)
    assert app.js == [(plotly_js_name(), {"loading_method": "defer"})]


def test_the_extension_copies_plotly_js_into_the_html_static_folder(tmp_path):
    app = _App(tmp_path)
    interactive.setup(app)
    app.connected["build-finished"](app, None)
    copied = tmp_path / "_static" / plotly_js_name()
    assert copied.read_bytes() == plotly_js_path().read_bytes()
    for other in (_App(tmp_path / "latex", fmt="latex"), _App(tmp_path / "failed")):
        app.connected["build-finished"](other, None if other.builder.format == "latex" else RuntimeError())
        assert not (Path(other.outdir) / "_static").exists(), "only a finished HTML build gets plotly.js"


def test_the_book_uses_the_extension():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "utils.interactive" in config["sphinx"]["extra_extensions"]
    assert not (ROOT / "_static").exists() or not list((ROOT / "_static").glob("plotly*.js")), (
        "plotly.js comes from the pinned package at build time; a copy in _static/ would be loaded on every page"
    )


# ------------------------------------------------------------------ the slider


def _groups(n_steps: int, per_step: int, extra: int = 0) -> go.Figure:
    fig = go.Figure()
    for k in range(n_steps * per_step + extra):
        fig.add_trace(go.Scatter(x=[0, 1], y=[k, k], name=f"trace {k}"))
    return fig


def test_the_slider_shows_one_group_of_traces_per_step_and_keeps_the_last_ones():
    fig = _groups(3, 2, extra=1)
    assert (
        add_slider(fig, ["a", "b", "c"], titles=["A", "B", "C"], active=1, prefix="p: ", keep_last=1) is fig
    )
    assert [t.visible for t in fig.data] == [False, False, True, True, False, False, True]
    slider = fig.layout.sliders[0]
    assert slider.active == 1 and slider.currentvalue.prefix == "p: " and fig.layout.title.text == "B"
    steps = [(s.label, s.args[0]["visible"], s.args[1]["title.text"]) for s in slider.steps]
    assert steps == [
        ("a", [True, True, False, False, False, False, True], "A"),
        ("b", [False, False, True, True, False, False, True], "B"),
        ("c", [False, False, False, False, True, True, True], "C"),
    ]
    figure = interactive_bundle(fig, **GOOD)[PLOTLY_MIME]  # survives the trip to JSON
    assert figure["layout"]["sliders"][0]["steps"][2]["args"][0]["visible"][-3:] == [True, True, True]


def test_a_slider_without_titles_leaves_the_title_alone():
    fig = add_slider(_groups(2, 1, extra=0).update_layout(title_text="mine"), [1, 2])
    assert fig.layout.title.text == "mine" and fig.layout.sliders[0].steps[1].args[1] == {}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"labels": ["a"]}, "number of slider labels must be an integer"),
        ({"labels": ["a", "b", "c", "d"]}, "do not split into 4 equal groups"),
        ({"labels": ["a", "b"], "keep_last": 1}, "do not split into 2 equal groups"),
        ({"labels": ["a", "b"], "active": 2}, "active must be an integer from 0 to 1"),
        ({"labels": ["a", "b"], "titles": ["only one"]}, "one title per slider step (2), got 1"),
        ({"labels": ["a", "b"], "keep_last": 6}, "keep_last must be an integer from 0 to 5"),
    ],
)
def test_bad_sliders_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        add_slider(_groups(3, 2), **kwargs)
