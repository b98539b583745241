"""The synthetic ants-vs-bees generator: well formed, deterministic, classes that differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netlab.images.synthetic import render, write_tree

COUNTS = {"train": {"ants": 3, "bees": 2}, "val": {"ants": 2, "bees": 3}}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "images"
    write_tree(root, COUNTS, seed=11, min_side=48, max_side=120)
    return root


def test_tree_has_the_counts_and_valid_jpegs_of_varied_size(tree):
    sizes = set()
    for split, classes in COUNTS.items():
        assert sorted(p.name for p in (tree / split).iterdir()) == sorted(classes)
        for class_name, n in classes.items():
            files = sorted((tree / split / class_name).iterdir())
            assert [f.name for f in files] == [f"{class_name}_{i:04d}.jpg" for i in range(n)]
            for f in files:
                with Image.open(f) as image:
                    assert image.format == "JPEG" and image.mode == "RGB"
                    image.load()
                    assert all(48 <= side <= 120 for side in image.size)
                    sizes.add(image.size)
    assert len(sizes) >= 6  # ten images, sizes and aspect ratios vary


def test_same_seed_same_bytes_other_seed_other_images(tree, tmp_path):
    again = tmp_path / "again"
    write_tree(again, COUNTS, seed=11, min_side=48, max_side=120)
    assert tree_bytes(again) == tree_bytes(tree)
    other = tmp_path / "other"
    write_tree(other, COUNTS, seed=12, min_side=48, max_side=120)
    assert set(tree_bytes(other)) == set(tree_bytes(tree))
    assert all(tree_bytes(other)[k] != v for k, v in tree_bytes(tree).items())


def test_each_image_has_its_own_seed(tree, tmp_path):
    """Adding images to one class leaves every existing image as it was."""
    more = tmp_path / "more"
    write_tree(
        more, {**COUNTS, "train": {"ants": 5, "bees": 2}}, seed=11, min_side=48, max_side=120
    )
    old, new = tree_bytes(tree), tree_bytes(more)
    assert {k: new[k] for k in old} == old
    assert set(new) - set(old) == {"train/ants/ants_0003.jpg", "train/ants/ants_0004.jpg"}


def _colour_fractions(class_name: str, n: int = 12) -> tuple[float, float]:
    """Mean fraction of yellow pixels and of very dark pixels over ``n`` renders."""
    yellow, dark = [], []
    for i in range(n):
        pixels = np.asarray(render(class_name, np.random.default_rng(i), 96, 128), np.int32)
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        yellow.append(np.mean((r > 150) & (g > 100) & (b < 90) & (r - b > 90)))
        dark.append(np.mean(pixels.max(axis=-1) < 60))
    return float(np.mean(yellow)), float(np.mean(dark))


def test_classes_differ_in_colour():
    """Bees are yellow and black, ants dark: the class shows in simple colour statistics."""
    ant_yellow, ant_dark = _colour_fractions("ants")
    bee_yellow, bee_dark = _colour_fractions("bees")
    assert bee_yellow > 2 * ant_yellow
    assert ant_dark > bee_dark


def test_existing_destination_is_refused(tree):
    with pytest.raises(FileExistsError, match="already exists"):
        write_tree(tree, COUNTS, seed=11, min_side=48, max_side=120)


def test_failure_leaves_nothing_behind(tmp_path):
    dest = tmp_path / "images"
    with pytest.raises(ValueError, match="no drawing for class 'wasps'"):
        write_tree(dest, {"train": {"ants": 2, "wasps": 1}}, seed=1, min_side=48, max_side=64)
    assert list(tmp_path.iterdir()) == []


def test_bad_sides_are_refused(tmp_path):
    with pytest.raises(ValueError, match="min_side <= max_side"):
        write_tree(tmp_path / "x", COUNTS, seed=1, min_side=100, max_side=50)
