# Copyright (c) rskd_mm contributors. All rights reserved.
"""Per-image predictions of a test run, as JSON (for paired comparisons)."""
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.evaluator import BaseMetric

from rskd_mm.registry import ENGINE_METRICS as METRICS


def _label(value) -> Optional[int]:
    if value is None:
        return None
    if hasattr(value, 'numel'):
        return int(value.reshape(-1)[0]) if value.numel() else None
    if isinstance(value, (list, tuple)):
        return int(value[0]) if len(value) else None
    return int(value)


@METRICS.register_module()
class RSKDDumpPredictions(BaseMetric):
    """Write every test image's path, true label and predicted label to a
    JSON file (atomically, on rank 0, after the ranks' results are
    collected), so that two models tested on the same split can be compared
    image by image (a paired bootstrap, McNemar's test).

    mmengine's ``DumpResults`` writes a pickle of whole data samples; this
    writes plain JSON, which anything can read without unpickling. It adds
    no metric of its own. ``tools/test.py --predictions-out FILE`` appends it
    to the test evaluator.

    Args:
        out_file (str): the ``.json`` file to write.
    """

    def __init__(self,
                 out_file: str,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not str(out_file).endswith('.json'):
            raise ValueError('RSKDDumpPredictions: out_file must be a .json '
                             f'file, got {out_file!r}')
        self.out_file = out_file

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample.get('pred_label')
            self.results.append(
                dict(
                    img_path=sample.get('img_path'),
                    gt_label=_label(sample.get('gt_label')),
                    pred_label=_label(pred)))

    def compute_metrics(self, results: List[dict]) -> dict:
        folder = osp.dirname(osp.abspath(self.out_file))
        os.makedirs(folder, exist_ok=True)
        tmp = f'{self.out_file}.tmp{os.getpid()}'
        with open(tmp, 'w') as f:
            json.dump(results, f)
        os.replace(tmp, self.out_file)
        return {}
