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
    conda:
        "../envs/torch.yaml"
    threads: 2
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
