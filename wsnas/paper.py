"""The published numbers of seed 002 that the reproduced tables are compared with.

Transcribed from "Deeper Insights into Weight Sharing in Neural Architecture Search" (Zhang et al.),
Table 1 (S-Tau at epoch 200, 10 instances) and Table 2 (mean and population std of 10 numbers).
"""

#: Table 1: row -> (S-Tau, Max Tau, Min Tau).
TABLE1 = {
    "Different seeds": (0.5415, 0.7977, 0.2471),
    "Different orders": (0.3930, 0.7021, -0.0129),
    "Diff. orders (shuffle)": (0.4403, 0.7163, 0.0764),
    "Random rank": (0.0382, 0.2181, -0.1552),
    "Ground truth": (0.7120, 0.8191, 0.6650),
    "Different epochs": (0.5310, 0.8752, 0.0918),
}

#: Table 2: row -> {metric: (mean, std)}.
TABLE2 = {
    "Different seeds": {"GT-Tau": (0.4567, 0.1478), "T1R": (18.5, 1.2042), "T3R": (17.6, 0.4899)},
    "Different orders": {"GT-Tau": (0.4625, 0.0993), "T1R": (16.9, 5.7000), "T3R": (11.5, 5.3712)},
    "Diff. orders (shuffle)": {"GT-Tau": (0.5108, 0.0665), "T1R": (15.6, 8.4758), "T3R": (11.2, 5.5462)},
    "Ground truth": {"GT-Tau": (0.7985, 0.0257), "T1R": (4.8, 3.8419), "T3R": (1.6, 0.9165)},
    "Different epochs": {"GT-Tau": (0.5053, 0.1399), "T1R": (15.2, 6.9828), "T3R": (13.2, 7.4404)},
}
