from netlab.mlp import layer_sizes
from netlab.trainer.choice import dataset_points, trial_mem_mb, trial_runtime_min


def trial_cost(wildcards):
    """What the cost model needs of a trial: layer sizes, data points, max_iter."""
    spec = experiment(wildcards)
    sizes = layer_sizes(spec["hidden_layers"], int(wildcards.hidden))
    n_points = dataset_points(config["datasets"][wildcards.dataset])
    return sizes, n_points, spec["max_iter"]


rule train_trial:
    input:
        data="results/data/{dataset}.txt",
    output:
        record="results/mlp/{experiment}/{dataset}/h{hidden}/trial{trial}.json",
        weights="results/mlp/{experiment}/{dataset}/h{hidden}/trial{trial}.npz",
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
        training=lambda w: dict(
            hidden_layers=experiment(w)["hidden_layers"],
            hidden=int(w.hidden),
            lr=experiment(w)["lr"],
            tol=experiment(w)["tol"],
            check_every=experiment(w)["check_every"],
            max_iter=experiment(w)["max_iter"],
        ),
        seed=trial_seed,
        code=code(
            "mlp",
            "trials",
            "toydata",
            "trainer/choice",
            "trainer/general",
            "trainer/fused",
            "trainer/codegen",
            "trainer/numerics",
            "trainer/kernel_cache",
        ),
    script:
        "../scripts/train_trial.py"


rule best_of_trials:
    input:
        data="results/data/{dataset}.txt",
        records=lambda w: trial_files(w, "json"),
        weights=lambda w: trial_files(w, "npz"),
    output:
        table="results/mlp/{experiment}/{dataset}/h{hidden}/trials.csv",
        best="results/mlp/{experiment}/{dataset}/h{hidden}/best.json",
        boundary=report(
            "results/mlp/{experiment}/{dataset}/h{hidden}/boundary.png",
            caption="../report/boundary.rst",
            category="Toy experiments",
            subcategory="{experiment}",
            labels={"data set": "{dataset}", "H": "{hidden}"},
        ),
    log:
        "results/logs/best_of_trials/{experiment}/{dataset}/h{hidden}.log",
    benchmark:
        "results/benchmarks/best_of_trials/{experiment}/{dataset}/h{hidden}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code("selection", "trials", "toyplots", "mlp", "toydata"),
    script:
        "../scripts/best_of_trials.py"
