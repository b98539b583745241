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
        mem_mb=lambda w: trial_mem_mb(*trial_cost(w)),
        runtime=lambda w: trial_runtime_min(*trial_cost(w)),
    params:
        hidden_layers=lambda w: experiment(w)["hidden_layers"],
        lr=lambda w: experiment(w)["lr"],
        tol=lambda w: experiment(w)["tol"],
        check_every=lambda w: experiment(w)["check_every"],
        max_iter=lambda w: experiment(w)["max_iter"] or 0,
        seed=trial_seed,
    # a shell command, not script: (Snakemake's script preamble would cost each trial job about 0.1 s)
    shell:
        trial_python()
        + " -m netlab.trials --data {input.data:q} --record {output.record:q}"
        " --weights {output.weights:q} --log {log:q} --hidden-layers {params.hidden_layers}"
        " --hidden {wildcards.hidden} --seed {params.seed} --lr {params.lr} --tol {params.tol}"
        " --check-every {params.check_every} --max-iter {params.max_iter}"


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


# An experiment's loss curves and spread across trials in a job of their own: a plot edit re-runs only
# this and the report.
rule trial_plots:
    input:
        unpack(trial_plot_inputs),
    output:
        loss=report(
            "results/mlp/{experiment}/loss.png",
            caption="../report/trial_plots.rst",
            category="Toy experiments",
            subcategory="{experiment}",
            labels={"figure": "loss curves"},
        ),
        spread=report(
            "results/mlp/{experiment}/spread.png",
            caption="../report/trial_plots.rst",
            category="Toy experiments",
            subcategory="{experiment}",
            labels={"figure": "spread across trials"},
        ),
    log:
        "results/logs/trial_plots/{experiment}.log",
    benchmark:
        "results/benchmarks/trial_plots/{experiment}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        settings=trial_plot_settings,
    script:
        "../scripts/trial_plots.py"
