"""ImageFolder listing: torchvision's order and labels, every bad input named before any work."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from serve_zip import ODD_ANTS, hymenoptera_like_zip
from torchvision.datasets import ImageFolder
from torchvision.datasets.folder import IMG_EXTENSIONS as TORCHVISION_IMG_EXTENSIONS
from torchvision.datasets.folder import pil_loader

from netlab.images.archive import safe_extract_zip
from netlab.images.imagefolder import ImageFolderError, ignore_reason, load_rgb, scan_split


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
    # A name without an image extension still holds an image (JPEG), as a renamed photo would.
    image.save(path, format=Image.registered_extensions().get(path.suffix.lower(), "JPEG"))
    return path


def make_tree(root: Path, files: dict[str, list[str]]) -> Path:
    """``{'train/ants': ['a.jpg', ...], ...}`` -> tiny random images at those paths."""
    for i, (folder, names) in enumerate(files.items()):
        for j, name in enumerate(names):
            save_image(root / folder / name, seed=10 * i + j)
    return root


COUNTS = {"train": {"ants": 2, "bees": 3}, "val": {"ants": 2, "bees": 2}}
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
    """Two kinds of unreadable image in train/ants; returns their relative paths."""
    good = save_image(root / "train/ants/good.jpg", size=(64, 48))
    truncated = root / "train/ants/truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (root / "train/ants/garbage.jpg").write_bytes(b"this is not a jpeg at all" * 10)
    return {
        "train/ants/garbage.jpg": "not a readable image",
        "train/ants/truncated.jpg": "truncated",
    }


def test_bad_images_stop_the_run_naming_each(tmp_path):
    root = make_tree(tmp_path, GOOD)
    expected = bad_files(root)
    (root / "train/ants/notes.txt").write_text("field notes")  # not an image: ignored, no stop
    with pytest.raises(ImageFolderError) as info:
        scan_split(root, "train")
    message = str(info.value)
    assert "2 unreadable image(s) in split 'train'" in message and "on_bad_image: skip" in message
    for relpath, reason in expected.items():
        line = next(line for line in message.splitlines() if str(root / relpath) in line)
        assert reason in line
    assert "notes.txt" not in message


def test_skip_mode_lists_every_skipped_file_with_its_reason(tmp_path):
    root = make_tree(tmp_path, GOOD)
    expected = bad_files(root)
    (root / "train" / "README.txt").write_text("stray")
    split = scan_split(root, "train", on_bad_image="skip")
    assert [s.relpath for s in split.samples if s.class_name == "ants"] == [
        "train/ants/a.JPG", "train/ants/good.jpg", "train/ants/z.jpeg", "train/ants/sub/c.jpg",
    ]  # fmt: skip
    skipped = {s["path"]: s["reason"] for s in split.skipped}
    assert set(skipped) == set(expected)
    for relpath, reason in expected.items():
        assert reason in skipped[relpath]
    assert split.ignored == [{"path": "train/README.txt", "reason": "not inside a class folder"}]
    assert split.census() == [row("ants", 4, 0, 2), row("bees", 2, 0, 0), row("", 0, 1, 0)]


def row(name: str, used: int, ignored: int, skipped: int) -> dict:
    """One census row."""
    return {"class": name, "used": used, "ignored": ignored, "skipped": skipped}


def test_a_name_is_a_sample_exactly_when_torchvisions_imagefolder_takes_it(tmp_path):
    # Every extension torchvision knows, in three cases, and near misses; files left empty, as
    # ImageFolder lists by name alone (netlab's name rule is ``ignore_reason``).
    names = ["noext", "a.gif", "a.heic", "a.jpg.bak", "a.jp", ".jpg"]
    for i, ext in enumerate(TORCHVISION_IMG_EXTENSIONS):
        names += [
            f"{i}{ext}",
            f"{i}{ext.upper()}",
            f"{i}{ext.title()}",
            f"{i}{ext}x",
            f"{i}{ext[:-1]}",
        ]
    for name in names:
        (tmp_path / "ants" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "ants" / name).touch()
    taken = {Path(path).name for path, _ in ImageFolder(tmp_path, loader=lambda p: p).samples}
    assert taken == {name for name in names if ignore_reason(f"ants/{name}") is None}
    assert {f"{i}{ext.upper()}" for i, ext in enumerate(TORCHVISION_IMG_EXTENSIONS)} <= taken
    assert {"noext", "a.gif", "a.heic", "a.jpg.bak", "a.jp"}.isdisjoint(taken)


# Names torchvision's ImageFolder passes over (no image extension) next to ones it takes in any case.
MESSY = {
    "train/ants": [
        "a.JPG", "b.JpEg", "c.PNG", "d.webp", "e.bmp", "f.tif", "g.TIFF", "h.ppm",
        "sub/deeper/i.jpg", "sub/j.png", "k.jpg.bak", "l.jpgx", "noext", "m.gif",
    ],
    "train/bees": ["B.jpg", "a.jpg", "_b.jpg", "b b.jpg", "ü.jpg"],
    "val/ants": ["v.jpg"],
    "val/bees": ["w.jpg"],
}  # fmt: skip


def test_messy_tree_gives_torchvisions_samples_and_lists_the_rest(tmp_path):
    root = make_tree(tmp_path, MESSY)
    (root / "train/ants/notes.txt").write_text("field notes")
    (root / "train/bees/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "train/loose.jpg").write_bytes(save_image(tmp_path / "x.jpg").read_bytes())
    split = scan_split(root, "train")
    reference = ImageFolder(root / "train")
    assert [(str(s.path), s.label) for s in split.samples] == reference.samples
    assert split.classes == reference.classes and split.skipped == []
    assert {i["path"]: i["reason"] for i in split.ignored} == {
        "train/loose.jpg": "not inside a class folder",
        "train/ants/k.jpg.bak": "not an image extension (.bak)",
        "train/ants/l.jpgx": "not an image extension (.jpgx)",
        "train/ants/m.gif": "not an image extension (.gif)",
        "train/ants/noext": "not an image extension (none)",
        "train/ants/notes.txt": "not an image extension (.txt)",
        "train/bees/.DS_Store": "not an image extension (none)",
    }
    assert split.census() == [row("ants", 10, 5, 0), row("bees", 5, 1, 0), row("", 0, 1, 0)]


def test_macos_metadata_is_ignored_and_listed(tmp_path):
    root = make_tree(tmp_path, GOOD)
    appledouble = b"\x00\x05\x16\x07" + bytes(80)
    for name in (
        "train/ants/._a.JPG",
        "train/__MACOSX/ants/._z.jpeg",
        "__MACOSX/train/bees/._b1.jpg",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(appledouble)
    (root / "val/__MACOSX").mkdir()
    split = scan_split(root, "train")  # ._a.JPG does not decode: not a stop; no __MACOSX class
    assert split.classes == ["ants", "bees"]
    assert {i["path"]: i["reason"] for i in split.ignored} == {
        "train/ants/._a.JPG": "macOS metadata (AppleDouble ._ file)",
        "train/__MACOSX/ants/._z.jpeg": "macOS metadata (__MACOSX)",
        "__MACOSX/train/bees/._b1.jpg": "macOS metadata (__MACOSX)",
    }
    assert split.census() == [row("ants", 3, 1, 0), row("bees", 2, 1, 0), row("", 0, 1, 0)]
    # torchvision would take ._a.JPG as an image (and a __MACOSX class); without them it agrees.
    (root / "train/ants/._a.JPG").unlink()
    shutil.rmtree(root / "train/__MACOSX")
    reference = ImageFolder(root / "train")
    assert [(str(s.path), s.label) for s in split.samples] == reference.samples


def test_archive_like_the_real_one_gives_torchvisions_samples(tmp_path):
    archive = tmp_path / "hymenoptera_data.zip"
    archive.write_bytes(hymenoptera_like_zip(COUNTS))
    root = tmp_path / "images"
    safe_extract_zip(archive, root, max_bytes=10**7, required=("train", "val"))
    for split_name, classes in COUNTS.items():
        split = scan_split(root, split_name)
        reference = ImageFolder(root / split_name)
        assert [(str(s.path), s.label) for s in split.samples] == reference.samples
        # Every sample loads to the very pixels torchvision's loader gives (no EXIF rotation in either).
        for sample in split.samples:
            expected = np.asarray(reference.loader(str(sample.path)))
            assert np.array_equal(np.asarray(load_rgb(sample.path)), expected)
        odd = len(ODD_ANTS) - 1 if split_name == "train" else 0  # all but the .gif
        assert split.counts() == {c: n + (odd if c == "ants" else 0) for c, n in classes.items()}
    train = scan_split(root, "train")
    assert load_rgb(root / "train/ants/exif_rotated.jpg").size == (48, 24)  # stored, not turned
    assert {i["path"]: i["reason"] for i in train.ignored} == {
        "__MACOSX/train/ants/._ants0.jpg": "macOS metadata (__MACOSX)",
        "__MACOSX/train/ants/._imageNotFound.gif": "macOS metadata (__MACOSX)",
        "train/ants/imageNotFound.gif": "not an image extension (.gif)",
    }


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
