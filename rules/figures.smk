# Figures 2-9 of Zhang et al. 2020 as pdf and png (wsnas.jobs.reports); each figure's caption in the
# Snakemake report is workflow/report/<rule>.rst.


rule fig2_stau_per_epoch:
    localrule: True
    input:
        **stability_inputs(config["analysis"]["figure2_experiments"]),
    output:
        figure_output("fig2_stau_per_epoch", SEC3),
    params:
        config=config_sections("experiments", "analysis"),
    log:
        "results/logs/fig2_stau_per_epoch.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig2_stau_per_epoch.py"


rule fig3_rank_distribution:
    localrule: True
    input:
        instances=accuracy_tables(config["analysis"]["figure3_experiment"]),
        **with_ground_truth(epochs_instance=EPOCHS_INSTANCE),
    output:
        figure_output("fig3_rank_distribution", SEC3),
    params:
        config=config_sections("experiments", "analysis"),
    log:
        "results/logs/fig3_rank_distribution.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig3_rank_distribution.py"


rule fig4_finetune:
    localrule: True
    input:
        **with_ground_truth(finetune=FINETUNE_TABLES),
    output:
        figure_output("fig4_finetune", SEC4),
    params:
        config=config_sections("studies"),
    log:
        "results/logs/fig4_finetune.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig4_finetune.py"


rule fig5_dense:
    localrule: True
    input:
        **with_ground_truth(fixed=dense_table("fig5a"), shuffled=dense_table("fig5b")),
    output:
        figure_output("fig5_dense", SEC4),
    params:
        config=config_sections("studies"),
    log:
        "results/logs/fig5_dense.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig5_dense.py"


rule fig6_group_curves:
    localrule: True
    input:
        **with_ground_truth(group=dense_table(figure6_run_name(config)), shared=dense_table("group-m1")),
    output:
        figure_output("fig6_group_curves", SEC4),
    params:
        config=config_sections("studies"),
    log:
        "results/logs/fig6_group_curves.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig6_group_curves.py"


rule fig7_dense_long:
    localrule: True
    input:
        **with_ground_truth(dense=dense_table("fig7")),
    output:
        figure_output("fig7_dense_long", SEC4),
    params:
        config=config_sections("studies"),
    log:
        "results/logs/fig7_dense_long.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig7_dense_long.py"


rule fig8_bn_momentum:
    localrule: True
    input:
        **with_ground_truth(low=study_tables("fig8_bn01"), high=study_tables("fig8_bn09")),
    output:
        figure_output("fig8_bn_momentum", SEC4),
    params:
        config=config_sections("studies"),
    log:
        "results/logs/fig8_bn_momentum.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig8_bn_momentum.py"


rule fig9_sgd_momentum:
    localrule: True
    input:
        **with_ground_truth(dense=dense_table("fig9")),
    output:
        figure_output("fig9_sgd_momentum", SEC4),
    params:
        config=config_sections("studies"),
    log:
        "results/logs/fig9_sgd_momentum.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig9_sgd_momentum.py"


rule fig10_methods:
    localrule: True
    input:
        table="reports/tables/table5_methods.csv",
    output:
        figure_output("fig10_methods", SEC_METHODS),
    params:
        config=config_sections("searches", "comparison"),
    log:
        "results/logs/fig10_methods.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig10_methods.py"


rule fig11_rank_scatter:
    localrule: True
    input:
        **with_ground_truth(accuracy=[f for run in SEARCHES for f in search_files(run, f"accuracy_{BN_MODES[0]}.csv")]),
    output:
        figure_output("fig11_rank_scatter", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=list(SEARCHES),
    log:
        "results/logs/fig11_rank_scatter.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig11_rank_scatter.py"


rule di_nas_disturbance:
    localrule: True
    input:
        disturbance=expand("results/metrics/searches/{run}/disturbance.csv", run=[BASELINE, *DI_NAS_RUNS]),
    output:
        figure_output("di_nas_disturbance", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=[BASELINE, *DI_NAS_RUNS],
    log:
        "results/logs/di_nas_disturbance.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/di_nas_disturbance.py"


rule di_nas_collapse:
    localrule: True
    input:
        histories=[f for run in DI_NAS_RUNS for f in search_files(run, "epochs.csv")],
    output:
        figure_output("di_nas_collapse", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=DI_NAS_RUNS,
    log:
        "results/logs/di_nas_collapse.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/di_nas_collapse.py"


rule pada_probabilities:
    localrule: True
    input:
        histories=[f for run in PADA_RUNS for f in search_files(run, "epochs.csv")],
    output:
        figure_output("pada_probabilities", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=PADA_RUNS,
    log:
        "results/logs/pada_probabilities.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/pada_probabilities.py"


rule darts_alpha:
    localrule: True
    input:
        histories=[f for run in DARTS_RUNS for f in search_files(run, "epochs.csv")],
    output:
        figure_output("darts_alpha", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=DARTS_RUNS,
    log:
        "results/logs/darts_alpha.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/darts_alpha.py"


rule darts_pick_rank:
    localrule: True
    input:
        **with_ground_truth(histories=[f for run in DARTS_RUNS for f in search_files(run, "epochs.csv")]),
    output:
        figure_output("darts_pick_rank", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=DARTS_RUNS,
    log:
        "results/logs/darts_pick_rank.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/darts_pick_rank.py"


rule dcnas_sharing:
    localrule: True
    input:
        tables=[f for run in DCNAS_RUNS for f in search_files(run, "sharing.csv")],
    output:
        figure_output("dcnas_sharing", SEC_METHODS),
    params:
        config=config_sections("searches"),
        runs=DCNAS_RUNS,
    log:
        "results/logs/dcnas_sharing.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/dcnas_sharing.py"


rule all_figures:
    localrule: True
    input:
        rules.fig2_stau_per_epoch.output,
        rules.fig3_rank_distribution.output,
        rules.fig4_finetune.output,
        rules.fig5_dense.output,
        rules.fig6_group_curves.output,
        rules.fig7_dense_long.output,
        rules.fig8_bn_momentum.output,
        rules.fig9_sgd_momentum.output,
        (rules.fig10_methods.output, rules.fig11_rank_scatter.output) if SEARCHES else [],
        (rules.di_nas_disturbance.output, rules.di_nas_collapse.output) if DI_NAS_RUNS else [],
        rules.pada_probabilities.output if PADA_RUNS else [],
        (rules.darts_alpha.output, rules.darts_pick_rank.output) if DARTS_RUNS else [],
        rules.dcnas_sharing.output if DCNAS_RUNS else [],
