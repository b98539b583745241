# Downloads into resources/ and archive extraction. They run where Snakemake itself runs (a login node
# has the network; compute nodes need none), and only when the config names a download or a zip.


localrules:
    download_images,
    extract_images,
    fetch_weights,


rule download_images:
    output:
        archive="resources/hymenoptera_data.zip",
        record="resources/hymenoptera_data.zip.sha256.json",
    log:
        "results/logs/download_images/hymenoptera.log",
    benchmark:
        "results/benchmarks/download_images/hymenoptera.tsv"
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        url=lambda w: hymenoptera("url"),
        sha256=lambda w: hymenoptera("sha256"),
    script:
        "../scripts/download.py"


rule extract_images:
    input:
        zip=image_archive,
    output:
        directory("results/images/{source}"),
    log:
        "results/logs/extract_images/{source}.log",
    benchmark:
        "results/benchmarks/extract_images/{source}.tsv"
    wildcard_constraints:
        source="hymenoptera|local",
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
    params:
        max_bytes=lambda w: config["images"]["max_unpacked_bytes"],
    script:
        "../scripts/extract_images.py"


rule fetch_weights:
    output:
        "resources/weights/resnet50-{name}.pth",
    log:
        "results/logs/fetch_weights/{name}.log",
    benchmark:
        "results/benchmarks/fetch_weights/{name}.tsv"
    wildcard_constraints:
        name=r"[A-Za-z0-9_]+",
    priority: 10
    conda:
        "../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        mirror_url=lambda w: config["features"]["weights_url"],
    script:
        "../scripts/fetch_weights.py"
