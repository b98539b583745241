from netlab.joblog import logged
from netlab.trials import run_trial

with logged(snakemake.log[0]) as log:
    record = run_trial(
        snakemake.input.data,
        snakemake.output.record,
        snakemake.output.weights,
        **snakemake.params.training,
        seed=snakemake.params.seed,
    )
    log.info(
        "t=%d errors=%d loss=%.5f; %s path: set-up %.3f s, waited %.3f s, training %.3f s",
        record["iterations"], record["errors"], record["final_loss"], record["path"],
        record["setup_s"], record["wait_s"], record["train_s"],
    )  # fmt: skip
