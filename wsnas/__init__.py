"""wsnas: reproducible weight-sharing NAS experiments (Zhang et al., "Deeper Insights into Weight Sharing
in Neural Architecture Search", seed 002) on a 64-child toy search space."""

__version__ = "0.1.0"
