"""The metric, table and comparison jobs (Zhang et al. 2020, Tables 1-4). Each takes config dicts and paths,
as the rules' scripts and the tests pass them, and never imports torch (the analysis environment has none):
only ``wsnas.reporting`` and ``wsnas.plan``. The figure jobs are the producers of
``wsnas.reporting.figures`` (Figures 2-3) and ``wsnas.reporting.study_figures`` (Figures 4-9) themselves,
which take the config, their input paths and the output paths; they alone import matplotlib."""

from pathlib import Path

import pandas as pd

from wsnas.reporting import analysis, comparison, methods_table, searches, study_tables, tables
from wsnas.reporting.results import read_ground_truth, write_csv


# -- metrics -------------------------------------------------------------------------------------------
def ground_truth_summary(seeds, output) -> None:
    """Each child's mean, std and rank of the final accuracy over the ground-truth seeds (``seeds``: every
    chunk file, .../seed{S}/chunk{C}.csv)."""
    write_csv(analysis.ground_truth_summary(analysis.seed_matrices(seeds)), output)


def experiment_metrics(accuracy, ground_truth, last: int, stability_per_epoch, gt_metrics, last_epochs) -> None:
    """One experiment's instances (``accuracy``: their accuracy tables): S-Tau per epoch, GT-Tau/T1R/T3R per
    instance and epoch, and each instance's S-Tau among its ``last`` epochs."""
    matrices = [analysis.accuracy_matrix(p) for p in accuracy]
    gt = read_ground_truth(ground_truth)
    write_csv(analysis.stability_per_epoch(matrices), stability_per_epoch)
    write_csv(pd.concat([analysis.gt_metrics(m, gt).assign(instance=i) for i, m in enumerate(matrices)]), gt_metrics)
    rows = [{"instance": i, **analysis.last_epochs_stability(m, last)} for i, m in enumerate(matrices)]
    write_csv(pd.DataFrame(rows), last_epochs)


def ground_truth_metrics(seeds, ground_truth, stability_per_epoch, gt_metrics) -> None:
    """The "Ground truth" rows: S-Tau of the seeds' standalone rankings per epoch, GT-Tau/T1R/T3R of each
    seed's final ranking against the seed mean."""
    matrices = list(analysis.seed_matrices(seeds).values())
    gt = read_ground_truth(ground_truth)
    write_csv(analysis.stability_per_epoch(matrices), stability_per_epoch)
    write_csv(pd.concat([analysis.gt_metrics(m.iloc[[-1]], gt).assign(seed=s) for s, m in enumerate(matrices)]), gt_metrics)


def random_rank(rankings: int, seed: int, output) -> None:
    """The "Random rank" row: S-Tau of ``rankings`` seeded random permutations of the 64 children."""
    write_csv(analysis.random_rank_stability(rankings, seed), output)


def study_metrics(dense, ground_truth, window: int, output) -> None:
    """Per instance of a study run (``dense``: its dense tables): GT-Tau-Mean-k, GT-Tau-Std-k and the
    accuracy mean and std over the last ``window`` mini-batches."""
    gt = read_ground_truth(ground_truth)
    rows = [{"instance": i, **analysis.window_metrics(analysis.dense_matrix(p), gt, window)} for i, p in enumerate(dense)]
    write_csv(pd.DataFrame(rows), output)


def search_metrics(run: str, accuracy: dict, dense, ground_truth, dense_mode: str, window: int, interval: int,
                   instances, summary, disturbance) -> None:
    """One search run (``accuracy``: BN mode -> its instances' accuracy tables, the first mode's at every
    epoch; ``dense``: their dense tables): metrics per instance and their summary per BN mode, and DI-NAS's
    Figure 3 quantities from the first mode's per-epoch rankings."""
    gt = read_ground_truth(ground_truth)
    matrices = {bn: [analysis.accuracy_matrix(p) for p in paths] for bn, paths in accuracy.items()}
    per_instance, per_mode = searches.run_metrics(run, matrices, list(dense), gt, dense_mode, window)
    write_csv(per_instance, instances)
    write_csv(per_mode, summary)
    write_csv(searches.disturbance(run, next(iter(matrices.values())), interval), disturbance)


# -- tables --------------------------------------------------------------------------------------------
# Each writes the table's long form (wsnas.reporting.tables) as .csv and its view as .md and .tex.
def table1_stability(config: dict, stability, last_epochs, random_rank, gt_stability, outputs, provenance=None) -> None:
    frame = tables.table1_stability(config, stability, last_epochs, random_rank, gt_stability)
    tables.write_table(frame, outputs, provenance)


def table2_ground_truth(config: dict, gt_metrics, gt_seed_metrics, outputs, provenance=None) -> None:
    tables.write_table(tables.table2_ground_truth(config, gt_metrics, gt_seed_metrics), outputs, provenance)


def table3a_group_sharing(config: dict, metrics, outputs, provenance=None) -> None:
    frame = study_tables.table3a_group_sharing(config, metrics)
    tables.write_table(frame, outputs, provenance, config["studies"]["window"])


def table3b_prefix_sharing(config: dict, metrics, outputs, provenance=None) -> None:
    frame = study_tables.table3b_prefix_sharing(config, metrics)
    tables.write_table(frame, outputs, provenance, config["studies"]["window"])


def table4_prefix_details(config: dict, metrics, outputs, provenance=None) -> None:
    frame = study_tables.table4_prefix_details(config, metrics)
    tables.write_table(frame, outputs, provenance, config["studies"]["window"])


def table5_methods(config: dict, summaries, instances, benchmarks, outputs, provenance=None) -> None:
    """Table 5 (``benchmarks``: the train jobs' Snakemake benchmark files .../<run>/<instance>.tsv)."""
    by_run = {}
    for path in benchmarks:
        by_run.setdefault(Path(path).parent.name, []).append(path)
    frame = methods_table.table5_methods(config, summaries, instances, by_run)
    methods_table.write_table5(frame, config, outputs, provenance)


# -- the reviewers' report -----------------------------------------------------------------------------
def paper_comparison(config: dict, table_files, ground_truth, accuracy, outputs, provenance: str) -> None:
    """Every number of Tables 1-4 (``table_files``: their CSVs, long form) with the paper's and a verdict; with
    ``reference.ground_truth`` set, our ground truth and each experiment's final GT-Tau (``accuracy``: the
    accuracy tables results/supernet/<experiment>/<instance>/accuracy.csv) against the reference too."""
    compared = comparison.compare(comparison.read_tables(table_files))
    reference_md = ""
    if config["reference"]["ground_truth"]:
        finals = {exp["label"]: [analysis.accuracy_matrix(p).iloc[-1].values for p in accuracy if Path(p).parts[-3] == name]
                  for name, exp in config["experiments"].items()}
        reference_md = comparison.reference_section(config, read_ground_truth(ground_truth), finals)
    comparison.write_report(config, provenance, compared, outputs, reference_md)
