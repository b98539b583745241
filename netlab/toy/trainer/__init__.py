"""The ways ``netlab.toy.training.train`` runs the notebooks' loop, one module each.

* ``choice``: which path a run takes (a cost model measured by ``benchmarks/trainer.py``), and what a trial
  job needs (memory, run time) for the workflow's resources;
* ``general``: numpy/BLAS on preallocated buffers; no numba import, no compile (any size, short runs);
* ``fused``: drives the generated numba kernel (small nets, long runs);
* ``codegen``: writes that kernel's source for given layer sizes;
* ``numerics``: the numba helpers the generated kernel calls (exp, BCE, step);
* ``kernel_cache``: where generated kernels live on disk, compiled once per machine, under a portable lock;
* ``native``: a compiled kernel as a shared library for this CPU, loaded by later jobs without numba.

Nothing here is imported by ``netlab.toy.nets`` until a run needs it: a trial job pays only for its own path.
"""
