"""datasets/shapes.py: reproducible, the held-out colour-shape pairs never in train/val/test and in every
held-out image, captions that match the pixels, the caption grammar round-trips, attribute scoring."""
import numpy as np
import pytest

from tinygrad_lm.datasets import shapes


def test_reproducible_and_splits_differ():
    a, ca, _ = shapes.make_batch("train", 20, seed=3)
    b, cb, _ = shapes.make_batch("train", 20, seed=3)
    assert (a == b).all() and ca == cb
    c, _, _ = shapes.make_batch("train", 5, seed=3, start=15)            # example i is always the same
    assert (c == a[15:]).all()
    t, _, _ = shapes.make_batch("test", 20, seed=3)
    assert not any((t[i] == a[i]).all() for i in range(20))
    assert a.shape == (20, 3, 32, 32) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1


def test_held_out_combinations():
    assert len(shapes.HELD_OUT) == 6 and {c for c, _ in shapes.HELD_OUT} == set(shapes.COLOURS)
    assert {s for _, s in shapes.HELD_OUT} == set(shapes.SHAPES)               # every shape held out once
    for split in ("train", "val", "test"):
        _, _, infos = shapes.make_batch(split, 300)
        pairs = {(o["colour"], o["shape"]) for inf in infos for o in inf["objects"]}
        assert not pairs & shapes.HELD_OUT, f"{split} contains held-out pairs {pairs & shapes.HELD_OUT}"
    _, _, infos = shapes.make_batch("heldout", 300)
    assert all(any((o["colour"], o["shape"]) in shapes.HELD_OUT for o in inf["objects"]) for inf in infos)


def test_caption_matches_pixels():
    x, caps, infos = shapes.make_batch("train", 200, seed=1)
    for img, cap, inf in zip(x, caps, infos):
        present = set()
        for name, rgb in shapes.COLOURS.items():
            close = (np.abs(img.transpose(1, 2, 0) - np.array(rgb)) < 0.25).all(axis=2)
            if close.sum() >= 12:
                present.add(name)
        assert present == {o["colour"] for o in inf["objects"]}, (cap, present)
        n_words = len(cap.split())
        assert n_words in (4, 9, 10) and shapes.decode(shapes.encode(cap)) == cap
    big = [inf for inf in infos if len(inf["objects"]) == 1]
    assert 0.2 < len(big) / len(infos) < 0.5                               # about 1/3 single shapes


def test_relation_is_where_the_shapes_are():
    x, caps, infos = shapes.make_batch("train", 100, seed=2)
    for img, inf in zip(x, infos):
        if inf["relation"] is None or inf["objects"][0]["colour"] == inf["objects"][1]["colour"]:
            continue
        centre = []
        for o in inf["objects"]:
            m = (np.abs(img.transpose(1, 2, 0) - np.array(shapes.COLOURS[o["colour"]])) < 0.25).all(axis=2)
            yy, xx = np.nonzero(m)
            centre.append((yy.mean(), xx.mean()))
        (y0, x0), (y1, x1) = centre
        want = {"above": y0 < y1, "below": y0 > y1, "left of": x0 < x1, "right of": x0 > x1}[inf["relation"]]
        assert want, (inf, centre)


def test_canonical_and_attribute_accuracy():
    a = "a small red circle above a large blue square"
    b = "a large blue square below a small red circle"
    assert shapes.canonical(b) == a and shapes.canonical(a) == a
    assert shapes.parse("a small red") is None and shapes.attributes("red red") == {}
    acc = shapes.attribute_accuracy([b, "a small red circle", "a large red circle left of a large blue square"],
                                    [a, "a large red circle", a])
    # 7 + 3 + 7 attributes; wrong: size (2nd), obj0 size + relation (3rd)
    assert acc["attributes"] == pytest.approx(14 / 17) and acc["exact"] == pytest.approx(1 / 3)
    assert acc["relation"] == pytest.approx(1 / 2) and acc["grammatical"] == 1.0
    with pytest.raises(ValueError, match="unknown words"):
        shapes.encode("a small purple circle")
    assert shapes.encode_batch(["a small red circle"]).shape == (1, shapes.MAX_LEN)
