"""DCNAS's learned local sharing on the 64-child space (Pan et al. 2022, Sec. 3.2, Algorithm 1): which children
share which weight copy of every operation in every (cell, edge) slot. The producer takes the config, its
input paths and the output paths."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from wsnas.reporting.figures import save  # noqa: E402
from wsnas.reporting.results import CHILDREN  # noqa: E402
from wsnas.reporting.searches import run_files  # noqa: E402

OP_SHORT = {"sep_conv_3x3": "sep3", "sep_conv_5x5": "sep5", "dil_conv_5x5": "dil5"}


def sharing_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """(slot, operation) x 64 children: the copy each child uses (NaN where the child does not run that
    operation on that slot's edge; -1 where the slot is not assigned yet). Rows are named by cell, edge and
    operation, followed, where the table has it, by the adjusted Rand index of the learned clustering with the
    untrained meta network's (``ari_untrained``; 1: the meta network's training changed nothing)."""
    ari = table["ari_untrained"] if "ari_untrained" in table else pd.Series(float("nan"), index=table.index)
    table = table.assign(row=[f"c{c} {e} {OP_SHORT.get(o, o)}" + ("" if pd.isna(a) else f" ARI {a:.2f}")
                              for c, e, o, a in zip(table["cell"], table["edge"], table["op"], ari)])
    order = list(dict.fromkeys(table.sort_values(["slot", "op"])["row"]))
    return table.pivot(index="row", columns="child", values="copy").reindex(index=order, columns=CHILDREN)


def dcnas_sharing(config, runs, inputs, outputs, ground_truth=None):
    """One panel per DCNAS run (``inputs``: results/searches/<run>/<instance>/sharing.csv; instance 0 drawn):
    rows are the 12 slots x 3 weighted operations, columns the 64 children, the colour the weight copy the
    child uses there (white: the child runs another operation on that edge)."""
    copies = max(int(pd.read_csv(p)["copy"].max()) for p in inputs) + 1
    cmap = ListedColormap(["0.85", *plt.get_cmap("tab10").colors[:max(copies, 1)]])  # -1: not assigned
    fig, axes = plt.subplots(1, len(runs), figsize=(6.2 * len(runs), 7.2), squeeze=False)
    for ax, run in zip(axes[0], runs):
        first = sorted(run_files(inputs, run), key=lambda p: int(str(p).split("/")[-2]))[0]
        matrix = sharing_matrix(pd.read_csv(first, dtype={"child": str}))
        image = ax.imshow(np.ma.masked_invalid(matrix.to_numpy(dtype=float)), cmap=cmap, vmin=-1.5,
                          vmax=copies - 0.5, aspect="auto", interpolation="nearest")
        ax.set_yticks(range(len(matrix)), matrix.index, fontsize=5)
        ax.set_xticks(range(0, 64, 4), CHILDREN[::4], rotation=90, fontsize=5)
        ax.set_xlabel("child")
        ax.set_title(f"{config['searches'][run]['label']} (instance 0)", fontsize=8)
    bar = fig.colorbar(image, ax=axes[0].tolist(), ticks=range(-1, copies), fraction=0.02)
    bar.ax.set_yticklabels(["unassigned", *(f"copy {k}" for k in range(copies))], fontsize=6)
    return save(fig, outputs)
