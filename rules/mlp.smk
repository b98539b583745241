rule train_trial:
    input:
        data="results/data/{dataset}.txt",
    output:
        record=paths.trial_file("json"),
        weights=paths.trial_file("npz"),
    log:
        "results/logs/train_trial/{experiment}/{dataset}/h{hidden}/trial{trial}.log",
    benchmark:
        "results/benchmarks/train_trial/{experiment}/{dataset}/h{hidden}/trial{trial}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        training=lambda w: dict(
            hidden_layers=experiment(w)["hidden_layers"],
            hidden=int(w.hidden),
            lr=experiment(w)["lr"],
            tol=experiment(w)["tol"],
            check_every=experiment(w)["check_every"],
            max_iter=experiment(w)["max_iter"],
        ),
        seed=trial_seed,
    script:
        "../scripts/train_trial.py"


rule best_of_trials:
    input:
        records=lambda w: trial_files(w, "json"),
    output:
        table=paths.setting_file("trials.csv"),
        best=paths.setting_file("best.json"),
    log:
        "results/logs/best_of_trials/{experiment}/{dataset}/h{hidden}.log",
    benchmark:
        "results/benchmarks/best_of_trials/{experiment}/{dataset}/h{hidden}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/best_of_trials.py"


# The best trial's decision boundary in a job of its own: a plot edit re-runs only this and the report.
rule boundary_plot:
    input:
        data="results/data/{dataset}.txt",
        best=paths.setting_file("best.json"),
        weights=lambda w: trial_files(w, "npz"),
    output:
        report(
            paths.setting_file("boundary.png"),
            caption="../report/boundary.rst",
            category="Toy experiments",
            subcategory="{experiment}",
            labels={"data set": "{dataset}", "H": "{hidden}"},
        ),
    log:
        "results/logs/boundary_plot/{experiment}/{dataset}/h{hidden}.log",
    benchmark:
        "results/benchmarks/boundary_plot/{experiment}/{dataset}/h{hidden}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/boundary_plot.py"
