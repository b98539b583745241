# Held-out error of the toy nets. Test sets are their own files and evaluation its own jobs, reading the
# trained weights: adding or changing a test set re-runs only these rules and the report, never training.


rule toy_test_data:
    input:
        source=test_source,
    output:
        data="results/data/{dataset}.test.txt",
    log:
        "results/logs/toy_test_data/{dataset}.log",
    benchmark:
        "results/benchmarks/toy_test_data/{dataset}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=lambda w: config["datasets"][w.dataset],
        seed=lambda w: derive_seed(config["seed"], "testset", w.dataset),
    script:
        "../scripts/toy_test_data.py"


# One job per experiment x dataset x H evaluates all its trials (a job per trial would multiply the job count).
rule evaluate_trials:
    input:
        train="results/data/{dataset}.txt",
        test=test_set,
        records=lambda w: trial_files(w, "json"),
        weights=lambda w: trial_files(w, "npz"),
    output:
        table=paths.evaluation_file("trials.csv"),
        summary=paths.evaluation_file("summary.json"),
    log:
        "results/logs/evaluate_trials/{experiment}/{dataset}/h{hidden}.log",
    benchmark:
        "results/benchmarks/evaluate_trials/{experiment}/{dataset}/h{hidden}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=lambda w: config["datasets"][w.dataset],
        setting=lambda w: {
            "experiment": w.experiment,
            "dataset": w.dataset,
            "hidden": int(w.hidden),
        },
    script:
        "../scripts/evaluate_trials.py"


rule generalisation:
    input:
        summaries=experiment_summaries,
    output:
        table=report(
            paths.generalisation_file(ext="csv"),
            caption="../report/generalisation.rst",
            category="Generalisation",
            labels={"experiment": "{experiment}", "kind": "table"},
        ),
        figure=report(
            paths.generalisation_file(ext="png"),
            caption="../report/generalisation.rst",
            category="Generalisation",
            labels={"experiment": "{experiment}", "kind": "figure"},
        ),
    log:
        "results/logs/generalisation/{experiment}.log",
    benchmark:
        "results/benchmarks/generalisation/{experiment}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        hidden_layers=lambda w: experiment(w)["hidden_layers"],
    script:
        "../scripts/generalisation.py"
