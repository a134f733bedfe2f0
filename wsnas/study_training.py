"""Training one study run (``wsnas.studies``) to its dense-evaluation table.

A group-sharing run trains its m groups as m independent supernets (Sec. 4.2), in lockstep so that
"the last k mini-batches" are the same steps for every group; with ``train.stacked`` on (CUDA) the
groups run as one batched computation (``wsnas.stacked``). Each group's trainer evaluates only its own
children; the table joins them per step.
"""

import logging
from pathlib import Path

import pandas as pd

from .config import merged
from .device import stacked_enabled
from .sharing import group_members
from .space import CHILD_IDS
from .stacked import run_trainers
from .train import Trainer

log = logging.getLogger("wsnas")


def train_groups(cfg: dict, data, folder) -> pd.DataFrame:
    members = group_members(cfg["sharing"])
    solo = merged(cfg, sharing={"mode": "full"})
    trainers = [Trainer(solo, data, Path(folder) / f"group{g:02d}", children=children)
                for g, children in enumerate(members)]
    for g, trainer in enumerate(trainers):
        log.info("group %d/%d: children %s", g + 1, len(trainers), " ".join(CHILD_IDS[c] for c in trainer.children))
    run_trainers(trainers, stacked_enabled(cfg["train"]["stacked"], data.device))
    tables = [t.dense_table() for t in trainers]
    joined = tables[0].copy()
    for table in tables[1:]:
        joined[list(CHILD_IDS)] = joined[list(CHILD_IDS)].fillna(table[list(CHILD_IDS)])
    joined["trained"] = [" ".join(row) for row in zip(*(t["trained"] for t in tables))]
    return joined


def train_study_run(cfg: dict, data, folder) -> pd.DataFrame:
    """Dense table (step, trained, one column per child) of one study run's instance."""
    if cfg["sharing"]["mode"] == "group":
        return train_groups(cfg, data, folder)
    return Trainer(cfg, data, folder).run().dense_table()
