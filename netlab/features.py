"""ResNet50 features of an ImageFolder split, as in the notebooks but batched and recorded.

The notebooks resize to 256, centre-crop 224, normalise with the ImageNet
mean/std, run torchvision's resnet50 without its last layer (``fc``) and keep
the 2048-d pooled output. Here the same happens in eval mode under
``torch.no_grad()`` in batches, into one preallocated array (the
notebooks' ``np.vstack`` per image copies everything so far each time), and
the split's files are checked before the first forward pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torchvision
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from netlab import atomic, feature_table, imagefolder, weights
from netlab.imagefolder import Sample

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TRANSFORM_DESCRIPTION = "Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std)"


def notebook_transform() -> transforms.Compose:
    """The notebooks' preprocessing (same for train and val)."""
    return transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )


def backbone(model: torch.nn.Module) -> torch.nn.Sequential:
    """resnet50 without its last child (``fc``), eval mode, frozen: ``nn.Sequential(*children[:-1])``."""
    net = torch.nn.Sequential(*list(model.children())[:-1])
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def resolve_device(spec: str) -> torch.device:
    """``auto``: CUDA when present, else CPU; ``cuda`` without a GPU is an error, not a silent CPU run."""
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("features.device is 'cuda' but torch sees no CUDA device (use 'auto' or 'cpu')")
    if spec not in ("cpu", "cuda"):
        raise ValueError(f"features.device must be auto, cpu or cuda, got {spec!r}")
    return torch.device(spec)


class _Images(Dataset):
    """Transformed images of ``samples``, in order."""

    def __init__(self, samples: Sequence[Sample], transform: transforms.Compose):
        self.samples, self.transform = samples, transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.transform(imagefolder.load_rgb(self.samples[i].path))


def extract(
    net: torch.nn.Module,
    samples: Sequence[Sample],
    *,
    batch_size: int,
    device: torch.device,
    batchnorm: str = "eval",
) -> np.ndarray:
    """Features (n, 2048) float32 of ``samples``, rows in their order.

    ``batchnorm="notebook"`` runs the net as the notebooks did: left in training mode, so BatchNorm
    normalises with the statistics of the batch, and one image per batch (their DataLoader's default).
    oneDNN is switched off: its convolutions sum in an order that depends on the thread count, and the
    same features must come out of ``--cores 1`` and ``--cores 8`` runs (measured: no loss of speed on CPU).
    """
    if batchnorm not in ("eval", "notebook"):
        raise ValueError(f"features.batchnorm must be 'eval' or 'notebook', got {batchnorm!r}")
    if batchnorm == "notebook":
        net, batch_size = net.train(), 1
    torch.backends.mkldnn.enabled = False
    out = np.empty((len(samples), feature_table.FEATURE_DIM), np.float32)
    loader = DataLoader(_Images(samples, notebook_transform()), batch_size=batch_size, shuffle=False)
    net = net.to(device)
    done = 0
    with torch.no_grad():
        for batch in loader:
            rows = net(batch.to(device)).flatten(1)
            out[done : done + len(rows)] = rows.cpu().numpy()
            done += len(rows)
            log.info("features: %d/%d images", done, len(samples))
    return out


def split_features(
    image_root: str | Path,
    split: str,
    *,
    weights_spec: weights.WeightsSpec,
    weights_path: str | Path | None,
    seed: int,
    batch_size: int,
    batchnorm: str,
    device: str,
    threads: int,
    on_bad_image: str,
    image_source: str,
    table_path: str | Path,
    sidecar_path: str | Path,
) -> dict[str, Any]:
    """Check ``image_root/split``, extract its features, write the table and the provenance sidecar."""
    listing = imagefolder.scan_split(image_root, split, on_bad_image=on_bad_image)
    for bad in listing.skipped:
        log.warning("skipped %s: %s", bad["path"], bad["reason"])
    torch.set_num_threads(threads)
    model, weights_provenance = weights.resnet50(weights_spec, seed, weights_path)
    chosen = resolve_device(device)
    log.info(
        "%s: %d images, weights: %s, %d threads, device %s",
        split,
        len(listing.samples),
        weights_provenance["description"],
        torch.get_num_threads(),
        chosen,
    )
    features = extract(backbone(model), listing.samples, batch_size=batch_size, device=chosen, batchnorm=batchnorm)
    samples = listing.samples
    feature_table.write(
        table_path,
        feature_table.FeatureTable(
            paths=[s.relpath for s in samples],
            labels=np.array([s.label for s in samples], np.int64),
            class_names=[s.class_name for s in samples],
            features=features,
        ),
    )
    sidecar = provenance(
        listing, split, image_source, str(image_root), weights_provenance, chosen, batch_size, batchnorm
    )
    atomic.write_json(sidecar_path, sidecar)
    return sidecar


def provenance(
    listing: imagefolder.Split,
    split: str,
    image_source: str,
    image_root: str,
    weights_provenance: Mapping[str, Any],
    device: torch.device,
    batch_size: int,
    batchnorm: str,
) -> dict[str, Any]:
    """What the features of a split are made of (shown by the report, copied into the metrics)."""
    return {
        "split": split,
        "n_images": len(listing.samples),
        "classes": listing.classes,
        "counts": listing.counts(),
        "skipped": listing.skipped,
        "image_source": image_source,
        "image_root": image_root,
        "weights": dict(weights_provenance),
        "model": "torchvision resnet50 without fc (2048-d pooled output), eval mode",
        "transform": TRANSFORM_DESCRIPTION,
        "batch_size": 1 if batchnorm == "notebook" else batch_size,
        "batchnorm": batchnorm,
        "device": device.type,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }
