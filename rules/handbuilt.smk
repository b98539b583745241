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
        mem_mb=1200,  # measured max_rss 815 MB (torch) in the test run; tests/test_resources.py
        runtime=5,
    script:
        "../scripts/handbuilt.py"
