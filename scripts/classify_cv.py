from netlab import atomic
from netlab.images import classify
from netlab.joblog import logged

with logged(snakemake.log[0]) as log:
    i = snakemake.input
    p = snakemake.params
    result = classify.tuned_from_files(
        {"train": i.train, "val": i.val},
        {"train": i.train_sidecar, "val": i.val_sidecar},
        p.logistic,
        p.knn_algorithm,
        p.cv,
        p.seed,
    )
    atomic.write_json(snakemake.output.json, result)
    atomic.write_text(snakemake.output.csv, classify.tuned_csv(result))
    for r in result["rows"]:
        log.info(
            "%s: %s=%s, CV %.4f, val %.4f",
            r["model"],
            r["parameter"],
            r["chosen"],
            r["cv_accuracy"],
            r["val_accuracy"],
        )
