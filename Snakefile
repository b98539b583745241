# netlab: the neural-network notebooks as a reproducible workflow.
# Run: snakemake --cores 8   (configuration: config.yaml, validated by schemas/)


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/mlp.smk"
include: "rules/handbuilt.smk"
include: "rules/fetch.smk"
include: "rules/images.smk"
include: "rules/features.smk"
include: "rules/classify.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/report/index.html",


# Parts of the workflow by name, without editing the config: `snakemake --cores 8 toy`, `... images`,
# `... handbuilt`, or one experiment: `... experiment_two_hidden_layers` (a '-' in its name becomes '_').
rule toy:
    input:
        expand("results/data/{dataset}.png", dataset=used_datasets(config)),
        best_of_trials_outputs("best.json"),
        best_of_trials_outputs("boundary.png"),


rule images:
    input:
        "results/classify/metrics.json",


for name in config["experiments"]:

    rule:
        name:
            f"experiment_{name.replace('-', '_')}"
        input:
            best_of_trials_outputs("best.json", experiments=[name]),
            best_of_trials_outputs("boundary.png", experiments=[name]),


# Last, when all rules exist: their code fingerprints, derived from what their scripts import.
fingerprint_rules()
