"""ResNet50 features of an ImageFolder split, as in the notebooks but batched and recorded.

The notebooks resize to 256, centre-crop 224, normalise with the ImageNet
mean/std, run torchvision's resnet50 without its last layer (``fc``) and keep
the 2048-d pooled output. Here the same happens in eval mode under
``torch.no_grad()`` in batches (one thread each, several at once), into one preallocated array (the
notebooks' ``np.vstack`` per image copies everything so far each time), and
the split's files are checked before the first forward pass.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torchvision

from netlab import atomic
from netlab.images import cpu_isa, feature_table, imagefolder, weights
from netlab.images.imagefolder import Sample
from netlab.images.transforms import TRANSFORM_DESCRIPTION, notebook_transform

log = logging.getLogger(__name__)


def backbone(model: torch.nn.Module) -> torch.nn.Sequential:
    """resnet50 without its last child (``fc``), eval mode, frozen: ``nn.Sequential(*children[:-1])``."""
    net = torch.nn.Sequential(*list(model.children())[:-1])
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def check_precision(precision: str, device: torch.device) -> torch.dtype:
    """The dtype of ``features.precision`` on ``device``; bfloat16 where the hardware lacks it is an error
    (oneDNN would emulate it, slower than float32), never a silent fallback."""
    if precision not in PRECISIONS:
        raise ValueError(f"features.precision must be float32 or bfloat16, got {precision!r}")
    if precision == "bfloat16":
        if device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise RuntimeError(
                "features.precision is bfloat16 but this GPU has no bfloat16 support; use float32"
            )
        if device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            raise RuntimeError(
                "features.precision is bfloat16 but this CPU has no bfloat16 instructions "
                "(AVX512-BF16 or AMX); it would be emulated, slower than float32: use float32"
            )
    return PRECISIONS[precision]


def resolve_device(spec: str) -> torch.device:
    """``auto``: CUDA when present, else CPU; ``cuda`` without a GPU is an error, not a silent CPU run."""
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "features.device is 'cuda' but torch sees no CUDA device (use 'auto' or 'cpu')"
        )
    if spec not in ("cpu", "cuda"):
        raise ValueError(f"features.device must be auto, cpu or cuda, got {spec!r}")
    return torch.device(spec)


def exact_float32(device: torch.device) -> contextlib.AbstractContextManager:
    """On a GPU: float32 convolutions in float32, by deterministic algorithms.

    torch lets cuDNN use TF32 for float32 convolutions by default (a 10-bit mantissa), and may
    pick a different algorithm from one run to the next; the features would then be neither
    float32 nor the same bytes twice on one GPU. On the CPU there is nothing to set.
    """
    if device.type != "cuda":
        return contextlib.nullcontext()
    return torch.backends.cudnn.flags(
        enabled=True, benchmark=False, deterministic=True, allow_tf32=False
    )


def gpu_name(device: torch.device) -> str | None:
    """The GPU that computed the features (its kernels decide their last digits, as a CPU's do)."""
    return torch.cuda.get_device_name(device) if device.type == "cuda" else None


def per_image_batchnorm(net: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``net`` whose BatchNorm layers normalise every batch by its own statistics.

    This is what the notebooks' net did: never put in eval mode, it ran BatchNorm in training mode.
    Dropping the running statistics gives the same outputs without mutating buffers on every call.
    """
    net = copy.deepcopy(net)
    for module in net.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.track_running_stats = False
            module.running_mean = module.running_var = module.num_batches_tracked = None
    return net


def extract(
    net: torch.nn.Module,
    samples: Sequence[Sample],
    *,
    batch_size: int,
    device: torch.device,
    threads: int = 1,
    batchnorm: str = "eval",
    precision: str = "float32",
) -> np.ndarray:
    """Features (n, 2048) float32 of ``samples``, rows in their order.

    ``threads`` batches are decoded and run at once, each on one thread. On the CPU:
    oneDNN's multi-threaded convolutions sum in an order that depends on the thread
    count, so ``--cores 1`` and ``--cores 8`` would differ in the last digits;
    one thread per batch gives the same bytes for any ``threads`` at the same
    speed. On a GPU: one thread decoding JPEGs feeds it a tenth of what it computes.
    ``batchnorm="notebook"``: BatchNorm by each image's own statistics,
    one image per batch, as the notebooks' DataLoader and training-mode net did.
    ``precision="bfloat16"``: the forward pass under ``torch.autocast`` (features returned as float32).
    """
    dtype = check_precision(precision, device)
    if batchnorm not in ("eval", "notebook"):
        raise ValueError(f"features.batchnorm must be 'eval' or 'notebook', got {batchnorm!r}")
    if batchnorm == "notebook":
        net, batch_size = per_image_batchnorm(net), 1
    net = net.to(device, memory_format=torch.channels_last)  # oneDNN's fast layout: 1.4x on a CPU
    workers = max(1, threads)
    if device.type == "cpu":
        torch.set_num_threads(1)
    out = np.empty((len(samples), feature_table.FEATURE_DIM), np.float32)
    transform = notebook_transform()

    def forward(chunk: Sequence[Sample]) -> np.ndarray:
        batch = torch.stack([transform(imagefolder.load_rgb(s.path)) for s in chunk])
        reduced = torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32)
        with torch.no_grad(), reduced:
            rows = net(batch.to(device, memory_format=torch.channels_last)).flatten(1)
        return rows.float().cpu().numpy()

    done = 0

    def collect(rows: np.ndarray) -> None:
        nonlocal done
        out[done : done + len(rows)] = rows
        done += len(rows)
        log.info("features: %d/%d images", done, len(samples))

    in_flight: deque[Future[np.ndarray]] = deque()  # bounded: images are decoded as workers free up
    with exact_float32(device), ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(samples), batch_size):
            in_flight.append(pool.submit(forward, samples[start : start + batch_size]))
            if len(in_flight) > 2 * workers:
                collect(in_flight.popleft().result())
        while in_flight:
            collect(in_flight.popleft().result())
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
    precision: str = "float32",
    image_source: str,
    table_path: str | Path,
    sidecar_path: str | Path,
) -> dict[str, Any]:
    """Check ``image_root/split``, extract its features, write the table and the provenance sidecar."""
    listing = imagefolder.scan_split(image_root, split, on_bad_image=on_bad_image)
    for item in listing.ignored:
        log.info("ignored %s: %s", item["path"], item["reason"])
    for bad in listing.skipped:
        log.warning("skipped %s: %s", bad["path"], bad["reason"])
    model, weights_provenance = weights.resnet50(weights_spec, seed, weights_path)
    chosen = resolve_device(device)
    check_precision(precision, chosen)  # before the weights load and the images decode
    log.info(
        "%s: %d images, weights: %s, %d threads, device %s%s, CPU %s, instruction sets %s",
        split,
        len(listing.samples),
        weights_provenance["description"],
        threads,
        chosen,
        f" ({gpu_name(chosen)})" if chosen.type == "cuda" else "",
        cpu_isa.cpu_model(),
        cpu_isa.instruction_set(),  # probed before the first convolution, which would print the headers
    )
    features = extract(
        backbone(model),
        listing.samples,
        batch_size=batch_size,
        device=chosen,
        threads=threads,
        batchnorm=batchnorm,
        precision=precision,
    )
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
        listing,
        split,
        image_source,
        str(image_root),
        weights_provenance,
        chosen,
        batch_size,
        batchnorm,
        precision,
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
    precision: str = "float32",
) -> dict[str, Any]:
    """What the features of a split are made of (shown by the report, copied into the metrics)."""
    return {
        "split": split,
        "n_images": len(listing.samples),
        "classes": listing.classes,
        "counts": listing.counts(),
        "skipped": listing.skipped,
        "ignored": listing.ignored,
        "census": listing.census(),
        "image_source": image_source,
        "image_root": image_root,
        "weights": dict(weights_provenance),
        "model": "torchvision resnet50 without fc (2048-d pooled output), "
        + (
            "eval mode"
            if batchnorm == "eval"
            else "BatchNorm in training mode, one image per batch (as the notebooks)"
        ),
        "transform": TRANSFORM_DESCRIPTION,
        "batch_size": 1 if batchnorm == "notebook" else batch_size,
        "batchnorm": batchnorm,
        "device": device.type,
        "precision": precision,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "cpu": cpu_isa.cpu_model(),  # information: float32 features differ in their last digits by CPU
        "instruction_set": cpu_isa.instruction_set(),
        "gpu": gpu_name(device),
    }
