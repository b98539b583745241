# netlab: the neural-network notebooks as a reproducible workflow.
# Run: snakemake --cores 8   (configuration: config.yaml, validated by schemas/; docs/ says more)


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/toy.smk"
include: "rules/images.smk"
include: "rules/handbuilt.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/report/index.html",


# Parts of the workflow by name, without editing the config: `snakemake --cores 8 toy`, `... images`,
# `... handbuilt`, or one experiment: `... experiment_two_hidden_layers` (a '-' in its name becomes '_').
# Each is what the report reads of that part, so a target never drifts from the page.
rule toy:
    input:
        flat(toy_inputs(config)),


rule images:
    input:
        flat(image_inputs(sources.image_root(config), sources.download_records(config))),


for name in config["experiments"]:

    rule:
        name:
            f"experiment_{name.replace('-', '_')}"
        input:
            flat(toy_inputs(config, experiments=[name])),


# Jobs that run where Snakemake runs (a cluster's login node), never submitted; the one place that says so.
# Always: downloads and extraction (a login node has the network, compute nodes need none) and the report
# (quick, and it reads every result).
localrules:
    download_images,
    extract_images,
    fetch_weights,
    report,


# And cluster.local_rules (profiles/slurm): jobs too small to pay a Snakemake start-up inside a cluster job.
snakemake_internals.add_local_rules(
    workflow, config["cluster"]["local_rules"], "cluster.local_rules"
)
# Last, when all rules exist: their code fingerprints, derived from what their scripts import.
fingerprint_rules()
