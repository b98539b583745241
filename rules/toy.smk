# The toy notebook: data sets, trial jobs (each trains trials of one experiment x dataset x hidden size),
# one summary per experiment (best of trials, held-out error), and the figures. Plots are jobs of their
# own: restyling one re-runs only it and the report. Test sets are files of their own, so adding one
# never re-runs training.


rule toy_data:
    input:
        source=lookup(dpath="datasets/{dataset}/path", within=config, default=[]),
    output:
        data=paths.data_file(),
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
        data=paths.data_file(),
    output:
        plot=report(
            paths.data_file(kind="png"),
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
        source=lookup(dpath="datasets/{dataset}/test_path", within=config, default=[]),
    output:
        data=paths.data_file(kind="test.txt"),
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


# Trial jobs: each trains trials of one experiment on one data set, one record and one weights file per
# trial, each seeded by its place. With cluster.trials_per_job auto, runs of trials (across H) share a job
# up to cluster.job_seconds of estimated training; trials long enough to fill a job alone get one each
# (train_trial_<experiment>_<dataset>). One rule body; a rule per job (netlab.toy.jobs.trial_jobs).
for _job in jobs.trial_jobs(config):

    rule:
        name:
            _job.rule
        input:
            data=paths.data_file(_job.dataset),
        # the job's list of its files first: the summary and boundary jobs read that, not each trial
        output:
            made=paths.job_list(_job.experiment, _job.dataset, jobs.job_name(_job)),
            records=jobs.job_files(_job, "json"),
            weights=jobs.job_files(_job, "npz"),
        log:
            jobs.job_log(_job, "results/logs", "log"),
        benchmark:
            jobs.job_log(_job, "results/benchmarks", "tsv")
        wildcard_constraints:
            hidden="|".join(str(u.hidden) for u in _job.units),
        # cluster.trial_group (profiles/slurm: `trials`): several trial jobs go in one SLURM job.
        group:
            config["cluster"]["trial_group"]
        conda:
            "../envs/netlab.yaml"
        threads: 1
        resources:
            mem_mb=lambda w, job=_job: jobs.job_mem_mb(config, job, w.get("hidden")),
            runtime=lambda w, job=_job: jobs.job_runtime(config, job, w.get("hidden")),
        params:
            seed=config["seed"],
            hidden_layers=lookup(
                dpath=f"experiments/{_job.experiment}/hidden_layers", within=config
            ),
            lr=lookup(dpath=f"experiments/{_job.experiment}/lr", within=config),
            tol=lookup(dpath=f"experiments/{_job.experiment}/tol", within=config),
            check_every=lookup(
                dpath=f"experiments/{_job.experiment}/check_every", within=config
            ),
            max_iter=lookup(
                dpath=f"experiments/{_job.experiment}/max_iter", within=config
            ),
        shell:
            '"$NETLAB_PYTHON" -m netlab.toy.train_trials --data {input.data:q} --log {log:q}'
            " --seed {params.seed} --hidden-layers {params.hidden_layers} --lr {params.lr}"
            " --tol {params.tol} --check-every {params.check_every} --max-iter {params.max_iter}"
            " --records {output.records:q} --weights {output.weights:q} --list {output.made:q}"


# One job per experiment sums up all its trials (a job per setting would pay an interpreter and
# pandas 100 times in a sweep of 100 settings): the tables the figures and the report read.
rule summarise_trials:
    input:
        unpack(lambda w: jobs.summary_inputs(config, w.experiment)),
    output:
        **{t: paths.summary_table(t) for t in paths.SUMMARY_TABLES},
    log:
        "results/logs/summarise_trials/{experiment}.log",
    benchmark:
        "results/benchmarks/summarise_trials/{experiment}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    params:
        hidden_layers=lookup(
            dpath="experiments/{experiment}/hidden_layers", within=config
        ),
        datasets=lambda w: {
            d: config["datasets"][d]
            for d in config["experiments"][w.experiment]["datasets"]
        },
    script:
        "../scripts/summarise_trials.py"


# The best trial's decision boundary of each H, one figure per experiment x data set.
rule boundary_plots:
    input:
        data=paths.data_file(),
        trials=lambda w: jobs.job_lists(config, w.experiment, w.dataset),
    output:
        report(
            paths.boundaries_file(),
            caption="../report/boundary.rst",
            category="Toy experiments",
            subcategory="{experiment}",
            labels={"data set": "{dataset}", "figure": "decision boundaries"},
        ),
    log:
        "results/logs/boundary_plots/{experiment}/{dataset}.log",
    benchmark:
        "results/benchmarks/boundary_plots/{experiment}/{dataset}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    script:
        "../scripts/boundary_plots.py"


rule trial_plots:
    input:
        **{t: paths.summary_table(t) for t in paths.SUMMARY_TABLES},
    output:
        **{
            name: report(
                paths.experiment_file(f"{name}.png"),
                caption=f"../report/{name}.rst",
                category="Toy experiments",
                subcategory="{experiment}",
                labels={"figure": name},
            )
            for name in ("loss", "spread", "generalisation")
        },
    log:
        "results/logs/trial_plots/{experiment}.log",
    benchmark:
        "results/benchmarks/trial_plots/{experiment}.tsv"
    conda:
        "../envs/netlab.yaml"
    threads: 1
    params:
        references=lambda w: jobs.notebook_references(config, w.experiment),
    script:
        "../scripts/trial_plots.py"
