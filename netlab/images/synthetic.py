"""Synthetic ants vs bees: an offline stand-in for the hymenoptera images.

The real data set cannot be downloaded on every machine, so the default
workflow draws its own ImageFolder tree with the notebooks' counts. Ants and
bees differ the way real ones do (ants: dark, slender, three body segments,
thin legs, elbowed antennae; bees: round, yellow/black striped, with wings),
but pose, scale, colour, background, blur and look-alikes (winged ants, dark
bees, yellow flowers) vary, so the classes are learnable without being
trivial. Each image has its own seed (config seed, split, class, index):
changing one count never changes the other images, and the same config gives
the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from netlab import atomic
from netlab.seeds import derive_seed

Color = tuple[int, int, int]
Rng = np.random.Generator

# Natural background palettes: foliage, soil, sky, stone, sand.
_GROUND: tuple[Color, ...] = (
    (70, 120, 40), (110, 150, 60), (40, 80, 30), (120, 95, 60), (150, 120, 85),
    (135, 175, 215), (170, 170, 160), (200, 180, 140), (90, 70, 50),
)  # fmt: skip
_PETALS: tuple[Color, ...] = (
    (245, 245, 240), (240, 150, 190), (150, 90, 200), (245, 210, 40), (220, 50, 50), (250, 140, 30),
)  # fmt: skip


def _jitter(rng: Rng, color: Color, amount: int) -> Color:
    shift = rng.integers(-amount, amount + 1, size=3)
    return tuple(min(255, max(0, int(c + d))) for c, d in zip(color, shift, strict=True))  # type: ignore[return-value]


def _pick(rng: Rng, colors: tuple[Color, ...]) -> Color:
    return colors[int(rng.integers(len(colors)))]


# --- backgrounds ---------------------------------------------------------------


def _gradient(rng: Rng, w: int, h: int) -> np.ndarray:
    """Two colours blended along a random direction."""
    a = np.array(_jitter(rng, _pick(rng, _GROUND), 25), np.float32)
    b = np.array(_jitter(rng, _pick(rng, _GROUND), 25), np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    t = x * math.cos(angle) + y * math.sin(angle)
    t = (t - t.min()) / max(float(np.ptp(t)), 1.0)
    return a + (b - a) * t[..., None]


def _blotches(rng: Rng, w: int, h: int) -> np.ndarray:
    """Smooth coloured noise, like an out-of-focus scene."""
    cells = int(rng.integers(3, 12))
    base = np.array(_pick(rng, _GROUND), np.float32)
    shade = rng.normal(0, 30, (cells, cells, 1)) + rng.normal(0, 15, (cells, cells, 3))
    small = np.clip(base + shade, 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC), np.float32)


def _grass(rng: Rng, image: Image.Image, blades: int) -> None:
    """Blades of grass growing up from the bottom."""
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for _ in range(blades):
        x0, y0 = rng.uniform(0, w), rng.uniform(h * 0.2, h * 1.1)
        length = rng.uniform(0.08, 0.35) * h
        lean = rng.normal(0, 0.35)
        x1, y1 = x0 + lean * length, y0 - length
        color = _jitter(rng, (60, 130, 45), 40)
        draw.line([(x0, y0), (x1, y1)], fill=color, width=int(rng.integers(1, 4)))


def _flowers(rng: Rng, image: Image.Image) -> None:
    """Scattered flowers: petals around a disc (some yellow, like a bee)."""
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for _ in range(int(rng.integers(2, 9))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.04, 0.14) * min(w, h)
        petal = _jitter(rng, _pick(rng, _PETALS), 20)
        n = int(rng.integers(5, 9))
        turn = rng.uniform(0, 2 * math.pi)
        for k in range(n):
            a = turn + 2 * math.pi * k / n
            px, py = cx + 0.6 * r * math.cos(a), cy + 0.6 * r * math.sin(a)
            pts = _ellipse_points(0, 0, 0.5 * r, 0.22 * r)
            draw.polygon(_place(pts, a, 1.0, px, py), fill=petal)
        disc = (
            _jitter(rng, (230, 180, 30), 30)
            if rng.random() < 0.6
            else _jitter(rng, (90, 60, 30), 20)
        )
        draw.ellipse([cx - 0.3 * r, cy - 0.3 * r, cx + 0.3 * r, cy + 0.3 * r], fill=disc)


def background(rng: Rng, w: int, h: int) -> Image.Image:
    """A natural-looking scene: a gradient or blotches, often with grass or flowers."""
    base = _gradient(rng, w, h) if rng.random() < 0.5 else _blotches(rng, w, h)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.45:
        _grass(rng, image, int(w * h / rng.uniform(250, 700)))
    if rng.random() < 0.35:
        _flowers(rng, image)
    return image


# --- insects, drawn in body coordinates (length 1, head towards +x) ------------


def _ellipse_points(cx: float, cy: float, rx: float, ry: float, n: int = 28) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _place(
    points: np.ndarray, angle: float, scale: float, x: float, y: float
) -> list[tuple[float, float]]:
    """Body coordinates to pixels: rotate, scale, translate."""
    c, s = math.cos(angle), math.sin(angle)
    p = np.asarray(points, np.float64) * scale
    return [(x + px * c - py * s, y + px * s + py * c) for px, py in p]


class _Pen:
    """Draws body-coordinate shapes onto an image at one pose."""

    def __init__(self, draw: ImageDraw.ImageDraw, angle: float, length: float, x: float, y: float):
        self.draw, self.angle, self.length, self.x, self.y = draw, angle, length, x, y

    def blob(self, cx: float, cy: float, rx: float, ry: float, fill: tuple[int, ...]) -> None:
        self.polygon(_ellipse_points(cx, cy, rx, ry), fill)

    def polygon(self, points: np.ndarray, fill: tuple[int, ...]) -> None:
        self.draw.polygon(_place(points, self.angle, self.length, self.x, self.y), fill=fill)

    def limb(self, points: list[tuple[float, float]], width: float, fill: tuple[int, ...]) -> None:
        px = _place(np.array(points), self.angle, self.length, self.x, self.y)
        self.draw.line(px, fill=fill, width=max(1, round(width * self.length)), joint="curve")


def _legs(
    pen: _Pen, rng: Rng, roots: tuple[float, ...], reach: float, width: float, color: Color
) -> None:
    """Three pairs of jointed legs, splayed forward, sideways and back."""
    for root, sweep in zip(roots, (0.12, 0.0, -0.15), strict=True):
        for side in (-1, 1):
            knee = (root + sweep + rng.normal(0, 0.03), side * reach * rng.uniform(0.5, 0.7))
            foot = (
                knee[0] + 1.6 * sweep + rng.normal(0, 0.05),
                side * reach * rng.uniform(0.9, 1.2),
            )
            pen.limb([(root, side * 0.02), knee, foot], width, color)


def _wings(pen: _Pen, rng: Rng, root: float, size: float, tint: tuple[int, int, int, int]) -> None:
    """Two translucent pairs of wings swept back from the thorax."""
    for side in (-1, 1):
        for spread, scale in ((rng.uniform(0.35, 0.7), 1.0), (rng.uniform(0.7, 1.1), 0.7)):
            a = math.pi - side * spread
            rx, ry = size * scale, size * scale * 0.36
            wing = _ellipse_points(rx, 0, rx, ry)
            c, s = math.cos(a), math.sin(a)
            rotated = np.stack(
                [wing[:, 0] * c - wing[:, 1] * s, wing[:, 0] * s + wing[:, 1] * c], axis=1
            )
            pen.polygon(rotated + np.array([root, side * 0.04]), tint)


def draw_ant(pen: _Pen, rng: Rng) -> None:
    """Dark and slender: gaster, waist, narrow thorax, head, thin legs, elbowed antennae."""
    roll = rng.random()
    body = (20, 15, 12) if roll < 0.5 else (65, 35, 20) if roll < 0.8 else (140, 55, 25)
    body = _jitter(rng, body, 15)
    legs = _jitter(rng, body, 10)
    thin = rng.uniform(0.8, 1.2)
    _legs(pen, rng, (0.0, 0.06, 0.12), reach=0.33, width=0.012, color=legs)
    pen.blob(-0.29, 0, 0.2 * rng.uniform(0.85, 1.15), 0.12 * thin, body)
    pen.blob(-0.08, 0, 0.04, 0.03, body)
    pen.blob(0.06, 0, 0.13, 0.05 * thin, body)
    pen.blob(0.27, 0, 0.085, 0.075 * thin, body)
    for side in (-1, 1):
        elbow = (0.42, side * rng.uniform(0.06, 0.12))
        tip = (0.48 + rng.uniform(0, 0.06), side * rng.uniform(0.18, 0.26))
        pen.limb([(0.33, side * 0.03), elbow, tip], 0.01, legs)
        pen.limb([(0.34, side * 0.02), (0.38, side * 0.005)], 0.015, legs)
    shine = tuple(min(255, c + 60) for c in body)
    pen.blob(-0.32, -0.04, 0.06, 0.025, shine)
    if rng.random() < 0.12:  # a winged queen or male: wings alone do not make a bee
        _wings(pen, rng, 0.06, 0.3, (235, 235, 245, 110))


def draw_bee(pen: _Pen, rng: Rng) -> None:
    """Round and fuzzy: striped abdomen, furry thorax, dark head, short legs, two pairs of wings."""
    dark_bee = rng.random() < 0.12  # carpenter-bee-like: black, few stripes
    yellow = _jitter(rng, (30, 28, 35) if dark_bee else (225, 170, 40), 25)
    stripe = _jitter(rng, (25, 20, 15), 10)
    fuzz = _jitter(rng, (40, 35, 30) if dark_bee else (185, 135, 55), 25)
    cx, rx, ry = -0.2, 0.26 * rng.uniform(0.9, 1.1), 0.17 * rng.uniform(0.9, 1.15)
    _legs(pen, rng, (0.0, 0.08, 0.14), reach=0.24, width=0.022, color=stripe)
    pen.blob(cx, 0, rx, ry, yellow)
    bands = int(rng.integers(2, 5))
    for k in range(bands):  # black bands clipped to the abdomen outline
        x1 = cx - rx + rx * 2 * (k + 0.6) / (bands + 0.6)
        x2 = min(x1 + rx * rng.uniform(0.18, 0.3), cx + rx)
        xs = np.linspace(x1, x2, 8)
        half = ry * np.sqrt(np.clip(1 - ((xs - cx) / rx) ** 2, 0, 1))
        band = np.concatenate([np.stack([xs, half], 1), np.stack([xs[::-1], -half[::-1]], 1)])
        pen.polygon(band, stripe)
    pen.blob(0.08, 0, 0.14, 0.135, fuzz)
    pen.blob(0.08, 0, 0.07, 0.06, tuple(max(0, c - 50) for c in fuzz))
    pen.blob(0.25, 0, 0.075, 0.1, stripe)
    for side in (-1, 1):
        pen.blob(0.26, side * 0.07, 0.045, 0.03, (15, 12, 10))
        pen.limb([(0.3, side * 0.03), (0.36, side * 0.06), (0.4, side * 0.12)], 0.014, stripe)
    tint = (170, 170, 190, 120) if dark_bee else (230, 235, 245, 120)
    _wings(pen, rng, 0.1, rng.uniform(0.26, 0.34), tint)


DRAWERS: dict[str, Callable[[_Pen, Rng], None]] = {"ants": draw_ant, "bees": draw_bee}


# --- images and the tree -------------------------------------------------------


def image_size(rng: Rng, min_side: int, max_side: int) -> tuple[int, int]:
    """Width and height in [min_side, max_side], landscape or portrait, aspect up to 1.7."""
    long = int(rng.integers(min_side, max_side + 1))
    short = max(min_side, round(long / rng.uniform(1.0, 1.7)))
    return (long, short) if rng.random() < 0.7 else (short, long)


def _soften(layer: Image.Image, radius: float) -> Image.Image:
    """Blur the drawn part of a layer (anti-aliasing), not the empty rest of it."""
    box = layer.getbbox()
    if box is None:
        return layer
    margin = math.ceil(3 * radius)
    w, h = layer.size
    box = (
        max(0, box[0] - margin),
        max(0, box[1] - margin),
        min(w, box[2] + margin),
        min(h, box[3] + margin),
    )
    layer.paste(layer.crop(box).filter(ImageFilter.GaussianBlur(radius)), box[:2])
    return layer


def render(class_name: str, rng: Rng, min_side: int, max_side: int) -> Image.Image:
    """One RGB picture of ``class_name`` ('ants' or 'bees') in a random scene."""
    try:
        drawer = DRAWERS[class_name]
    except KeyError:
        raise ValueError(
            f"synthetic images: no drawing for class '{class_name}' (known: ants, bees)"
        ) from None
    w, h = image_size(rng, min_side, max_side)
    image = background(rng, w, h).convert("RGBA")
    count = 1 + int(rng.random() < (0.35 if class_name == "ants" else 0.15))
    for _ in range(count):
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        length = min(w, h) * rng.uniform(0.35, 0.8) / math.sqrt(count)
        x, y = w * rng.uniform(0.25, 0.75), h * rng.uniform(0.25, 0.75)
        pen = _Pen(ImageDraw.Draw(layer), rng.uniform(0, 2 * math.pi), length, x, y)
        drawer(pen, rng)
        image = Image.alpha_composite(image, _soften(layer, rng.uniform(0.3, 1.0)))
    image = image.convert("RGB")
    if rng.random() < 0.25:  # blades in front of the insect hide part of it
        _grass(rng, image, int(rng.integers(1, 6)))
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    noise = rng.standard_normal((h, w, 3), dtype=np.float32) * rng.uniform(2, 8)
    pixels = np.asarray(image, np.float32) * rng.uniform(0.75, 1.2) + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def write_tree(
    dest: str | Path,
    counts: Mapping[str, Mapping[str, int]],
    seed: int,
    min_side: int,
    max_side: int,
) -> dict[str, dict[str, int]]:
    """Write ``dest/{split}/{class}/{class}_{i:04d}.jpg`` for every split and class in ``counts``.

    The tree is built in a temporary sibling and renamed into place, so
    ``dest`` is either absent or complete. Returns the counts written.
    """
    if not 0 < min_side <= max_side:
        raise ValueError(
            f"synthetic images: need 0 < min_side <= max_side, got {min_side}, {max_side}"
        )
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(f"synthetic images: {dest} already exists; remove it first")
    with atomic.replacing_dir(dest) as tmp:
        for split, classes in counts.items():
            for class_name, n in classes.items():
                folder = tmp / split / class_name
                folder.mkdir(parents=True)
                for i in range(n):
                    rng = np.random.default_rng(derive_seed(seed, "images", split, class_name, i))
                    picture = render(class_name, rng, min_side, max_side)
                    picture.save(
                        folder / f"{class_name}_{i:04d}.jpg",
                        "JPEG",
                        quality=int(rng.integers(80, 96)),
                    )
    return {split: dict(classes) for split, classes in counts.items()}
