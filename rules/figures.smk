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


# Each figure a method declares (wsnas.methods.<name>: DECLARATION.figures), one rule per figure, built for the
# search runs of that method (and the baseline where the figure draws it); none when no run uses the method.
for figure, figure_runs in METHOD_FIGURES:

    rule:
        name:
            figure.name
        localrule: True
        input:
            **method_figure_inputs(figure, figure_runs),
        output:
            reported(multiext(f"reports/figures/{figure.name}", ".pdf", ".png"), figure.name, "Figures", SEC_METHODS,
                     caption=method_caption(figure)),
        params:
            config=config_sections("searches"),
            runs=figure_runs,
            producer=figure.producer,
        log:
            f"results/logs/{figure.name}.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../workflow/scripts/method_figure.py"


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
        [f"reports/figures/{figure.name}.{ext}" for figure, _ in METHOD_FIGURES for ext in ("pdf", "png")],
