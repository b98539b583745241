"""The ways ``netlab.toy.training.train`` runs the notebooks' loop, one module each.

* ``choice``: which path a run takes (a cost model measured by ``benchmarks/trainer.py``), and what a trial
  job needs (memory, run time) for the workflow's resources;
* ``general``: the arrays of ``layers``' loop, one compiled loop for nets of any size (big nets);
* ``fused``: the arrays of the generated numba kernel (small nets);
* ``loop``: calls either path's compiled loop until it ends, reporting progress between calls;
* ``codegen``: writes that kernel's source for given layer sizes;
* ``numerics``: the arithmetic both paths compile, its order fixed by the code (fma, exp, log, sums);
* ``kernel_cache``: where generated kernels (and numba's cache of ``layers``) live on disk, compiled once
  per machine, under a portable lock: the only place that knows the CPU;
* ``native``: a compiled kernel as a shared library for this CPU, loaded by later jobs without numba.

Nothing here is imported by ``netlab.toy.nets`` until a run needs it: a trial job pays only for its own path.
"""
