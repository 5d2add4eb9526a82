"""Training curves without matplotlib: SVG line charts, heatmaps and one-line terminal sparklines.

Handles: several named series in one chart (each a list of y values, or an (xs, ys) pair), an
optional second y-axis on the right for series on another scale (loss left, accuracy right),
"nice" tick values, a legend, NaN/inf values as gaps, a log-scaled y-axis, Unicode sparklines
(`▁▂▃▄▅▆▇█`) that shrink a long run to a fixed width by averaging buckets, and heatmaps: one or
several same-shaped matrices (e.g. one attention map per head) on one colour scale, with row and
column labels and a colour bar.
Also: `interval_chart`, grouped dots with error bars (scores per system with their intervals).
Does not handle: bar/scatter plots, interactive zoom, fonts beyond the SVG default, PNG output.

    from tinygrad_lm import plot
    plot.line_chart({"train loss": losses, "val acc": accs}, "runs/curve.svg",
                    title="week 2 sentiment", xlabel="step", right_axis=["val acc"])
    print(plot.sparkline(losses, width=40))    # ▇▆▄▃▃▂▂▁▁▁ ...
    plot.heatmap({"head 1": w[0], "head 2": w[1]}, "runs/attn.svg", row_labels=chars, col_labels=chars)

The SVG is plain text: open it in a browser or an editor, or commit it next to a README.
"""
import math
from xml.sax.saxutils import escape

import numpy as np

# A colour-blind-safe palette (Okabe-Ito), cycled if there are more series.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
SPARK_CHARS = "▁▂▃▄▅▆▇█"


# ---- terminal sparkline ---------------------------------------------------------------------

def _finish(out: list, path):
    """Close the SVG, write it to `path` if given (folders created), return the text."""
    svg = "\n".join(out + ["</svg>"]) + "\n"
    if path is not None:
        import os
        os.makedirs(os.path.dirname(os.path.abspath(str(path))), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg)
    return svg

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
    return _finish(out, path)


# ---- SVG heatmap ------------------------------------------------------------------------------
HEAT_LOW, HEAT_HIGH, HEAT_NAN = (255, 255, 255), (8, 48, 107), "#d9d9d9"     # white -> dark blue; NaN grey


def _heat_colour(v: float, lo: float, hi: float) -> str:
    """Linear blend HEAT_LOW -> HEAT_HIGH for v in [lo, hi] (clamped); "" for the background colour."""
    if not math.isfinite(v):
        return HEAT_NAN
    t = 0.5 if hi <= lo else min(max((v - lo) / (hi - lo), 0.0), 1.0)
    rgb = tuple(int(round(a + t * (b - a))) for a, b in zip(HEAT_LOW, HEAT_HIGH))
    return "" if rgb == HEAT_LOW else "#%02x%02x%02x" % rgb


def heatmap(panels, path=None, row_labels=None, col_labels=None, title: str = "", xlabel: str = "",
            ylabel: str = "", vmin: float | None = None, vmax: float | None = None, columns: int | None = None,
            cell: int | None = None) -> str:
    """Draw one or more matrices as grids of coloured cells; return the SVG text, write it to `path` if given.

    panels:     a 2-D array (R, K), or {"name": 2-D array} with every array the same shape (one panel
                each, e.g. one attention map per head; panels are laid out `columns` per row).
    row_labels, col_labels: R and K strings (e.g. the characters of a sentence), drawn left of each
                panel row and (rotated) under each panel.
    vmin, vmax: the colour scale shared by all panels (white at vmin, dark blue at vmax, clamped);
                default: the smallest / largest finite value. NaN/inf cells are grey.
    cell:       pixels per cell (default: fits a panel into ~480 px, between 4 and 18).
    """
    if not isinstance(panels, dict):
        panels = {"": panels}
    if not panels:
        raise ValueError("heatmap needs a non-empty dict {name: 2-D array} or one 2-D array")
    mats = {}
    for name, m in panels.items():
        try:
            a = np.asarray(m, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise TypeError(f"heatmap panel {name!r}: values must be numbers; {e}") from None
        if a.ndim != 2 or a.size == 0:
            raise ValueError(f"heatmap panel {name!r}: expected a non-empty 2-D array (rows, columns), got shape {a.shape}")
        mats[str(name)] = a
    R, K = next(iter(mats.values())).shape
    bad = {n: a.shape for n, a in mats.items() if a.shape != (R, K)}
    if bad:
        raise ValueError(f"heatmap panels must all have the same shape; the first is {(R, K)}, these differ: {bad}")
    for labels, n, what in ((row_labels, R, "row_labels"), (col_labels, K, "col_labels")):
        if labels is not None and len(labels) != n:
            raise ValueError(f"heatmap: {what} has {len(labels)} entries but the matrices have {n} {what[:3]}s")
    finite = np.concatenate([a[np.isfinite(a)] for a in mats.values()])
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        raise ValueError(f"heatmap: need finite vmin <= vmax, got {lo}, {hi}")

    cell = int(cell) if cell else max(4, min(18, 480 // max(R, K)))
    ncol = max(1, min(int(columns) if columns else 4, len(mats)))
    nrow = (len(mats) + ncol - 1) // ncol
    font = max(7, min(12, cell - 2))
    chars = lambda labels: max((len(str(s)) for s in labels), default=0) if labels is not None else 0  # noqa: E731
    lab_l = 8 + int(0.62 * font * chars(row_labels)) if row_labels is not None else 4      # row-label margin
    lab_b = 8 + int(0.62 * font * chars(col_labels)) if col_labels is not None else 4      # col-label margin
    pw, ph = K * cell, R * cell                                                            # one panel
    head = 20 if any(mats) else 4                                                          # panel titles
    box_w, box_h = lab_l + pw + 16, head + ph + lab_b + 10
    ml, mt, bar_w = 28 if ylabel else 8, (36 if title else 10), 70
    width = ml + ncol * box_w + bar_w
    height = mt + nrow * box_h + (28 if xlabel else 8)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{font}">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.1f}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>')
    for i, (name, a) in enumerate(mats.items()):
        x0 = ml + (i % ncol) * box_w + lab_l
        y0 = mt + (i // ncol) * box_h + head
        if name:
            out.append(f'<text x="{x0 + pw / 2:.1f}" y="{y0 - 6}" text-anchor="middle" font-size="13">'
                       f'{escape(name)}</text>')
        for r in range(R):                      # background cells (value == vmin) are left out: smaller files
            for k in range(K):
                colour = _heat_colour(float(a[r, k]), lo, hi)
                if colour:
                    out.append(f'<rect x="{x0 + k * cell}" y="{y0 + r * cell}" width="{cell}" height="{cell}" '
                               f'fill="{colour}"/>')
        out.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
        if row_labels is not None:
            for r, s in enumerate(row_labels):
                out.append(f'<text x="{x0 - 3}" y="{y0 + (r + 0.5) * cell + font * 0.35:.1f}" '
                           f'text-anchor="end">{escape(str(s))}</text>')
        if col_labels is not None:
            for k, s in enumerate(col_labels):
                cx, cy = x0 + (k + 0.5) * cell + font * 0.35, y0 + ph + 3
                out.append(f'<text transform="translate({cx:.1f},{cy:.1f}) rotate(-90)" text-anchor="end">'
                           f'{escape(str(s))}</text>')
    # colour bar: 10 bands from vmin (bottom) to vmax (top)
    bx, by, bh = width - bar_w + 10, mt + head, min(200, max(80, ph))
    for j in range(10):
        v = lo + (hi - lo) * (j + 0.5) / 10
        out.append(f'<rect x="{bx}" y="{by + bh - (j + 1) * bh / 10:.1f}" width="14" height="{bh / 10:.1f}" '
                   f'fill="{_heat_colour(v, lo, hi) or "#ffffff"}"/>')
    out.append(f'<rect x="{bx}" y="{by}" width="14" height="{bh}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{bx + 18}" y="{by + 4}" font-size="11">{_fmt(hi)}</text>')
    out.append(f'<text x="{bx + 18}" y="{by + bh + 4}" font-size="11">{_fmt(lo)}</text>')
    if xlabel:
        out.append(f'<text x="{width / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="12">'
                   f'{escape(xlabel)}</text>')
    if ylabel:
        out.append(f'<text transform="translate(16,{mt + nrow * box_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
                   f'font-size="12">{escape(ylabel)}</text>')
    return _finish(out, path)


# ---- SVG dot chart with intervals -------------------------------------------------------------

def interval_chart(categories, series: dict, path=None, title: str = "", ylabel: str = "",
                   width: int = 760, height: int = 400) -> str:
    """Grouped dots with error bars: one group per category, one dot per series; return the SVG text.

    categories: K labels along the x-axis (e.g. metric names).
    series:     {"name": [(value, lo, hi), ...]} with K triples each (lo / hi may be None: no bar;
                a value of None leaves the dot out), e.g. one system's score per metric with its 95% interval.
    """
    cats = [str(c) for c in categories]
    if not cats or not isinstance(series, dict) or not series:
        raise ValueError("interval_chart needs categories and a non-empty dict {name: [(value, lo, hi), ...]}")
    for name, pts in series.items():
        if len(pts) != len(cats):
            raise ValueError(f"interval_chart: series {name!r} has {len(pts)} points for {len(cats)} categories")
        for p in pts:
            if p is not None and (not isinstance(p, (tuple, list)) or len(p) != 3):
                raise ValueError(f"interval_chart: series {name!r}: each point must be (value, lo, hi), got {p!r}")
    vals = [float(v) for pts in series.values() for p in pts if p is not None for v in p if v is not None]
    if not vals or not all(math.isfinite(v) for v in vals):
        raise ValueError("interval_chart: need at least one finite value and no NaN/inf")
    lo, hi = min(0.0, min(vals)), max(vals)
    ticks = nice_ticks(lo, hi if hi > lo else lo + 1, 6)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    ml, mr, mt, mb = 60, 20, (40 if title else 20), 70
    pw, ph = width - ml - mr, height - mt - mb
    Y = lambda v: mt + ph - (v - lo) / (hi - lo) * ph          # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.1f}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>')
    for t in ticks:
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{Y(t):.1f}" y2="{Y(t):.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{ml - 6}" y="{Y(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    if ylabel:
        out.append(f'<text x="14" y="{mt + ph / 2:.1f}" text-anchor="middle" '
                   f'transform="rotate(-90 14 {mt + ph / 2:.1f})">{escape(ylabel)}</text>')
    gw, S = pw / len(cats), len(series)
    for k, c in enumerate(cats):
        out.append(f'<text x="{ml + (k + 0.5) * gw:.1f}" y="{mt + ph + 18}" text-anchor="middle">{escape(c)}</text>')
        for s, (name, pts) in enumerate(series.items()):
            p = pts[k]
            if p is None or p[0] is None:
                continue
            x = ml + k * gw + gw * (s + 1) / (S + 1)
            col = PALETTE[s % len(PALETTE)]
            if p[1] is not None and p[2] is not None:
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{Y(p[1]):.1f}" y2="{Y(p[2]):.1f}" '
                           f'stroke="{col}" stroke-width="2"/>')
                for v in (p[1], p[2]):
                    out.append(f'<line x1="{x - 4:.1f}" x2="{x + 4:.1f}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" '
                               f'stroke="{col}" stroke-width="2"/>')
            out.append(f'<circle cx="{x:.1f}" cy="{Y(p[0]):.1f}" r="4" fill="{col}"/>')
    lx = ml
    for s, name in enumerate(series):                            # legend under the axis
        col = PALETTE[s % len(PALETTE)]
        out.append(f'<circle cx="{lx + 6}" cy="{height - 18}" r="5" fill="{col}"/>')
        out.append(f'<text x="{lx + 16}" y="{height - 14}">{escape(str(name))}</text>')
        lx += 30 + 8 * len(str(name))
    return _finish(out, path)
