"""netlab: the notebooks' neural-network experiments as a reproducible library.

All logic lives in this package; the Snakemake rules only wire files to it.
"""

__version__ = "0.1.0"
