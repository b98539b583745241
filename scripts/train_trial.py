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
        "t=%d errors=%d loss=%.5f", record["iterations"], record["errors"], record["final_loss"]
    )
