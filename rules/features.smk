# The image chain (fetch or draw, features, classifiers) runs one job after another; `priority: 10` starts
# it before the trial jobs fill the cores. One thread per job, so a job never waits for two cores to come
# free at once (on 2 cores it used to wait for every trial); train and val run side by side.
# More threads for your own large image sets: `--set-threads features=8`.
rule features:
    input:
        images=image_root(),
        weights=weights_file(),
    output:
        table="results/features/{split}.parquet",
        sidecar="results/features/{split}.json",
    log:
        "results/logs/features/{split}.log",
    benchmark:
        "results/benchmarks/features/{split}.tsv"
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        weights=config["features"]["weights"],
        seed=config["seed"],
        batch_size=config["features"]["batch_size"],
        batchnorm=config["features"]["batchnorm"],
        device=config["features"]["device"],
        on_bad_image=config["images"]["on_bad_image"],
        image_source=config["images"]["source"],
    script:
        "../scripts/features.py"
