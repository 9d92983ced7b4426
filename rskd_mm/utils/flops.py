# Copyright (c) rskd_mm contributors. All rights reserved.
"""FLOPs with mmengine's ``FlopAnalyzer``, the attention included."""


def sdpa_flop_jit(inputs, outputs) -> int:
    """Multiply-accumulates of ``scaled_dot_product_attention`` (mmengine's
    counter has no handle for it): ``q k^T`` and ``attn v``, ``B * heads *
    Nq * Nk * (d + dv)``."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(t) for t in inputs[:3])
    batch = 1
    for dim in q[:-2]:
        batch *= dim
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def count_flops(model, inputs) -> int:
    """Total FLOPs of ``model(inputs)`` by mmengine's ``FlopAnalyzer`` (one
    multiply-accumulate = one FLOP, as ``get_model_complexity_info``), with
    the attention's matrix products counted (:func:`sdpa_flop_jit`)."""
    from mmengine.analysis import FlopAnalyzer
    analyzer = FlopAnalyzer(
        model,
        inputs=inputs).set_op_handle('aten::scaled_dot_product_attention',
                                     sdpa_flop_jit)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total()
