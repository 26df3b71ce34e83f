"""PyTorch simulations of the models the theories describe: samplers, devices, Monte-Carlo errors, baselines.

Paper-free pieces live here; one paper's protocol lives in ``icl_sym/sim/<paper>/``.
"""

from icl_sym.extras import require

require("torch", "sim", "Simulation")
