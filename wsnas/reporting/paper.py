"""The published numbers of Zhang et al. 2020 that the reproduced tables are compared with (each remedy's own
paper's numbers are declared in its method's home, ``wsnas.methods.<name>``, and read here).

Transcribed from "Deeper Insights into Weight Sharing in Neural Architecture Search" (Zhang et al.),
Table 1 (S-Tau at epoch 200, 10 instances) and Table 2 (mean and population std of 10 numbers).
"""

import math

from wsnas.methods import declaration_of

#: The paper's setup, quoted beside ours in every table's provenance line.
SETUP = "CIFAR-10, 200 epochs, 10 instances, 10 seeds, fp32"
#: k of GT-Tau-Mean-k and GT-Tau-Std-k (Sec. 4.1), and the mini-batches evaluated densely at the end of training.
WINDOW, DENSE_STEPS = 64, 128
#: Table 4's epoch counts; Table 3b is the half of the first.
PREFIX_EPOCHS = (2000, 200)

#: Table 1: row -> (S-Tau, Max Tau, Min Tau). The last row is Sec. 3.2's text: each instance's S-Tau among
#: its last 10 epochs "turns out to vary between 0.39 to 0.63" (no median given).
TABLE1 = {
    "Different seeds": (0.5415, 0.7977, 0.2471),
    "Different orders": (0.3930, 0.7021, -0.0129),
    "Diff. orders (shuffle)": (0.4403, 0.7163, 0.0764),
    "Random rank": (0.0382, 0.2181, -0.1552),
    "Ground truth": (0.7120, 0.8191, 0.6650),
    "Different epochs": (0.5310, 0.8752, 0.0918),
    "Different epochs (range over instances)": (math.nan, 0.63, 0.39),
}

#: Table 2: row -> {metric: (mean, std)}.
TABLE2 = {
    "Different seeds": {"GT-Tau": (0.4567, 0.1478), "T1R": (18.5, 1.2042), "T3R": (17.6, 0.4899)},
    "Different orders": {"GT-Tau": (0.4625, 0.0993), "T1R": (16.9, 5.7000), "T3R": (11.5, 5.3712)},
    "Diff. orders (shuffle)": {"GT-Tau": (0.5108, 0.0665), "T1R": (15.6, 8.4758), "T3R": (11.2, 5.5462)},
    "Ground truth": {"GT-Tau": (0.7985, 0.0257), "T1R": (4.8, 3.8419), "T3R": (1.6, 0.9165)},
    "Different epochs": {"GT-Tau": (0.5053, 0.1399), "T1R": (15.2, 6.9828), "T3R": (13.2, 7.4404)},
}

#: Table 3a (group sharing): m -> {grouping: ((GT-Tau-Mean-64, ±), (GT-Tau-Std-64, ±))}, over 10 instances.
TABLE3A = {
    1: {"random": ((0.4988, 0.0320), (0.1497, 0.0455)), "similarity": ((0.4988, 0.0320), (0.1497, 0.0455))},
    2: {"random": ((0.4577, 0.0424), (0.1371, 0.0233)), "similarity": ((0.3425, 0.0490), (0.1442, 0.0424))},
    4: {"random": ((0.2736, 0.0216), (0.1340, 0.0235)), "similarity": ((0.7075, 0.0137), (0.0702, 0.0156))},
    8: {"random": ((0.2539, 0.0463), (0.1462, 0.0172)), "similarity": ((0.6917, 0.0267), (0.0457, 0.0088))},
    16: {"random": ((0.1658, 0.0316), (0.1255, 0.0155)), "similarity": ((0.7200, 0.0213), (0.0411, 0.0098))},
    32: {"random": ((0.2903, 0.0256), (0.1104, 0.0087)), "similarity": ((0.7360, 0.0164), (0.0364, 0.0096))},
    64: {"random": ((0.8032, 0.0255), (0.0151, 0.0036)), "similarity": ((0.8032, 0.0255), (0.0151, 0.0036))},
}

#: Table 4 (Table 3b is its 2000-epoch half): (epochs, k) -> metric -> (mean, ±) over 10 instances.
_T4_METRICS = ("GT-Tau-Mean-64", "GT-Tau-Std-64", "Accuracy Mean", "Accuracy Std")
_T4_ROWS = {
    (2000, 0): (0.6960, 0.0193, 0.0129, 0.0066, 0.7793, 0.0036, 0.0245, 0.0010),
    (2000, 1): (0.4837, 0.0822, 0.0939, 0.0545, 0.7691, 0.0089, 0.0378, 0.0040),
    (2000, 2): (0.4159, 0.0504, 0.1925, 0.0362, 0.6972, 0.0159, 0.0640, 0.0081),
    (2000, 3): (0.4448, 0.0689, 0.1881, 0.0468, 0.6636, 0.0178, 0.0823, 0.0113),
    (2000, 4): (0.5174, 0.0340, 0.1592, 0.0163, 0.6639, 0.0166, 0.0995, 0.0166),
    (200, 0): (0.0441, 0.1348, 0.0145, 0.0044, 0.6083, 0.0065, 0.0173, 0.0020),
    (200, 1): (0.3895, 0.0731, 0.0989, 0.0339, 0.6435, 0.0114, 0.0298, 0.0058),
    (200, 2): (0.4104, 0.0496, 0.1801, 0.0418, 0.6035, 0.0138, 0.0535, 0.0105),
    (200, 3): (0.4545, 0.0581, 0.1570, 0.0385, 0.6081, 0.0181, 0.0667, 0.0086),
    (200, 4): (0.4899, 0.0501, 0.1622, 0.0534, 0.6177, 0.0171, 0.0800, 0.0181),
}
TABLE4 = {key: {m: (v[2 * i], v[2 * i + 1]) for i, m in enumerate(_T4_METRICS)} for key, v in _T4_ROWS.items()}


def method_result(method: dict):
    """(number, source, same benchmark) of what a search run's method's own paper reports (its declaration's
    ``quotes``, ``wsnas.methods.declaration.Quote``), or None when the run's options make it another method
    than any quoted (an ablation) or its method quotes nothing. None of the quotes is on this benchmark: each
    was measured in another search space, so compare direction and rough size, never the value."""
    declaration = declaration_of(method["name"])
    quote = declaration.quoted(method) if declaration else None
    return (quote.number, quote.source, quote.same_benchmark) if quote else None
