"""A seeded, procedurally generated image task that needs no download: oriented sinusoidal gratings.

Class k of ``classes`` is a grating at orientation pi * k / classes (jittered by a quarter of the class
spacing), with random phase, spatial frequency (``frequency``, cycles per pixel: 0.18-0.30 by default),
contrast and colour; pixel noise (``data.noise_sigma``) is added fresh in every training batch. Telling
neighbouring orientations apart takes oriented filters; a low-frequency grating shows under one period
across an 8x8 image, so its orientation takes filters of wide support (large or dilated kernels, depth).
Built to calibrate a demo in which the 64 children of Zhang et al. (2020) differ after training to
convergence (issue 29); how far they do is measured, per setting, in docs/log.md.
Every image is a function of (seed, index): the training and ranking sets are disjoint draws of one
stream, and any number of images can be drawn.
"""

import math

import torch


def gratings(n: int, resolution: int, seed: int, classes: int = 10, frequency=(0.18, 0.30)):
    """``n`` images (N x 3 x res x res, floats in [0, 1]) and their labels, drawn from ``seed``; spatial
    frequencies uniform in ``frequency`` (cycles per pixel)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    spacing = math.pi / classes
    theta = spacing * y.double() + (torch.rand(n, generator=g, dtype=torch.float64) - 0.5) * spacing / 2
    low, high = frequency
    freq = 2 * math.pi * (low + (high - low) * torch.rand(n, generator=g, dtype=torch.float64))
    phase = 2 * math.pi * torch.rand(n, generator=g, dtype=torch.float64)
    contrast = 0.5 + 0.5 * torch.rand(n, generator=g, dtype=torch.float64)
    colour = 0.6 + 0.4 * torch.rand(n, 3, generator=g, dtype=torch.float64)
    r = torch.arange(resolution, dtype=torch.float64) - (resolution - 1) / 2
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    along = xx * torch.cos(theta)[:, None, None] + yy * torch.sin(theta)[:, None, None]
    wave = 0.5 + 0.5 * contrast[:, None, None] * torch.sin(freq[:, None, None] * along + phase[:, None, None])
    images = (wave[:, None] * colour[:, :, None, None]).clamp(0, 1)
    return images.float().contiguous(), y


def gratings_split(resolution: int, train_images: int, test_images: int, seed: int, frequency=(0.18, 0.30)):
    """(train_x, train_y, test_x, test_y): the first ``train_images`` of the stream train, the next rank."""
    x, y = gratings(train_images + test_images, resolution, seed, frequency=frequency)
    return x[:train_images], y[:train_images], x[train_images:], y[train_images:]
