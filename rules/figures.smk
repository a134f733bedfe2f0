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
