"""Where the images part's inputs come from under a config: the ImageFolder root, the archive to unpack, the
ResNet50 weights file and the download records, each checked before any job runs (the error names the key)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Image roots made by a rule, by ``images.source`` (a local directory is its own root).
IMAGE_ROOTS = {
    "synthetic": "results/images/synthetic",
    "hymenoptera": "results/images/hymenoptera",
}
HYMENOPTERA_ZIP = "resources/hymenoptera_data.zip"


def image_root(config: Mapping[str, Any]) -> str:
    """The ImageFolder root (train/ and val/ inside) that images.source names."""
    source = config["images"]["source"]
    if source in IMAGE_ROOTS:
        return IMAGE_ROOTS[source]
    if source.endswith(".zip"):
        if not Path(source).is_file():
            raise FileNotFoundError(f"images.source: no such zip file: {Path(source).resolve()}")
        return "results/images/local"
    if not Path(source).is_dir():
        raise ValueError(
            f"images.source: '{source}' is neither synthetic, hymenoptera, a .zip file "
            f"nor an existing directory ({Path(source).resolve()})"
        )
    return source


def weights_file(config: Mapping[str, Any]) -> list[str]:
    """The ResNet50 weights file the features need: none for random weights."""
    weights = config["features"]["weights"]
    if weights is None:
        return []
    if isinstance(weights, str):
        return [f"resources/weights/resnet50-{weights}.pth"]
    if not Path(weights["path"]).is_file():
        raise FileNotFoundError(
            f"features.weights.path: no such file: {Path(weights['path']).resolve()}"
        )
    return [weights["path"]]


def image_archive(config: Mapping[str, Any], source: str) -> str:
    """The zip that extract_images unpacks into results/images/{source}: the download or the user's zip."""
    chosen = config["images"]["source"]
    if source == "hymenoptera" and chosen == "hymenoptera":
        return HYMENOPTERA_ZIP
    if source == "local" and chosen.endswith(".zip"):
        return chosen
    needed = "hymenoptera" if source == "hymenoptera" else "a .zip file"
    raise ValueError(
        f"results/images/{source} is only extracted when images.source is {needed}, not {chosen!r}"
    )


def download_records(config: Mapping[str, Any]) -> list[str]:
    """Records of the downloads the config uses (url, observed and pinned sha256), for the report."""
    if config["images"]["source"] == "hymenoptera":
        return [f"{HYMENOPTERA_ZIP}.sha256.json"]
    return []
