"""tinygrad_lm.plot: SVG line charts are valid XML with the right lines; sparklines scale correctly."""
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tinygrad_lm import plot

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    return ET.fromstring(svg)


def test_sparkline_min_max_and_length():
    s = plot.sparkline([3.0, 2.0, 1.0, 0.0])
    assert len(s) == 4
    assert s[0] == "█" and s[-1] == "▁"
    assert s == "█▆▃▁"


def test_sparkline_width_buckets_and_fixed_scale():
    s = plot.sparkline(np.linspace(1.0, 0.0, 1000), width=20)
    assert len(s) == 20 and s[0] == "█" and s[-1] == "▁"
    assert plot.sparkline([0.5], lo=0.0, hi=1.0) in ("▄", "▅")
    assert plot.sparkline([2.0, 2.0, 2.0]) == "▄▄▄"       # flat series: mid height, no divide by zero
    assert plot.sparkline([]) == ""
    with pytest.raises(ValueError):
        plot.sparkline([1, 2], width=0)


def test_sparkline_nan_is_a_gap():
    s = plot.sparkline([1.0, float("nan"), 2.0, math.inf])
    assert s == "▁ █ "
    assert plot.sparkline([float("nan")] * 3) == "   "


@pytest.mark.parametrize("lo,hi", [(0, 1), (0.37, 2.9), (-3, 7), (5, 5), (1e-4, 3e-4), (0, 12345)])
def test_nice_ticks_cover_range(lo, hi):
    t = plot.nice_ticks(lo, hi)
    assert t[0] <= lo + 1e-12 and t[-1] >= hi - 1e-12
    assert 2 <= len(t) <= 12
    steps = np.diff(t)
    assert np.allclose(steps, steps[0])


def test_line_chart_writes_valid_svg(tmp_path):
    path = tmp_path / "sub" / "curve.svg"
    loss = np.exp(-np.arange(50) / 10.0)
    svg = plot.line_chart({"train loss": loss, "val acc": ([0, 10, 20, 30, 40], [0.5, 0.7, 0.8, 0.85, 0.86])},
                          path, title="a <b> & c", xlabel="step", ylabel="loss", right_axis=["val acc"])
    assert path.read_text(encoding="utf-8") == svg
    root = _parse(svg)                                           # well-formed XML (title escaped)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert len(lines[0].get("points").split()) == 50
    assert len(lines[1].get("points").split()) == 5
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "a <b> & c" in texts and "step" in texts
    # every point lies inside the drawing area
    w, h = float(root.get("width")), float(root.get("height"))
    for pl in lines:
        for pt in pl.get("points").split():
            x, y = map(float, pt.split(","))
            assert 0 <= x <= w and 0 <= y <= h


def test_line_chart_gaps_and_log(tmp_path):
    y = [1.0, 0.5, float("nan"), 0.2, 0.1, 0.05]
    root = _parse(plot.line_chart({"loss": y}))
    assert len(root.findall(f"{SVG}polyline")) == 2              # NaN splits the line
    root = _parse(plot.line_chart({"loss": [10.0, 1.0, 0.0, 0.1, 0.01]}, logy=True))
    assert len(root.findall(f"{SVG}polyline")) == 2              # 0 cannot be drawn on a log axis
    root = _parse(plot.line_chart({"one point": [3.0]}))
    assert len(root.findall(f"{SVG}circle")) == 1


def test_line_chart_bad_input():
    with pytest.raises(ValueError):
        plot.line_chart({})
    with pytest.raises(ValueError, match="right_axis"):
        plot.line_chart({"a": [1, 2]}, right_axis=["b"])
    with pytest.raises(ValueError, match="x values"):
        plot.line_chart({"a": ([0, 1, 2], [1, 2])})
    with pytest.raises(TypeError, match="series 'a': values must be numbers"):
        plot.line_chart({"a": ["x", "y"]})
