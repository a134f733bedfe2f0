"""The learning-rate schedule of every method (Zhang et al. 2020, Appendix A.1)."""

import math


def cosine_lr(epoch: int, epochs: int, lr: float, lr_min: float) -> float:
    """Cosine annealing without restart, stepped per epoch (CosineAnnealingLR closed form)."""
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * epoch / epochs)) / 2
