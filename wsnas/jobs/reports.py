"""The metric, table and comparison jobs (Zhang et al. 2020, Tables 1-4). Each takes config dicts and paths,
as the rules' scripts and the tests pass them, and never imports torch (the analysis environment has none):
only ``wsnas.reporting`` and ``wsnas.plan``. The figure jobs are the producers of
``wsnas.reporting.figures`` (Figures 2-3) and ``wsnas.reporting.study_figures`` (Figures 4-9) themselves,
which take the config, their input paths and the output paths; they alone import matplotlib."""

import logging
from pathlib import Path

import pandas as pd

from wsnas.plan.searches import mechanism_records, ranking_functions
from wsnas.reporting import analysis, comparison, methods_table, searches, study_tables, tables
from wsnas.reporting.results import read_ground_truth, read_table, write_csv

log = logging.getLogger("wsnas")


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
                   top_k: int, instances, summary, disturbance, picks, mechanism=None, history=(), method=None) -> None:
    """One search run (``accuracy``: BN mode -> its instances' accuracy tables, the first mode's at every
    epoch; ``dense``: their dense tables; ``history``: their ``epochs.csv``): metrics per instance and their
    summary per BN mode and per ranking the run's ``method`` declares besides them (``Declaration.rankings``,
    read from the histories), the Figure-3 disturbance quantities from the first mode's per-epoch rankings
    (Niu et al. 2020), the ``top_k`` children of each instance and mode that final retraining trains, and
    (``mechanism``) what the method's declared records show it did (``Declaration.records``)."""
    gt = read_ground_truth(ground_truth)
    matrices = {bn: [analysis.accuracy_matrix(p) for p in paths] for bn, paths in accuracy.items()}
    for name, ranking in (ranking_functions(method) if method else {}).items():
        scores = [ranking(p) for p in history]
        if scores and all(s is not None for s in scores):
            matrices[name] = scores
    per_instance, per_mode = searches.run_metrics(run, matrices, list(dense), gt, dense_mode, window)
    write_csv(per_instance, instances)
    write_csv(per_mode, summary)
    per_epoch = next(iter(matrices.values()))
    ranked_once = any(len(m) < 2 for m in per_epoch)  # a run ranked at its last epoch only has no Figure 3
    write_csv(pd.DataFrame(columns=["instance", "interval"]) if ranked_once else
              searches.disturbance(run, per_epoch, interval), disturbance)
    write_csv(searches.top_picks(run, matrices, top_k), picks)
    if mechanism is not None:
        write_csv(searches.mechanism(run, mechanism_records(method) if method else (), list(history)), mechanism)


def remedy_metrics(run: str, dense, ground_truth, bn_mode: str, window: int, top_k: int, instances, summary,
                   picks) -> None:
    """Seed 002's remedy ``run`` (a study run) as a method: each instance's ranking is its final dense row
    (``bn_mode``: the mode it was evaluated in); the metrics and picks of a search run
    (``wsnas.reporting.searches``)."""
    gt = read_ground_truth(ground_truth)
    final = [analysis.dense_matrix(p).iloc[[-1]] for p in dense]
    per_instance, per_mode = searches.run_metrics(run, {bn_mode: final}, list(dense), gt, bn_mode, window)
    write_csv(per_instance, instances)
    write_csv(per_mode, summary)
    write_csv(searches.top_picks(run, {bn_mode: final}, top_k), picks)


def retrain_picks(picks, output) -> None:
    """Every search run's picks (``picks``: their picks.csv files) in one table: the checkpoint that tells the
    DAG which children final retraining needs."""
    write_csv(pd.concat([pd.read_csv(p, dtype={"child": str}) for p in picks], ignore_index=True), output)


def retrain_results(picks, results, seeds, output) -> None:
    """The retrained accuracy (last epoch) of every pick and seed. ``results``: the tables holding the
    retrainings, the retraining jobs' own or the ground truth's chunks, which a path's ``seed<n>`` names."""
    import re

    final = {}
    for path in results:
        seed = int(re.search(r"seed(\d+)", str(path)).group(1))
        table = read_table(path, ["child", "epoch", "accuracy"])
        source = "ground truth" if "ground_truth" in Path(path).parts else "retrained"
        for child, rows in table.groupby("child"):
            final[(child, seed)] = (float(rows.sort_values("epoch")["accuracy"].iloc[-1]), source)
    chosen = pd.read_csv(picks, dtype={"child": str})
    rows = []
    for child in sorted(chosen["child"].unique()):
        for seed in seeds:
            accuracy, source = final[(child, seed)]
            if source == "ground truth":
                log.info("child %s, seed %d: the ground truth's run (the same settings), not retrained", child, seed)
            rows += [{**pick, "seed": seed, "accuracy": accuracy, "source": source}
                     for pick in chosen[chosen["child"] == child].to_dict("records")]
    write_csv(pd.DataFrame(rows), output)


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


def table5_methods(config: dict, summaries, instances, benchmarks, outputs, comparisons, retrain=None,
                   provenance=None, mechanisms=()) -> None:
    """Table 5 (``benchmarks``: the train jobs' Snakemake benchmark files .../<run>/<instance>.tsv;
    ``retrain``: the final retraining's results; ``mechanisms``: the search runs' mechanism records) and its
    paired comparisons (``comparisons``: their CSV)."""
    by_run = {}
    for path in benchmarks:
        by_run.setdefault(Path(path).parent.name, []).append(path)
    frame, compared = methods_table.table5_methods(config, summaries, instances, by_run, retrain)
    numeric = [c for c in searches.MECHANISM_COLUMNS if c not in searches.MECHANISM_TEXT]
    records = [read_table(p, numeric, text=searches.MECHANISM_TEXT) for p in mechanisms]
    methods_table.write_table5(frame, compared, config, outputs, comparisons, provenance,
                               pd.concat(records, ignore_index=True) if records else None)


def method_figure(producer: str, config: dict, runs, inputs, outputs, ground_truth=None):
    """A figure a method declares (``Declaration.figures``): ``producer`` (``module:function``) drawn from
    ``inputs`` of ``runs``."""
    from wsnas.methods import resolved

    return resolved(producer)(config=config, runs=runs, inputs=inputs, outputs=outputs, ground_truth=ground_truth)


# -- the reviewers' report -----------------------------------------------------------------------------
def paper_comparison(config: dict, table_files, ground_truth, accuracy, outputs, provenance: str, methods=None,
                     comparisons=None) -> None:
    """Every number of Tables 1-4 (``table_files``: their CSVs, long form) with the paper's and a verdict; with
    ``reference.ground_truth`` set, our ground truth and each experiment's final GT-Tau (``accuracy``: the
    accuracy tables results/supernet/<experiment>/<instance>/accuracy.csv) against the reference too; with
    ``methods`` and ``comparisons`` (Table 5's CSVs), the "Remedies" section."""
    compared = comparison.compare(comparison.read_tables(table_files))
    reference_md = ""
    if config["reference"]["ground_truth"]:
        finals = {exp["label"]: [analysis.accuracy_matrix(p).iloc[-1].values for p in accuracy if Path(p).parts[-3] == name]
                  for name, exp in config["experiments"].items()}
        reference_md = comparison.reference_section(config, read_ground_truth(ground_truth), finals)
    remedies_md = comparison.remedies_section(config, methods, comparisons) if methods else ""
    comparison.write_report(config, provenance, compared, outputs, reference_md, remedies_md)
