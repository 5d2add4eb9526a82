"""Assertions whose failure messages teach: what was expected, what came back, where, and a hint.

Handles: `assert_close` for arrays / scalars / Tensors (shape, NaN/inf, max abs and rel diff, first
mismatching index), `assert_equal` for exact values (strings: first differing character with context;
lists/tuples: length and first differing item; dicts: missing/extra/different keys; integer arrays).
The FIRST line of every message is a complete one-line reason: the grading summary shows only it.
The helpers set `__tracebackhide__`, so pytest's traceback ends at the test's own line.
Does not handle: comparing nested structures of arrays (compare them piece by piece, with names).
"""
import numpy as np

_MAX_SHOW = 60  # characters of a repr shown in a message


def _short(x) -> str:
    s = repr(x)
    return s if len(s) <= _MAX_SHOW else s[: _MAX_SHOW - 3] + "..."


def _fail(first_line: str, details=(), hint=None):
    __tracebackhide__ = True   # pytest shows the test's line, not this helper's
    lines = [first_line] + [f"  {d}" for d in details if d]
    if hint:
        lines.append(f"  hint: {hint}")
    raise AssertionError("\n".join(lines))


def _as_array(x, name: str, role: str):
    __tracebackhide__ = True   # pytest shows the test's line, not this helper's
    if x is None:
        _fail(f"{name}: {role} is None", ["did the function forget to `return` its result?"])
    data = getattr(x, "data", None)        # tinygrad_lm.Tensor (and torch-like objects) carry .data
    if isinstance(data, np.ndarray):
        x = data
    try:
        arr = np.asarray(x)
    except Exception as e:  # ragged lists etc.
        _fail(f"{name}: {role} cannot be turned into an array ({type(x).__name__}: {e})")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        _fail(f"{name}: {role} is not numeric (type {type(x).__name__}, dtype {arr.dtype}): {_short(x)}")
    return arr


def _fmt_index(idx) -> str:
    return "()" if len(idx) == 0 else "(" + ", ".join(str(int(i)) for i in idx) + (",)" if len(idx) == 1 else ")")


def assert_close(got, expected, atol: float = 1e-5, rtol: float = 1e-4, name: str = "result",
                 hint: str = None, check_dtype: bool = False) -> None:
    """Assert |got - expected| <= atol + rtol * |expected| elementwise, with a teaching message.

    got/expected: arrays, scalars, nested lists or Tensors. Shapes must match exactly (no
    broadcasting: a (3,) result where (3, 1) is expected is a real bug). NaN matches only NaN.
    check_dtype=True also requires the same dtype (e.g. float32 forward passes).
    """
    __tracebackhide__ = True
    g = _as_array(got, name, "the result")
    e = _as_array(expected, name, "the expected value")
    if g.shape != e.shape:
        _fail(f"{name}: shape mismatch: expected shape {e.shape}, got shape {g.shape}",
              [f"expected {_short(e)}", f"got      {_short(g)}"], hint)
    if check_dtype and g.dtype != e.dtype:
        _fail(f"{name}: dtype mismatch: expected {e.dtype}, got {g.dtype}",
              ["a float64 constant or np.zeros without dtype= silently upcasts float32 arrays"], hint)
    if g.size == 0:
        return
    g64, e64 = g.astype(np.float64), e.astype(np.float64)
    ok = np.isclose(g64, e64, atol=atol, rtol=rtol, equal_nan=True)
    if ok.all():
        return
    bad = ~ok
    n_bad = int(bad.sum())
    first = tuple(np.argwhere(bad)[0])
    details = []
    if np.isnan(g64).any() and not np.isnan(e64).any():
        nan_at = tuple(np.argwhere(np.isnan(g64))[0])
        details.append(f"the result contains NaN (first at index {_fmt_index(nan_at)}): overflow in exp, "
                       "log of 0 or 0/0? subtract the max before exp")
    elif np.isinf(g64).any() and not np.isinf(e64).any():
        inf_at = tuple(np.argwhere(np.isinf(g64))[0])
        details.append(f"the result contains inf (first at index {_fmt_index(inf_at)}): log of 0, division by 0 "
                       "or exp overflow?")
    with np.errstate(invalid="ignore", divide="ignore"):
        absdiff = np.where(bad, np.abs(g64 - e64), 0.0)
        absdiff = np.where(np.isnan(absdiff), np.inf, absdiff)
        reldiff = np.where(e64 != 0, absdiff / np.abs(e64), np.nan)     # undefined where expected is 0
    worst = tuple(np.unravel_index(int(np.argmax(absdiff)), absdiff.shape)) if g.ndim else ()
    at = f" at index {_fmt_index(worst)}" if g.ndim else ""
    worst_txt = f"expected {e64[worst]:.6g}, got {g64[worst]:.6g}"
    if g.ndim == 0:
        first_line = f"{name}: expected {e64[()]:.6g}, got {g64[()]:.6g}"
    else:
        first_line = f"{name}: {n_bad} of {g.size} values differ (shape {g.shape}); worst{at}: {worst_txt}"
    finite = bad & np.isfinite(absdiff)
    if finite.any():
        rel = reldiff[finite & ~np.isnan(reldiff)]
        rel_txt = (f"max rel diff {np.max(rel):.3g}" if rel.size else "rel diff undefined (expected 0)")
        if rel.size and rel.size < int(finite.sum()):
            rel_txt += " where expected != 0"
        details.append(f"max abs diff {np.max(absdiff[finite]):.3g}, {rel_txt} "
                       f"(tolerance: atol={atol:g}, rtol={rtol:g})")
    if g.ndim and first != worst:
        details.append(f"first mismatch at index {_fmt_index(first)}: expected {e64[first]:.6g}, got {g64[first]:.6g}")
    _fail(first_line, details, hint)


def _first_str_diff(g: str, e: str) -> int:
    n = min(len(g), len(e))
    for i in range(n):
        if g[i] != e[i]:
            return i
    return n


def assert_equal(got, expected, name: str = "result", hint: str = None) -> None:
    """Assert got == expected exactly, pointing at the first difference.

    Strings: index of the first differing character with a little context. Lists/tuples: lengths and
    the first differing item (recursively described). Dicts: missing, extra and differing keys.
    Arrays: same shape and all elements equal (use assert_close for floats).
    """
    __tracebackhide__ = True
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        g, e = np.asarray(got), np.asarray(expected)
        if g.shape != e.shape:
            _fail(f"{name}: shape mismatch: expected shape {e.shape}, got shape {g.shape}", [], hint)
        neq = g != e
        if np.any(neq):
            idx = tuple(np.argwhere(neq)[0])
            _fail(f"{name}: {int(neq.sum())} of {g.size} elements differ; first at index {_fmt_index(idx)}: "
                  f"expected {_short(e[idx].item())}, got {_short(g[idx].item())}", [], hint)
        return
    if got == expected:
        return
    if got is None:
        _fail(f"{name}: got None, expected {_short(expected)}", ["did the function forget to `return`?"], hint)
    if isinstance(expected, str) and isinstance(got, str):
        i = _first_str_diff(got, expected)
        lo = max(0, i - 20)
        if i == len(expected):          # expected is a prefix of got
            first = f"{name}: {len(got) - i} extra character(s) at the end (from character {i}): {got[i:i + 20]!r}"
        elif i == len(got):             # got is a prefix of expected
            first = (f"{name}: {len(expected) - i} character(s) missing at the end (from character {i}): "
                     f"expected {expected[i:i + 20]!r}")
        else:
            first = f"{name}: strings differ at character {i}: expected {expected[i]!r}, got {got[i]!r}"
        _fail(first,
              [f"expected {_short(expected)} (length {len(expected)})",
               f"got      {_short(got)} (length {len(got)})",
               f"context: expected ...{expected[lo:i + 20]!r}, got ...{got[lo:i + 20]!r}"], hint)
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        for i, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                _fail(f"{name}: first difference at item [{i}]: expected {_short(e)}, got {_short(g)}",
                      [f"lengths: expected {len(expected)}, got {len(got)}",
                       f"expected {_short(expected)}", f"got      {_short(got)}"], hint)
        longer, role = (got, "got") if len(got) > len(expected) else (expected, "expected")
        n = min(len(got), len(expected))
        _fail(f"{name}: length differs: expected {len(expected)} items, got {len(got)} "
              f"(first {n} agree; next {role} item: {_short(longer[n])})",
              [f"expected {_short(expected)}", f"got      {_short(got)}"], hint)
    if isinstance(expected, dict) and isinstance(got, dict):
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        diff = [k for k in expected if k in got and got[k] != expected[k]]
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s), e.g. {_short(missing[0])}")
        if extra:
            parts.append(f"{len(extra)} unexpected key(s), e.g. {_short(extra[0])}")
        if diff:
            k = diff[0]
            parts.append(f"{len(diff)} differing value(s), e.g. [{k!r}]: expected {_short(expected[k])}, "
                         f"got {_short(got[k])}")
        _fail(f"{name}: dicts differ: " + "; ".join(parts), [], hint)
    _fail(f"{name}: expected {_short(expected)}, got {_short(got)}",
          [f"types: expected {type(expected).__name__}, got {type(got).__name__}"]
          if type(got) is not type(expected) else [], hint)
