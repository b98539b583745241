from netlab import atomic
from netlab.images import classify
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    i = snakemake.input
    result = classify.from_files(
        {"train": i.train, "val": i.val},
        {"train": i.train_sidecar, "val": i.val_sidecar},
        snakemake.params.logistic,
        snakemake.params.knn,
    )
    atomic.write_json(snakemake.output.json, result)
    atomic.write_text(snakemake.output.csv, classify.metrics_csv(result))
    atomic.write_text(snakemake.output.intervals, classify.intervals_csv(result))
    atomic.write_text(snakemake.output.mcnemar, classify.mcnemar_csv(result))
    for m in result["models"]:
        log.info("%s: accuracy %.4f (%d/%d)", m["name"], m["accuracy"], m["correct"], m["n_val"])
    for t in result["mcnemar"]:
        log.info("%s", t["reading"])
