"""Shapes: a procedural image-caption dataset with held-out colour-shape combinations (after ShapeWorld,
Kuhnle & Copestake 2017), for the week 7 CLIP model and captioner.

Each example is a 32x32 RGB image (float32 in [0, 1], black background, pixel noise) of one or two
shapes and its caption:
    "a small red circle"
    "a large blue square left of a small yellow cross"
Attributes: shape (5: circle, square, triangle, cross, diamond), colour (6: red, green, blue, yellow,
magenta, cyan; each pixel colour jittered), size (small: radius 3-4.5 px, large: 6-7.5 px), position
(jittered), and for two shapes a relation (above, below, left of, right of): the two shapes sit in
opposite halves of the image, and the caption names them in a random order, so "A above B" and
"B below A" describe the same image (`canonical` maps both to one form for the evaluation).

Compositional split: HELD_OUT holds 6 of the 30 colour-shape combinations, one per colour and every
shape at least once ((red, triangle), (green, cross), (blue, diamond), (yellow,
circle), (magenta, square), (cyan, triangle)). The "train", "val" and "test" splits never
contain them; "heldout" images contain at least one held-out combination (the other shape, if any, is
any combination), so the model has seen every colour and every shape, but never these pairs.
Every split is a pure function of (split, seed, index): make_batch(split, n, seed) is reproducible,
and different splits use disjoint seed streams (no image is shared; captions of "test" naturally
repeat those of "train": the test is of new images of seen combinations).

Captions are word-tokenised with the fixed VOCAB (<pad> 0, <bos> 1, <eos> 2, then the words).
Legend: N images, T caption tokens (MAX_LEN = 12 with <bos> and <eos>).
Does not handle: overlapping shapes, rotation, textures, more than two shapes, 64x64 images.
"""
import numpy as np

SHAPES = ("circle", "square", "triangle", "cross", "diamond")
COLOURS = {"red": (0.9, 0.1, 0.1), "green": (0.1, 0.8, 0.1), "blue": (0.15, 0.25, 1.0),
           "yellow": (0.95, 0.9, 0.1), "magenta": (0.9, 0.1, 0.9), "cyan": (0.1, 0.85, 0.9)}
COLOUR_NAMES = tuple(COLOURS)
SIZES = {"small": (3.0, 4.5), "large": (6.0, 7.5)}              # radius range in pixels
RELATIONS = ("above", "below", "left of", "right of")
INVERSE = {"above": "below", "below": "above", "left of": "right of", "right of": "left of"}
# one held-out shape per colour: colour i with shape (i + 2) mod 5 -> every colour once, every shape
HELD_OUT = frozenset((c, SHAPES[(i + 2) % len(SHAPES)]) for i, c in enumerate(COLOUR_NAMES))
SEEN = tuple((c, s) for c in COLOUR_NAMES for s in SHAPES if (c, s) not in HELD_OUT)
UNSEEN = tuple((c, s) for c in COLOUR_NAMES for s in SHAPES if (c, s) in HELD_OUT)
IMAGE_SIZE = 32
SPLITS = {"train": 0, "val": 1, "test": 2, "heldout": 3}        # seed stream of each split
TWO_SHAPES = 2 / 3                                              # share of images with two shapes

SPECIALS = ("<pad>", "<bos>", "<eos>")
WORDS = ("a", "small", "large") + COLOUR_NAMES + SHAPES + ("above", "below", "left", "right", "of")
VOCAB = SPECIALS + WORDS
PAD, BOS, EOS = 0, 1, 2
WORD_ID = {w: i for i, w in enumerate(VOCAB)}
MAX_LEN = 12                                                    # <bos> + 10 words + <eos>


def _mask(shape: str, dy: np.ndarray, dx: np.ndarray, r: float) -> np.ndarray:
    """Boolean mask of a shape of radius r centred at (0, 0); dy, dx pixel offsets (H, W)."""
    if shape == "circle":
        return dy ** 2 + dx ** 2 <= r ** 2
    if shape == "square":
        return np.maximum(np.abs(dy), np.abs(dx)) <= 0.85 * r
    if shape == "triangle":                                      # apex up, base at +0.8 r
        return (dy >= -r) & (dy <= 0.8 * r) & (np.abs(dx) <= (dy + r) * 0.6)
    if shape == "cross":
        arm = max(0.34 * r, 1.0)
        return ((np.abs(dx) <= arm) & (np.abs(dy) <= r)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= r))
    if shape == "diamond":
        return np.abs(dy) + np.abs(dx) <= 1.05 * r
    raise ValueError(f"unknown shape {shape!r}; choose from {SHAPES}")


def _object(rng, combos) -> dict:
    colour, shape = combos[rng.integers(len(combos))]
    size = ("small", "large")[rng.integers(2)]
    lo, hi = SIZES[size]
    return {"colour": colour, "shape": shape, "size": size, "r": float(rng.uniform(lo, hi))}


def _draw(img: np.ndarray, obj: dict, cy: float, cx: float, rng) -> None:
    yy, xx = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE].astype(np.float32) + 0.5
    m = _mask(obj["shape"], yy - cy, xx - cx, obj["r"])
    colour = np.clip(np.array(COLOURS[obj["colour"]]) + rng.uniform(-0.08, 0.08, 3), 0, 1)
    img[m] = colour


def describe(obj: dict) -> str:
    return f"a {obj['size']} {obj['colour']} {obj['shape']}"


def sample(rng, heldout: bool = False):
    """One (image (32, 32, 3) float32, caption str, info dict) drawn with the generator `rng`."""
    img = np.zeros((IMAGE_SIZE, IMAGE_SIZE, 3), np.float32)
    two = rng.random() < TWO_SHAPES
    first = _object(rng, UNSEEN if heldout else SEEN)
    if not two:
        r = first["r"]
        cy, cx = rng.uniform(r + 1, IMAGE_SIZE - r - 1, 2)
        _draw(img, first, cy, cx, rng)
        objs, relation = [first], None
    else:
        second = _object(rng, tuple(SEEN) + tuple(UNSEEN) if heldout else SEEN)
        if heldout and rng.random() < 0.5:                       # the held-out pair is first or second
            first, second = second, first
        vertical = rng.random() < 0.5
        half = IMAGE_SIZE / 2
        centres = []
        for k, o in enumerate((first, second)):                  # first in the top / left half
            r = o["r"]
            along = rng.uniform(k * half + r + 0.5, (k + 1) * half - r - 0.5) if 2 * r + 1 < half else \
                k * half + half / 2
            across = rng.uniform(r + 1, IMAGE_SIZE - r - 1)
            centres.append((along, across) if vertical else (across, along))
        _draw(img, first, *centres[0], rng)
        _draw(img, second, *centres[1], rng)
        relation = "above" if vertical else "left of"            # first REL second
        objs = [first, second]
        if rng.random() < 0.5:                                   # name them in the other order
            objs, relation = [second, first], INVERSE[relation]
    img += rng.normal(0, 0.03, img.shape).astype(np.float32)     # sensor noise
    np.clip(img, 0, 1, out=img)
    caption = describe(objs[0]) + (f" {relation} {describe(objs[1])}" if relation else "")
    info = {"objects": [{k: o[k] for k in ("size", "colour", "shape")} for o in objs], "relation": relation}
    return img, caption, info


def make_batch(split: str, n: int, seed: int = 0, start: int = 0):
    """Examples start..start+n-1 of `split` -> (images (N, 3, 32, 32) float32, captions [str], infos [dict]).

    Example i of a split is always the same image (its generator is seeded by (split, seed, i))."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {sorted(SPLITS)}")
    if n < 0 or start < 0:
        raise ValueError(f"make_batch: n and start must be >= 0, got n={n}, start={start}")
    images, captions, infos = [], [], []
    for i in range(start, start + n):
        rng = np.random.default_rng([seed, SPLITS[split], i])
        img, cap, info = sample(rng, heldout=split == "heldout")
        images.append(img.transpose(2, 0, 1))                    # (3, H, W)
        captions.append(cap)
        infos.append(info)
    return np.stack(images) if images else np.zeros((0, 3, IMAGE_SIZE, IMAGE_SIZE), np.float32), captions, infos


# ---- captions: tokens, canonical form, attributes ---------------------------------------------------

def encode(caption: str, max_len: int = MAX_LEN) -> list:
    """'a small red circle' -> [<bos>, a, small, red, circle, <eos>] ids; ValueError on unknown words."""
    words = caption.split()
    unknown = [w for w in words if w not in WORD_ID or w in SPECIALS]
    if unknown:
        raise ValueError(f"caption {caption!r}: unknown words {unknown}; the vocabulary is {WORDS}")
    ids = [BOS] + [WORD_ID[w] for w in words] + [EOS]
    if len(ids) > max_len:
        raise ValueError(f"caption {caption!r} has {len(ids)} tokens with <bos>/<eos>, more than {max_len}")
    return ids


def encode_batch(captions, max_len: int = MAX_LEN) -> np.ndarray:
    """N captions -> (N, max_len) int64 ids, padded with <pad> = 0."""
    out = np.full((len(captions), max_len), PAD, np.int64)
    for i, c in enumerate(captions):
        ids = encode(c, max_len)
        out[i, :len(ids)] = ids
    return out


def decode(ids) -> str:
    """Token ids -> caption text; stops at <eos>, skips <bos> / <pad>."""
    words = []
    for t in ids:
        t = int(t)
        if t == EOS:
            break
        if t not in (PAD, BOS) and 0 <= t < len(VOCAB):
            words.append(VOCAB[t])
    return " ".join(words)


def parse(caption: str):
    """A caption -> (objects [(size, colour, shape)], relation or None); None if it is not grammatical."""
    w = caption.split()
    obj = lambda ws: (ws[1], ws[2], ws[3]) if len(ws) == 4 and ws[0] == "a" and ws[1] in SIZES and \
        ws[2] in COLOURS and ws[3] in SHAPES else None                            # noqa: E731
    if len(w) == 4:
        o = obj(w)
        return ([o], None) if o else None
    for rel in RELATIONS:
        n = len(rel.split())
        if len(w) == 8 + n and " ".join(w[4:4 + n]) == rel:
            a, b = obj(w[:4]), obj(w[4 + n:])
            return ([a, b], rel) if a and b else None
    return None


def canonical(caption: str) -> str:
    """One form per scene: "B below A" -> "A above B", "B right of A" -> "A left of B"."""
    p = parse(caption)
    if p is None or p[1] is None or p[1] in ("above", "left of"):
        return caption
    (a, b), rel = p[0], p[1]
    return f"a {' '.join(b)} {INVERSE[rel]} a {' '.join(a)}"


def swapped(caption: str, rng) -> str:
    """A hard negative for a two-shape caption (NegCLIP): the same words with the two shapes' colours,
    shapes, sizes or places swapped, chosen at random among the swaps that change the scene; None if
    no swap does (one shape, or two identical shapes)."""
    p = parse(caption)
    if p is None or p[1] is None:
        return None
    (a, b), rel = p
    swaps = [(b, a), ((a[0], b[1], a[2]), (b[0], a[1], b[2])), ((a[0], a[1], b[2]), (b[0], b[1], a[2])),
             ((b[0], a[1], a[2]), (a[0], b[1], b[2]))]               # places, colours, shapes, sizes
    truth = canonical(caption)
    options = [f"a {' '.join(x)} {rel} a {' '.join(y)}" for x, y in swaps]
    options = [o for o in options if canonical(o) != truth]
    return options[rng.integers(len(options))] if options else None


def attributes(caption: str) -> dict:
    """Canonical attributes: {"obj0.size": ..., "obj0.colour", "obj0.shape", ["obj1.*", "relation"]}."""
    p = parse(canonical(caption))
    if p is None:
        return {}
    out = {}
    for k, o in enumerate(p[0]):
        out.update({f"obj{k}.size": o[0], f"obj{k}.colour": o[1], f"obj{k}.shape": o[2]})
    if p[1]:
        out["relation"] = p[1]
    return out


def attribute_accuracy(predicted, truth) -> dict:
    """Share of the true attributes (size, colour, shape of each shape, relation) a predicted caption gets
    right, compared in canonical form; an ungrammatical caption gets none. Returns {"attributes": share,
    "exact": share of captions equal in canonical form, "grammatical": share parsed, per-kind shares}."""
    if len(predicted) != len(truth):
        raise ValueError(f"attribute_accuracy: {len(predicted)} predictions for {len(truth)} references")
    hit, total, exact, gram = {}, {}, 0, 0
    for p, t in zip(predicted, truth):
        pa, ta = attributes(p), attributes(t)
        gram += bool(pa)
        exact += canonical(p) == canonical(t)
        for k, v in ta.items():
            kind = k.split(".")[-1]
            total[kind] = total.get(kind, 0) + 1
            hit[kind] = hit.get(kind, 0) + (pa.get(k) == v)
    n = max(len(truth), 1)
    out = {"attributes": sum(hit.values()) / max(sum(total.values()), 1), "exact": exact / n, "grammatical": gram / n}
    out.update({kind: hit[kind] / total[kind] for kind in total})
    return out
