"""Batched augmentation on the device: one random crop and flip per image, no per-sample Python."""

import torch
import torch.nn.functional as F


def _shift(x, dy, dx, pad):
    """Translate each image of ``x`` (B, C, H, W) by its own (dy, dx) in [0, 2*pad], zero-filled."""
    b, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, :]
    return padded[torch.arange(b, device=x.device)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)


def random_crop_flip(x, generator, pad: int, flip: bool):
    """Pad-``pad`` random crop and random horizontal flip of a batch, one draw per image, on x's device."""
    b = x.shape[0]
    if pad:
        dy, dx = torch.randint(0, 2 * pad + 1, (2, b), generator=generator, device=x.device)
        x = _shift(x, dy, dx, pad)
    if flip:
        mask = torch.rand(b, generator=generator, device=x.device) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(3), x)
    return x
