# The toy notebook: data sets, one training job per experiment x dataset x hidden size x trial, the best
# of trials, held-out error, and the figures. Plots are jobs of their own: restyling one re-runs only it
# and the report. Test sets are files of their own, so adding one never re-runs training.


rule toy_data:
    input:
        source=dataset_source,
    output:
        data="results/data/{dataset}.txt",
    log:
        "results/logs/toy_data/{dataset}.log",
    benchmark:
        "results/benchmarks/toy_data/{dataset}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    params:
        spec=lambda w: training_spec(config["datasets"][w.dataset]),
        seed=lambda w: derive_seed(config["seed"], "dataset", w.dataset),
    script:
        "../scripts/toy_data.py"


rule toy_plot:
    input:
        data="results/data/{dataset}.txt",
    output:
        plot=report(
            "results/data/{dataset}.png",
            caption="../report/toy_data.rst",
            category="Toy data",
        ),
    log:
        "results/logs/toy_plot/{dataset}.log",
    benchmark:
        "results/benchmarks/toy_plot/{dataset}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    script:
        "../scripts/toy_plot.py"


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
    params:
        spec=lookup(dpath="datasets/{dataset}", within=config),
        seed=lambda w: derive_seed(config["seed"], "testset", w.dataset),
    script:
        "../scripts/toy_test_data.py"


# One job per trial (the default), or, with cluster.trials_per_job = N (profiles/slurm), one job per N trials
# of a setting, trials k*N+1 .. (k+1)*N: the same files, seeds and numbers, without a Snakemake start-up per
# trial on a cluster (docs/cluster.md). Only one of the two is defined, so no file has two producers.
if not inputs.trials_per_job(config):

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
            hidden_layers=lookup(
                dpath="experiments/{experiment}/hidden_layers", within=config
            ),
            lr=lookup(dpath="experiments/{experiment}/lr", within=config),
            tol=lookup(dpath="experiments/{experiment}/tol", within=config),
            check_every=lookup(
                dpath="experiments/{experiment}/check_every", within=config
            ),
            max_iter=lambda w: config["experiments"][w.experiment]["max_iter"] or 0,
            seed=trial_seed,
        # a shell command, not script: (Snakemake's script preamble would cost each trial job about 0.1 s)
        shell:
            '"$NETLAB_PYTHON" -m netlab.workflow.train_trial --data {input.data:q} --record {output.record:q}'
            " --weights {output.weights:q} --log {log:q} --hidden-layers {params.hidden_layers}"
            " --hidden {wildcards.hidden} --seed {params.seed} --lr {params.lr} --tol {params.tol}"
            " --check-every {params.check_every} --max-iter {params.max_iter}"

else:
    for _experiment in config["experiments"]:
        for _batch in inputs.trial_batches(config, _experiment):

            rule:
                name:
                    batch_rule_name(_experiment, _batch)
                input:
                    data="results/data/{dataset}.txt",
                output:
                    records=batch_files(_batch, "json"),
                    weights=batch_files(_batch, "npz"),
                log:
                    batch_file("results/logs/train_trials", _batch, "log"),
                benchmark:
                    batch_file("results/benchmarks/train_trials", _batch, "tsv")
                wildcard_constraints:
                    experiment=re.escape(_experiment),
                # A batch job is one SLURM job, or one member of a `trials` group job (profiles/slurm).
                group:
                    "trials"
                conda:
                    "../envs/netlab.yaml"
                threads: 1
                resources:
                    mem_mb=lambda w: trial_mem_mb(*trial_cost(w)),
                    runtime=batch_runtime_min(len(_batch)),
                params:
                    hidden_layers=lookup(
                        dpath="experiments/{experiment}/hidden_layers", within=config
                    ),
                    lr=lookup(dpath="experiments/{experiment}/lr", within=config),
                    tol=lookup(dpath="experiments/{experiment}/tol", within=config),
                    check_every=lookup(
                        dpath="experiments/{experiment}/check_every", within=config
                    ),
                    max_iter=lambda w: config["experiments"][w.experiment]["max_iter"]
                    or 0,
                    # --trial NUMBER SEED RECORD WEIGHTS, per trial, read from the outputs
                    trials=batch_trial_args,
                shell:
                    '"$NETLAB_PYTHON" -m netlab.workflow.train_trials --data {input.data:q} --log {log:q}'
                    " --hidden-layers {params.hidden_layers} --hidden {wildcards.hidden}"
                    " --lr {params.lr} --tol {params.tol} --check-every {params.check_every}"
                    " --max-iter {params.max_iter} {params.trials}"


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
    script:
        "../scripts/best_of_trials.py"


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
    script:
        "../scripts/boundary_plot.py"


rule trial_plots:
    input:
        unpack(lambda w: inputs.trial_plot_inputs(config, w.experiment)),
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
    params:
        settings=lambda w: inputs.trial_plot_settings(config, w.experiment),
    script:
        "../scripts/trial_plots.py"


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
    params:
        spec=lookup(dpath="datasets/{dataset}", within=config),
        setting=lambda w: setting_of(w)._asdict(),
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
    params:
        hidden_layers=lookup(
            dpath="experiments/{experiment}/hidden_layers", within=config
        ),
    script:
        "../scripts/generalisation.py"
