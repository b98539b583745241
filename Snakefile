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
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/report/index.html",


# Last, when all rules exist: their code fingerprints, derived from what their scripts import.
fingerprint_rules()
