rule synthetic_images:
    output:
        directory("results/images/synthetic"),
    log:
        "results/logs/synthetic_images.log",
    benchmark:
        "results/benchmarks/synthetic_images.tsv"
    priority: 10
    conda:
        "../envs/netlab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=config["images"]["synthetic"],
        seed=config["seed"],
    script:
        "../scripts/synthetic_images.py"
