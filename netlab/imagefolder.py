"""ImageFolder trees (``root/{split}/{class}/*.jpg``) read like torchvision, but checked first.

torchvision's ``ImageFolder`` silently ignores files it cannot use and fails
mid-run (after minutes of feature extraction) on a truncated JPEG. Here every
file of a split is opened and decoded before any work, and a bad one either
stops the run with its name and reason or, when asked (``on_bad_image:
skip``), is left out and listed so the report can show it. Classes are the
sorted sub-folders and a label is the class's position, exactly as in
torchvision, so the labels match the notebooks'.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

# torchvision.datasets.folder.IMG_EXTENSIONS
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
ON_BAD_IMAGE = ("error", "skip")


class ImageFolderError(ValueError):
    """An image tree that cannot be used as it is; the message names the file or folder."""


@dataclass(frozen=True)
class Sample:
    """One image: where it is, its path relative to the image root (``train/ants/x.jpg``), its label."""

    path: Path
    relpath: str
    label: int
    class_name: str


@dataclass(frozen=True)
class Split:
    """The usable images of one split, in ImageFolder order, and the files left out with their reasons."""

    classes: list[str]
    samples: list[Sample]
    skipped: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Images per class."""
        return {c: sum(s.class_name == c for s in self.samples) for c in self.classes}


def find_classes(root: Path, split: str) -> list[str]:
    """The class folders of ``root/split``, sorted (torchvision's order)."""
    folder = root / split
    if not folder.is_dir():
        what = "is not a directory" if folder.exists() else "is missing"
        raise ImageFolderError(
            f"image folder {root}: split directory {folder} {what} (expected {root}/{split}/<class>/)"
        )
    classes = sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())
    if not classes:
        raise ImageFolderError(f"image folder {root}: {folder} has no class sub-directories")
    return classes


def check_same_classes(root: Path, splits: Sequence[str]) -> list[str]:
    """The classes shared by all ``splits``; an error names the classes missing from a split."""
    found = {split: find_classes(root, split) for split in splits}
    first = splits[0]
    for split in splits[1:]:
        if found[split] != found[first]:
            only_first = sorted(set(found[first]) - set(found[split]))
            only_this = sorted(set(found[split]) - set(found[first]))
            raise ImageFolderError(
                f"image folder {root}: class folders differ between '{first}' {found[first]} and "
                f"'{split}' {found[split]} (only in {first}: {only_first}; only in {split}: {only_this})"
            )
    return found[first]


def image_problem(path: Path) -> str | None:
    """Why ``path`` cannot be used as an image (None if it decodes completely)."""
    if not path.name.lower().endswith(IMG_EXTENSIONS):
        return (
            f"not an image file (extension '{path.suffix}'; accepted: {', '.join(IMG_EXTENSIONS)})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
    except Image.UnidentifiedImageError:
        return "not a readable image (unknown or corrupt format)"
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        # PIL reports a truncated file as OSError "image file is truncated"
        return f"cannot decode: {exc}"
    return None


def _class_files(folder: Path) -> list[Path]:
    """Files under a class folder in torchvision's order (walk sorted, names sorted, links followed)."""
    return [
        Path(top) / name
        for top, _, names in sorted(os.walk(folder, followlinks=True))
        for name in sorted(names)
    ]


def scan_split(
    root: str | Path,
    split: str,
    *,
    on_bad_image: str = "error",
    splits: Sequence[str] = ("train", "val"),
) -> Split:
    """List and check every file of ``root/split`` before any work.

    ``splits`` are the splits that must have the same classes (the labels of
    train and val must mean the same). A file that is not a decodable image
    stops the run (``on_bad_image='error'``, every bad file named) or is
    skipped and listed (``'skip'``). Files outside a class folder count as bad.
    """
    if on_bad_image not in ON_BAD_IMAGE:
        raise ValueError(f"on_bad_image must be one of {ON_BAD_IMAGE}, got {on_bad_image!r}")
    root = Path(root)
    classes = check_same_classes(root, list(dict.fromkeys([split, *splits])))
    bad: list[dict[str, str]] = []
    for entry in sorted(os.scandir(root / split), key=lambda e: e.name):
        if not entry.is_dir():
            bad.append({"path": f"{split}/{entry.name}", "reason": "not inside a class folder"})
    samples: list[Sample] = []
    for label, class_name in enumerate(classes):
        for path in _class_files(root / split / class_name):
            relpath = path.relative_to(root).as_posix()
            reason = image_problem(path)
            if reason is None:
                samples.append(Sample(path, relpath, label, class_name))
            else:
                bad.append({"path": relpath, "reason": reason})
    if bad and on_bad_image == "error":
        listing = "\n".join(f"  {root / b['path']}: {b['reason']}" for b in bad)
        raise ImageFolderError(
            f"image folder {root}: {len(bad)} unusable file(s) in split '{split}' "
            f"(set images.on_bad_image: skip to leave them out):\n{listing}"
        )
    result = Split(classes, samples, bad)
    for class_name, n in result.counts().items():
        if n == 0:
            raise ImageFolderError(
                f"image folder {root}: class folder {root / split / class_name} has no usable images"
            )
    return result


def load_rgb(path: str | Path) -> Image.Image:
    """Open an image as RGB, like torchvision's default loader (grey, palette, RGBA, CMYK all become RGB)."""
    with open(path, "rb") as f:
        image = Image.open(f)
        return image.convert("RGB")
