"""PA&DA's per-epoch sampling distributions on the 64-child space (Lu et al. 2023, Sec. 3.2-3.4): the
operation probabilities of each PA&DA run, and the entropy and effective sample size of its data
distribution. The producer takes the config, its input paths and the output paths."""

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from wsnas.core.space import OPERATIONS  # noqa: E402
from wsnas.reporting.figures import save  # noqa: E402
from wsnas.reporting.searches import epoch_means, run_files  # noqa: E402


def pada_probabilities(config, runs, inputs, outputs, ground_truth=None):
    """Per PA&DA run (``inputs``: results/searches/<run>/<instance>/epochs.csv), instances averaged: the
    probability of each operation per epoch (top row; max-pool, with no weights, falls as (1 - delta)/4 unless
    ``parameter_free: mean``; dashed: the share of the epoch's edge draws that max-pool got) and
    the data distribution's normalised entropy and effective sample size / N (bottom row)."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(2, len(runs), figsize=(2.8 * len(runs), 4.6), sharex="col", squeeze=False)
    for column, run in enumerate(runs):
        frame = epoch_means(run_files(inputs, run))
        top, bottom = axes[0][column], axes[1][column]
        for op in OPERATIONS:
            if f"pada_p_{op}" in frame:
                line, = top.plot(frame.index, frame[f"pada_p_{op}"], marker="o", markersize=2.5, label=op)
                if op == OPERATIONS[0] and f"pada_drawn_{op}" in frame:  # max-pool's share of the edge draws
                    top.plot(frame.index, frame[f"pada_drawn_{op}"], linestyle="--", color=line.get_color(),
                             label=f"{op} drawn")
        for name, label in (("pada_data_entropy", "entropy / log N"), ("pada_data_ess", "ESS / N")):
            if name in frame:
                bottom.plot(frame.index, frame[name], marker="o", markersize=2.5, label=label)
        for ax, what in ((top, "path"), (bottom, "data")):
            if not ax.lines:
                ax.text(0.5, 0.5, f"{what} sampling off", ha="center", va="center", transform=ax.transAxes, fontsize=7)
                ax.set_yticks([])
        top.set_title(config["searches"][run]["label"], fontsize=8)
        bottom.set_xlabel("epoch")
        bottom.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0][0].set_ylabel("operation probability")
    axes[1][0].set_ylabel("data distribution")
    for row in axes:  # one legend per row, from a panel that has its lines
        shown = next((ax for ax in row if ax.lines), None)
        if shown is not None:
            shown.legend(frameon=False, fontsize=6)
    return save(fig, outputs)
