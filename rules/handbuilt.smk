rule handbuilt:
    output:
        table="results/handbuilt/handbuilt.csv",
        summary="results/handbuilt/handbuilt.json",
    log:
        "results/logs/handbuilt.log",
    benchmark:
        "results/benchmarks/handbuilt/handbuilt.tsv"
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/handbuilt.py"
