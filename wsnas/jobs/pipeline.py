"""The jobs of the Snakemake pipeline, one function per rule.

Each function takes the ``snakemake`` object that a rule's script receives (config, input, output,
params, wildcards, threads, log) and does all the work, so ``workflow/scripts/*.py`` stay one line and
everything here can be called and tested without Snakemake.
"""

import functools
import logging
from pathlib import Path

import pandas as pd

from wsnas.core.space import CHILD_IDS
from wsnas.errors import WsnasError
from wsnas.reporting import analysis
from wsnas.reporting.results import read_table, write_csv

log = logging.getLogger("wsnas")


def _start(smk):
    handlers = [logging.StreamHandler()]
    if getattr(smk, "log", None):
        Path(smk.log[0]).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(smk.log[0], mode="a"))
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=handlers, force=True)


def job(function):
    """A rule's job: logging to the rule's log, and bad input reported as one line (exit status 1)."""

    @functools.wraps(function)
    def run(smk):
        _start(smk)
        try:
            return function(smk)
        except WsnasError as error:
            log.error("wsnas: error: %s", error)
            raise SystemExit(1) from None

    return run


# -- rules ----------------------------------------------------------------------------------------------
def _seed_matrices(paths) -> dict[int, pd.DataFrame]:
    """Ground-truth accuracy matrices by seed, from chunk files named .../seed{S}/chunk{C}.csv."""
    by_seed: dict[int, list] = {}
    for path in map(Path, paths):
        by_seed.setdefault(int(path.parent.name.removeprefix("seed")), []).append(
            read_table(path, ["child", "epoch", "accuracy"]))
    matrices = {}
    for seed, parts in sorted(by_seed.items()):
        matrices[seed] = analysis.accuracy_matrix_from_frame(pd.concat(parts), f"ground truth of seed {seed}")
    return matrices


@job
def ground_truth(smk):
    summary = analysis.ground_truth_summary(_seed_matrices(list(smk.input)))
    write_csv(summary, smk.output[0])


def _gt_mean(path):
    table = read_table(path, ["child", "mean"]).set_index("child")
    return table.reindex(list(CHILD_IDS))["mean"].values


@job
def experiment_metrics(smk):
    matrices = [analysis.accuracy_matrix(p) for p in smk.input.accuracy]
    gt = _gt_mean(smk.input.ground_truth)
    write_csv(analysis.stability_per_epoch(matrices), smk.output.per_epoch)
    per_instance = [analysis.gt_metrics(m, gt).assign(instance=i) for i, m in enumerate(matrices)]
    write_csv(pd.concat(per_instance), smk.output.gt_metrics)
    rows = [{"instance": i, **analysis.last_epochs_stability(m, smk.params.last_epochs)} for i, m in enumerate(matrices)]
    write_csv(pd.DataFrame(rows), smk.output.last_epochs)


@job
def ground_truth_metrics(smk):
    matrices = list(_seed_matrices(list(smk.input.seeds)).values())
    gt = _gt_mean(smk.input.summary)
    write_csv(analysis.stability_per_epoch(matrices), smk.output.per_epoch)
    rows = [analysis.gt_metrics(m.iloc[[-1]], gt).assign(seed=s) for s, m in enumerate(matrices)]
    write_csv(pd.concat(rows), smk.output.gt_metrics)


@job
def random_rank(smk):
    a = smk.params.analysis
    write_csv(analysis.random_rank_stability(a["random_rankings"], a["random_seed"]), smk.output[0])


@job
def table1(smk):
    from wsnas.reporting.tables import table1_stability, write_table

    write_table(table1_stability(smk.params.config, smk.input), smk.output, "Table 1: instability across instances (S-Tau)",
                smk.params.provenance)


@job
def table2(smk):
    from wsnas.reporting.tables import table2_ground_truth, write_table

    write_table(table2_ground_truth(smk.params.config, smk.input), smk.output, "Table 2: comparison with the ground truth (GT-Tau, TnR)",
                smk.params.provenance)


@job
def figure2(smk):
    from wsnas.reporting.figures import fig2_stau_per_epoch

    fig2_stau_per_epoch(smk.params.config, smk.input, smk.output)


@job
def figure3(smk):
    from wsnas.reporting.figures import fig3_rank_distribution

    fig3_rank_distribution(smk.params.config, smk.input, smk.output)


# -- studies: Tables 3-4, Figures 4-9, the paper comparison ---------------------------------------------------
@job
def study_metrics(smk):
    gt = _gt_mean(smk.input.ground_truth)
    window = smk.params.window
    rows = [{"instance": i, **analysis.window_metrics(analysis.dense_matrix(p), gt, window)}
            for i, p in enumerate(smk.input.dense)]
    write_csv(pd.DataFrame(rows), smk.output[0])


def _by_run(smk):
    return {Path(p).stem: p for p in smk.input.metrics}


@job
def table3a(smk):
    from wsnas.reporting.study_tables import table3a_group_sharing, write_long_table

    write_long_table(table3a_group_sharing(smk.params.config, _by_run(smk)), smk.output,
                     "Table 3a: group sharing (GT-Tau-Mean-k, GT-Tau-Std-k)", smk.params.config, smk.params.provenance)


@job
def table3b(smk):
    from wsnas.reporting.study_tables import table4_prefix_sharing, write_long_table

    epochs = smk.params.config["studies"]["prefix"]["epochs"][0]
    write_long_table(table4_prefix_sharing(smk.params.config, _by_run(smk), epochs), smk.output,
                     "Table 3b: prefix sharing (GT-Tau-Mean-k, GT-Tau-Std-k)", smk.params.config, smk.params.provenance)


@job
def table4(smk):
    from wsnas.reporting.study_tables import table4_prefix_sharing, write_long_table

    write_long_table(table4_prefix_sharing(smk.params.config, _by_run(smk)), smk.output,
                     "Table 4: prefix sharing details", smk.params.config, smk.params.provenance)


@job
def figure(smk):
    """Figures 4-9: ``params.figure`` names the function of wsnas.reporting.study_figures."""
    from wsnas.reporting import study_figures

    getattr(study_figures, smk.params.figure)(smk.params.config, smk.input, smk.output)


@job
def paper_comparison(smk):
    from wsnas.reporting import comparison

    i = smk.input
    frames = [read_table(p, ["ours", "ours_std", "paper", "paper_std"]).fillna({"column": ""}) for p in (i.table3a, i.table3b, i.table4)]
    table1 = pd.read_csv(i.table1)
    table2 = pd.read_csv(i.table2)
    compared = comparison.compare(comparison.long_rows(table1, table2, frames))
    reference_md = ""
    config = smk.params.config
    if config["reference"]["ground_truth"]:
        finals = {}
        for name, exp in config["experiments"].items():
            paths = [p for p in i.accuracy if Path(p).parts[-3] == name]
            finals[exp["label"]] = [analysis.accuracy_matrix(p).iloc[-1].values for p in paths]
        reference_md = comparison.reference_section(config, _gt_mean(i.ground_truth), finals)
    comparison.write_report(config, smk.params.provenance, compared, smk.output, reference_md)
