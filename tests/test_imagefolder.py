"""ImageFolder listing: torchvision's order and labels, every bad input named before any work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from torchvision.datasets import ImageFolder
from torchvision.datasets.folder import pil_loader

from netlab.imagefolder import ImageFolderError, load_rgb, scan_split


def save_image(
    path: Path, size: tuple[int, int] = (20, 16), mode: str = "RGB", seed: int = 0
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGB")
    if mode == "P":
        image = image.quantize(16)
    elif mode != "RGB":
        image = image.convert(mode)
    image.save(path)
    return path


def make_tree(root: Path, files: dict[str, list[str]]) -> Path:
    """``{'train/ants': ['a.jpg', ...], ...}`` -> tiny random images at those paths."""
    for i, (folder, names) in enumerate(files.items()):
        for j, name in enumerate(names):
            save_image(root / folder / name, seed=10 * i + j)
    return root


GOOD = {
    "train/bees": ["b2.png", "b1.jpg"],
    "train/ants": ["z.jpeg", "a.JPG", "sub/c.jpg"],
    "val/ants": ["v1.jpg"],
    "val/bees": ["v2.jpg"],
}


def test_listing_matches_torchvision_imagefolder(tmp_path):
    root = make_tree(tmp_path, GOOD)
    split = scan_split(root, "train")
    reference = ImageFolder(root / "train")
    assert split.classes == reference.classes == ["ants", "bees"]
    assert [(str(s.path), s.label) for s in split.samples] == reference.samples
    # A folder's own files come before its sub-folders' files, as in torchvision.
    assert [s.relpath for s in split.samples] == [
        "train/ants/a.JPG", "train/ants/z.jpeg", "train/ants/sub/c.jpg", "train/bees/b1.jpg", "train/bees/b2.png",
    ]  # fmt: skip
    assert [s.class_name for s in split.samples] == ["ants"] * 3 + ["bees"] * 2
    assert split.counts() == {"ants": 3, "bees": 2} and split.skipped == []


def test_missing_split_is_named(tmp_path):
    root = make_tree(tmp_path, {"train/ants": ["a.jpg"], "train/bees": ["b.jpg"]})
    with pytest.raises(ImageFolderError, match=rf"split directory {tmp_path / 'val'} is missing"):
        scan_split(root, "train")


def test_split_without_class_folders_is_named(tmp_path):
    root = make_tree(tmp_path, {"train/ants": ["a.jpg"]})
    (tmp_path / "val").mkdir()
    with pytest.raises(ImageFolderError, match=rf"{tmp_path / 'val'} has no class sub-directories"):
        scan_split(root, "train")


def test_empty_class_is_named(tmp_path):
    root = make_tree(tmp_path, GOOD)
    (tmp_path / "train" / "wasps").mkdir()
    (tmp_path / "val" / "wasps").mkdir()
    with pytest.raises(
        ImageFolderError, match=rf"class folder {tmp_path / 'train' / 'wasps'} has no usable images"
    ):
        scan_split(root, "train")


def test_classes_differing_between_splits_are_named(tmp_path):
    root = make_tree(tmp_path, {**GOOD, "val/wasps": ["w.jpg"]})
    with pytest.raises(ImageFolderError, match=r"only in train: \[\]; only in val: \['wasps'\]"):
        scan_split(root, "train")


def bad_files(root: Path) -> dict[str, str]:
    """Three kinds of unusable file in train/ants; returns their relative paths."""
    good = save_image(root / "train/ants/good.jpg", size=(64, 48))
    truncated = root / "train/ants/truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (root / "train/ants/garbage.jpg").write_bytes(b"this is not a jpeg at all" * 10)
    (root / "train/ants/notes.txt").write_text("field notes")
    return {
        "train/ants/garbage.jpg": "not a readable image",
        "train/ants/notes.txt": "not an image file (extension '.txt'",
        "train/ants/truncated.jpg": "truncated",
    }


def test_bad_files_stop_the_run_naming_each(tmp_path):
    root = make_tree(tmp_path, GOOD)
    expected = bad_files(root)
    with pytest.raises(ImageFolderError) as info:
        scan_split(root, "train")
    message = str(info.value)
    assert "3 unusable file(s) in split 'train'" in message and "on_bad_image: skip" in message
    for relpath, reason in expected.items():
        line = next(line for line in message.splitlines() if str(root / relpath) in line)
        assert reason in line


def test_skip_mode_lists_every_skipped_file_with_its_reason(tmp_path):
    root = make_tree(tmp_path, GOOD)
    expected = bad_files(root)
    (root / "train" / "README.txt").write_text("stray")
    split = scan_split(root, "train", on_bad_image="skip")
    assert [s.relpath for s in split.samples if s.class_name == "ants"] == [
        "train/ants/a.JPG", "train/ants/good.jpg", "train/ants/z.jpeg", "train/ants/sub/c.jpg",
    ]  # fmt: skip
    skipped = {s["path"]: s["reason"] for s in split.skipped}
    assert set(skipped) == {*expected, "train/README.txt"}
    assert skipped["train/README.txt"] == "not inside a class folder"
    for relpath, reason in expected.items():
        assert reason in skipped[relpath]


def test_skip_mode_still_refuses_a_class_left_empty(tmp_path):
    root = make_tree(
        tmp_path, {"train/bees": ["b.jpg"], "val/ants": ["a.jpg"], "val/bees": ["b.jpg"]}
    )
    (root / "train/ants").mkdir()
    (root / "train/ants/broken.jpg").write_bytes(b"\xff\xd8\xff broken")
    with pytest.raises(ImageFolderError, match="train/ants has no usable images"):
        scan_split(root, "train", on_bad_image="skip")


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="on_bad_image must be one of"):
        scan_split(tmp_path, "train", on_bad_image="ignore")


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "CMYK"])
def test_other_modes_load_as_rgb_like_torchvision(tmp_path, mode):
    path = save_image(tmp_path / f"x_{mode}.{'jpg' if mode == 'CMYK' else 'png'}", mode=mode)
    with Image.open(path) as raw:
        assert raw.mode == mode
    image = load_rgb(path)
    assert image.mode == "RGB" and image.size == (20, 16)
    assert np.array_equal(np.asarray(image), np.asarray(pil_loader(path)))
