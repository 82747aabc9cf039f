"""Exact checks of the training targets and augmentation on small inline arrays.

Run by test/unit/training-smoke.test.ts; prints "targets ok" or raises.
Usage: /usr/bin/python3 models/training/test_targets.py
"""

from __future__ import annotations

import numpy as np

from augment import Strong, gaussian_blur, hue_rotation, jitter_stain, random_crop, resize_to, sample_batch
from dataset import Sample, split, synthetic_dataset
from targets import disk, marker_radius, shape_marker


def test_radius_table() -> None:
    got = [marker_radius(a) for a in (1, 70, 71, 120, 121, 500, 501, 5000)]
    assert got == [0, 0, 1, 1, 4, 4, 6, 6], got


def test_disk_matches_skimage_definition() -> None:
    assert disk(1).astype(int).tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    assert disk(4).sum() == 49  # integer points with x^2 + y^2 <= 16


def test_touching_small_nuclei_are_cut_apart() -> None:
    labels = np.zeros((4, 8), np.int32)
    labels[1:3, 1:4] = 1  # area 6 -> radius 0
    labels[1:3, 4:7] = 2
    marker = shape_marker(labels)
    assert marker.tolist() == [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 1, 0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0, 1, 1, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
    ], marker.tolist()
    assert labels[1, 3] == 1  # input untouched


def test_erosion_radius_one_and_image_border() -> None:
    # A 10x12 block (area 120 -> radius 1) flush with the top edge: eroded by one
    # pixel on three sides, not from the image border.
    labels = np.zeros((12, 14), np.int32)
    labels[0:10, 1:13] = 7
    marker = shape_marker(labels)
    expected = np.zeros_like(marker)
    expected[0:9, 2:12] = 1
    assert np.array_equal(marker, expected), marker


def test_hue_rotation_keeps_grey_and_is_orthogonal() -> None:
    r = hue_rotation(0.05)
    assert np.allclose(r @ np.ones(3), np.ones(3), atol=1e-6)
    assert np.allclose(r @ r.T, np.eye(3), atol=1e-6)


def test_crop_keeps_planes_aligned() -> None:
    image = np.zeros((8, 8, 3), np.uint8)
    image[2, 5] = 255
    mask = (image[..., 0] > 0).astype(np.uint8)
    sample = Sample("t", image, mask, mask.copy())
    rng = np.random.default_rng(3)
    for _ in range(8):
        crop, m, k = random_crop(sample, 8, rng)
        assert np.array_equal((crop[..., 0] > 0).astype(np.uint8), m) and np.array_equal(m, k)


def test_zoomed_crop_keeps_planes_aligned_and_labels_exact() -> None:
    image = np.zeros((40, 40, 3), np.uint8)
    mask = np.zeros((40, 40), np.uint8)
    mask[8:24, 12:30] = 1
    image[mask == 1] = 200
    sample = Sample("t", image, mask, mask.copy())
    rng = np.random.default_rng(5)
    for zoom in (0.8, 1.25):
        crop, m, k = random_crop(sample, 16, rng, zoom)
        assert crop.shape == (16, 16, 3) and m.shape == k.shape == (16, 16)
        assert set(np.unique(m)) <= {0, 1} and np.array_equal(m, k)  # nearest: no new label values
        # Bilinear blurs the edge by at most one pixel: inside and well outside agree with the mask.
        assert np.all(crop[..., 0][m == 1] > 0)


def test_resize_identity_and_halving() -> None:
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    assert np.array_equal(resize_to(a, 4, nearest=False), a) and np.array_equal(resize_to(a, 4, nearest=True), a)
    # Halving: each output pixel centre sits between four input centres, their mean.
    assert np.allclose(resize_to(a, 2, nearest=False), [[2.5, 4.5], [10.5, 12.5]])


def test_stain_jitter_is_identity_at_zero_and_blur_keeps_constants() -> None:
    rng = np.random.default_rng(0)
    image = (rng.random((8, 8, 3)) * 0.8 + 0.1).astype(np.float32)
    assert np.abs(jitter_stain(image, rng, Strong(stain_scale=0, stain_shift=0)) - image).max() < 1e-5
    jittered = jitter_stain(image, rng, Strong())
    assert jittered.shape == image.shape and 0 <= jittered.min() and jittered.max() <= 1
    flat = np.full((9, 9, 3), 0.25, np.float32)
    assert np.allclose(gaussian_blur(flat, 0.7), flat)


def test_strong_batches_keep_binary_targets() -> None:
    samples = synthetic_dataset(3, 48, 1)
    x, y, has_marker = sample_batch(samples, 4, 32, 0.5, np.random.default_rng(2), strong=Strong())
    assert x.shape == (4, 3, 32, 32) and y.shape == (4, 2, 32, 32) and has_marker.shape == (4,)
    assert 0 <= x.min() and x.max() <= 1 and set(np.unique(y)) <= {0.0, 1.0}


def test_split_holds_out_labelled_images_only() -> None:
    samples = synthetic_dataset(6, 32, 0)
    train, val = split(samples, 2, 0)
    assert len(val) == 2 and all(s.has_labels for s in val)
    assert {s.stem for s in train} | {s.stem for s in val} == {s.stem for s in samples}
    assert [s.stem for s in split(samples, 2, 0)[1]] == [s.stem for s in val]  # fixed by the seed


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
    print("targets ok")
