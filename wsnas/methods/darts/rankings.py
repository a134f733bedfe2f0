"""DARTS's ranking of the 64 children by its architecture parameters, read from a run's per-epoch record
(``epochs.csv``): a row of Table 5 beside the BN modes (declared as the ``alpha`` ranking in
``wsnas.methods.darts``). Torch-free: the metrics job reads it.
"""

import numpy as np
import pandas as pd

from wsnas.core.space import CHILD_IDS


def child_scores(alpha) -> np.ndarray:
    """Each child's score from alpha (... x 3 edges x 4 operations): the sum of its alpha entries, which
    orders the children like the product of their softmax weights (``trainer.alpha_scores``)."""
    alpha = np.asarray(alpha, dtype=float)
    digits = np.array([[int(d) - 1 for d in child] for child in CHILD_IDS])  # 64 x 3 operation indices
    return sum(alpha[..., e, digits[:, e]] for e in range(3))


def alpha_matrix(history) -> pd.DataFrame | None:
    """Epochs x children scores from a run's ``epochs.csv`` (its ``alpha_raw_e<edge>_k<op>`` columns), or
    None when the run records no alpha."""
    frame = pd.read_csv(history)
    columns = [f"alpha_raw_e{e}_k{k}" for e in range(3) for k in range(4)]
    if not set(columns) <= set(frame.columns):
        return None
    scores = child_scores(frame[columns].to_numpy(dtype=float).reshape(-1, 3, 4))
    return pd.DataFrame(scores, index=pd.Index(frame["epoch"], name="epoch"), columns=list(CHILD_IDS))
