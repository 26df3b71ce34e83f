"""Bordelon, Letey, Pehlevan (2026)'s training protocol: ISO/FS/RRS contexts, the reduced-Γ model and the deep
linear transformers, online SGD with checkpoints, and the ``icl-sym simulate bordelon2025`` entry point.

:data:`SIMULATION` is what the theory plugin declares.
"""

from __future__ import annotations

from typing import Any, Mapping

from icl_sym.core.theory import Parameter, Simulation
from icl_sym.core.validation import Range

from .data import CONTEXT_RATIO, SETTINGS, ContextBatch, DataSpec, make_spec, sample_contexts
from .models import LinearTransformer, ReducedGamma, SoftmaxTransformer, reduced_errors
from .protocol import default_lr, simulate_training, theory_values
from .training import MODELS, TrainConfig, TrainResult, evaluate, flow_time, four_scalar_start, train

__all__ = ["SIMULATION", "SETTINGS", "MODELS", "DataSpec", "ContextBatch", "make_spec", "sample_contexts",
           "ReducedGamma", "LinearTransformer", "SoftmaxTransformer", "reduced_errors", "TrainConfig", "TrainResult",
           "train", "evaluate", "flow_time", "four_scalar_start", "simulate_training", "default_lr", "theory_values"]

_POSITIVE = Range(0, low_open=True)


def _run(layers: str = "tied", variant: str = "decoupled", mlp: str = "none", **params: Any) -> dict:
    return simulate_training(untied=layers == "untied", coupled=variant == "coupled", mlp=mlp == "gelu", **params)


def _describe(result: Mapping[str, Any]) -> str:
    r = result
    theory = "" if r["theory_loss"] is None else f", theory (D -> oo) {r['theory_loss']:.4g}"
    return (f"bordelon2025: {r['setting']} {r['model']} model, D={r['dim']}, alpha={r['alpha']}, L={r['depth']}, "
            f"{r['steps']} steps of online SGD (lr {r['lr']:g}, batch {r['batch']}){theory}; "
            f"{r['seconds']:.1f} s on {r['device']}")


#: ``icl-sym simulate bordelon2025``: train by online SGD, report the test error with its standard error.
SIMULATION = Simulation(
    run=_run,
    params=(
        Parameter("setting", "data setting (Sec. 3)", choices=SETTINGS, default="iso"),
        Parameter("depth", "depth L (in-context GD steps)", integer=True, minimum=1, default=4),
        Parameter("alpha", "context ratio P/D (inf: population covariance)", CONTEXT_RATIO, default=2.0),
        Parameter("dim", "token dimension D", integer=True, minimum=2, default=64),
        Parameter("width", "residual width N (reduced model: N <= D; default D)", integer=True, minimum=1,
                  default=None),
        Parameter("model", "reduced-Gamma model, the authors' linear transformer, or untied softmax attention",
                  choices=MODELS,
                  default="reduced"),
        Parameter("steps", "online SGD steps", integer=True, minimum=0, default=400),
        Parameter("lr", "learning rate (default: D/4 iso, 0.5 fs, 5 rrs; 0.125 linear; 5e-4 softmax)", _POSITIVE,
                  default=None),
        Parameter("batch", "fresh contexts per step", integer=True, minimum=1, default=256),
        Parameter("seed", "seed of the training and test streams", integer=True, minimum=0, default=0),
        Parameter("device", "torch device: cpu or cuda", text=True, default="cpu"),
        Parameter("nu", "capacity exponent of lambda_k = k^-nu (fs, rrs)", Range(1, low_open=True), default=1.25),
        Parameter("beta", "source exponent (fs, rrs)", _POSITIVE, default=1.25),
        Parameter("noise", "label-noise standard deviation sigma (training only)", Range(0), default=0.0),
        Parameter("layers", "tied or untied layers (reduced model)", choices=("tied", "untied"), default="tied"),
        Parameter("variant", "linear transformer streams", choices=("decoupled", "coupled"), default="decoupled"),
        Parameter("heads", "attention heads (softmax model)", integer=True, minimum=1, default=1),
        Parameter("mlp", "GELU-MLP block after each softmax layer", choices=("none", "gelu"), default="none"),
        Parameter("decay", "fraction of the steps over which lr decays linearly to 0", Range(0, 1), default=0.5),
        Parameter("weight_decay", "coefficient of sum mean(theta^2)", Range(0), default=0.0),
        Parameter("eval_contexts", "fresh test contexts", integer=True, minimum=2, default=10_000),
        Parameter("threads", "torch intra-op threads during the run", integer=True, minimum=1, default=1),
    ),
    quantities=("final_loss",),
    description="Online-SGD training of deep linear attention; test ICL error against the D -> oo theory",
    describe=_describe,
)
