"""Training curves without matplotlib: SVG line charts and one-line terminal sparklines.

Handles: several named series in one chart (each a list of y values, or an (xs, ys) pair), an
optional second y-axis on the right for series on another scale (loss left, accuracy right),
"nice" tick values, a legend, NaN/inf values as gaps, a log-scaled y-axis, and Unicode sparklines
(`▁▂▃▄▅▆▇█`) that shrink a long run to a fixed width by averaging buckets.
Does not handle: bar/scatter plots, interactive zoom, fonts beyond the SVG default, PNG output.

    from tinygrad_lm import plot
    plot.line_chart({"train loss": losses, "val acc": accs}, "runs/curve.svg",
                    title="week 2 sentiment", xlabel="step", right_axis=["val acc"])
    print(plot.sparkline(losses, width=40))    # ▇▆▄▃▃▂▂▁▁▁ ...

The SVG is plain text: open it in a browser or an editor, or commit it next to a README.
"""
import math
from xml.sax.saxutils import escape

import numpy as np

# A colour-blind-safe palette (Okabe-Ito), cycled if there are more series.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
SPARK_CHARS = "▁▂▃▄▅▆▇█"


# ---- terminal sparkline ---------------------------------------------------------------------
def sparkline(values, width: int | None = None, lo: float | None = None, hi: float | None = None) -> str:
    """One character per value, from ▁ (the minimum) to █ (the maximum); NaN/inf become spaces.

    width: if given and smaller than len(values), consecutive values are averaged into `width`
           buckets, so a 10,000-step loss curve fits on one line.
    lo, hi: fix the scale (e.g. 0 and 1 for accuracies); default: min and max of the finite values.
    """
    y = np.asarray(list(values), dtype=np.float64).reshape(-1)
    if y.size == 0:
        return ""
    if width is not None:
        if int(width) < 1:
            raise ValueError(f"sparkline width must be >= 1, got {width}")
        if y.size > width:
            edges = np.linspace(0, y.size, int(width) + 1).astype(np.int64)
            y = np.array([_nanmean(y[a:b]) for a, b in zip(edges[:-1], edges[1:])], dtype=np.float64)
    finite = np.isfinite(y)
    if not finite.any():
        return " " * y.size
    lo = float(y[finite].min()) if lo is None else float(lo)
    hi = float(y[finite].max()) if hi is None else float(hi)
    n = len(SPARK_CHARS)
    out = []
    for v in y:
        if not math.isfinite(v):
            out.append(" ")
        elif hi <= lo:
            out.append(SPARK_CHARS[n // 2 - 1])          # a flat series sits mid-height
        else:
            level = int(round((min(max(v, lo), hi) - lo) / (hi - lo) * (n - 1)))
            out.append(SPARK_CHARS[level])
    return "".join(out)


def _nanmean(a):
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


# ---- axis helpers -----------------------------------------------------------------------------
def nice_ticks(lo: float, hi: float, n: int = 5) -> list:
    """About `n` round tick values (multiples of 1, 2 or 5 x 10^k) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"nice_ticks needs finite bounds, got {lo}, {hi}")
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step + 1e-9) * step
    count = int(math.ceil(hi / step - 1e-9) - math.floor(lo / step + 1e-9))
    ticks = [round(start + k * step, 12) for k in range(count + 1)]
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.1e}"
    return f"{v:.6g}"


def _series_xy(name, s):
    """Accept ys, or (xs, ys); return float64 arrays of equal length."""
    try:
        if isinstance(s, tuple) and len(s) == 2:
            xs, ys = (np.asarray(list(a), dtype=np.float64).reshape(-1) for a in s)
        else:
            ys = np.asarray(list(s), dtype=np.float64).reshape(-1)
            xs = np.arange(ys.size, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"series {name!r}: values must be numbers (a list of floats, or a tuple (xs, ys)); {e}") from None
    if xs.size != ys.size:
        raise ValueError(f"series {name!r}: {xs.size} x values but {ys.size} y values")
    return xs, ys


def _axis_range(arrays, log):
    vals = np.concatenate([a[np.isfinite(a) & ((a > 0) if log else True)] for a in arrays] or [np.zeros(0)])
    if vals.size == 0:
        return (0.0, 1.0)
    if log:
        vals = np.log10(vals)
    lo, hi = float(vals.min()), float(vals.max())
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    return lo, hi


# ---- SVG line chart ---------------------------------------------------------------------------
def line_chart(series: dict, path=None, title: str = "", xlabel: str = "", ylabel: str = "",
               right_axis=(), right_label: str = "", logy: bool = False,
               width: int = 720, height: int = 420) -> str:
    """Draw named series as lines; return the SVG text and write it to `path` if given.

    series:     {"name": ys} or {"name": (xs, ys)}; ys without xs are plotted at x = 0, 1, 2, ...
    right_axis: names of series drawn against a second y-axis on the right (another scale).
    logy:       log10 scale for the left axis (non-positive values become gaps).
    """
    if not isinstance(series, dict) or not series:
        raise ValueError("line_chart needs a non-empty dict {name: values}")
    right = [k for k in right_axis]
    unknown = [k for k in right if k not in series]
    if unknown:
        raise ValueError(f"right_axis names {unknown} are not series; series are {list(series)}")
    data = {name: _series_xy(name, s) for name, s in series.items()}

    ml, mr, mt, mb = 70, (70 if right else 20), (40 if title else 20), 55
    pw, ph = width - ml - mr, height - mt - mb
    left_names = [k for k in data if k not in right]

    x_lo, x_hi = _axis_range([xy[0] for xy in data.values()], log=False)
    xt = nice_ticks(x_lo, x_hi, 6)
    x_lo, x_hi = min(x_lo, xt[0]), max(x_hi, xt[-1])
    axes = {}
    for side, names, log in (("left", left_names, logy), ("right", right, False)):
        if not names:
            continue
        lo, hi = _axis_range([data[k][1] for k in names], log)
        ticks = nice_ticks(lo, hi, 5)
        axes[side] = (min(lo, ticks[0]), max(hi, ticks[-1]), ticks, log)

    def px(x):
        return ml + (x - x_lo) / (x_hi - x_lo) * pw

    def py(y, side):
        lo, hi, _, _ = axes[side]
        return mt + ph - (y - lo) / (hi - lo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.1f}" y="24" text-anchor="middle" font-size="15">{escape(title)}</text>')
    # grid + tick labels
    for t in xt:
        x = px(t)
        out.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{mt + ph}" stroke="#e6e6e6"/>')
        out.append(f'<text x="{x:.1f}" y="{mt + ph + 16}" text-anchor="middle">{_fmt(t)}</text>')
    for side, (lo, hi, ticks, log) in axes.items():
        for t in ticks:
            y = py(t, side)
            label = _fmt(10.0 ** t) if log else _fmt(t)
            if side == "left":
                out.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{ml + pw}" y2="{y:.1f}" stroke="#e6e6e6"/>')
                out.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
            else:
                out.append(f'<text x="{ml + pw + 6}" y="{y + 4:.1f}" text-anchor="start">{label}</text>')
    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    if xlabel:
        out.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 12}" text-anchor="middle">{escape(xlabel)}</text>')
    if ylabel:
        out.append(f'<text transform="translate(16,{mt + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
                   f'{escape(ylabel)}</text>')
    if right_label:
        out.append(f'<text transform="translate({width - 14},{mt + ph / 2:.1f}) rotate(90)" '
                   f'text-anchor="middle">{escape(right_label)}</text>')
    # the lines: one <polyline> per unbroken run of finite points
    for i, (name, (xs, ys)) in enumerate(data.items()):
        side = "right" if name in right else "left"
        log = axes[side][3]
        with np.errstate(divide="ignore", invalid="ignore"):
            yv = np.log10(ys) if log else ys
        ok = np.isfinite(xs) & np.isfinite(yv)
        colour = PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="6 3"' if side == "right" else ""
        run = []
        for j in range(xs.size + 1):
            if j < xs.size and ok[j]:
                run.append(f"{px(xs[j]):.1f},{py(yv[j], side):.1f}")
                continue
            if len(run) == 1:
                x, y = run[0].split(",")
                out.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
            elif run:
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8"{dash} '
                           f'points="{" ".join(run)}"><title>{escape(name)}</title></polyline>')
            run = []
    # legend: top-right inside the plot, on a white box so it stays readable over the lines
    lx, lw = ml + pw - 170, 164
    out.append(f'<rect x="{lx - 6}" y="{mt + 4}" width="{lw}" height="{16 * len(data) + 6}" '
               f'fill="white" fill-opacity="0.85" stroke="#ccc"/>')
    for i, name in enumerate(data):
        side = "right" if name in right else "left"
        colour = PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="6 3"' if side == "right" else ""
        ly = mt + 18 + 16 * i
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 22}" y2="{ly - 4}" stroke="{colour}" '
                   f'stroke-width="2.5"{dash}/>')
        suffix = " (right axis)" if side == "right" else ""
        out.append(f'<text x="{lx + 28}" y="{ly}">{escape(str(name) + suffix)}</text>')
    out.append("</svg>")
    svg = "\n".join(out) + "\n"
    if path is not None:
        import os
        os.makedirs(os.path.dirname(os.path.abspath(str(path))), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg)
    return svg
