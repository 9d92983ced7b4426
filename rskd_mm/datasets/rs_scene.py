# Copyright (c) rskd_mm contributors. All rights reserved.
"""Remote-sensing scene-classification data sets (mmpretrain DATASETS).

Each is mmpretrain's ``CustomDataset`` with the class names in label order,
so configs need only ``data_root``, ``data_prefix`` and ``ann_file`` (write
the annotation files with ``tools/dataset_converters/rs_split.py``). Without
``ann_file`` the ``<class>/<image>`` folder layout is scanned instead.

Every annotation file is checked when the data set is built (see
:mod:`rskd_mm.datasets.annotation_check`): labels inside the class range,
listed images present, no file listed twice, no empty split, and a
``classes.txt`` beside the annotation file that agrees with the classes.
"""
import os.path as osp

from mmengine.fileio import get_file_backend
from mmpretrain.datasets import CustomDataset

from rskd_mm.registry import PRETRAIN_DATASETS as DATASETS
from .annotation_check import (check_scene_annotations, check_sibling_splits,
                               read_classes_file)

#: UC Merced Land Use (Yang & Newsam, 2010): 21 classes, 100 images each,
#: 256x256, 0.3 m. Folder names of ``UCMerced_LandUse/Images``.
UCM_CLASSES = ('agricultural', 'airplane', 'baseballdiamond', 'beach',
               'buildings', 'chaparral', 'denseresidential', 'forest',
               'freeway', 'golfcourse', 'harbor', 'intersection',
               'mediumresidential', 'mobilehomepark', 'overpass', 'parkinglot',
               'river', 'runway', 'sparseresidential', 'storagetanks',
               'tenniscourt')

#: AID (Xia et al., 2017): 30 classes, 10,000 images, 600x600.
AID_CLASSES = ('Airport', 'BareLand', 'BaseballField', 'Beach', 'Bridge',
               'Center', 'Church', 'Commercial', 'DenseResidential', 'Desert',
               'Farmland', 'Forest', 'Industrial', 'Meadow',
               'MediumResidential', 'Mountain', 'Park', 'Parking',
               'Playground', 'Pond', 'Port', 'RailwayStation', 'Resort',
               'River', 'School', 'SparseResidential', 'Square', 'Stadium',
               'StorageTanks', 'Viaduct')

#: NWPU-RESISC45 (Cheng et al., 2017): 45 classes, 700 images each, 256x256.
NWPU45_CLASSES = ('airplane', 'airport', 'baseball_diamond',
                  'basketball_court', 'beach', 'bridge', 'chaparral', 'church',
                  'circular_farmland', 'cloud', 'commercial_area',
                  'dense_residential', 'desert', 'forest', 'freeway',
                  'golf_course', 'ground_track_field', 'harbor',
                  'industrial_area', 'intersection', 'island', 'lake',
                  'meadow', 'medium_residential', 'mobile_home_park',
                  'mountain', 'overpass', 'palace', 'parking_lot', 'railway',
                  'railway_station', 'rectangular_farmland', 'river',
                  'roundabout', 'runway', 'sea_ice', 'ship', 'snowberg',
                  'sparse_residential', 'stadium', 'storage_tank',
                  'tennis_court', 'terrace', 'thermal_power_station',
                  'wetland')

#: EuroSAT RGB (Helber et al., 2019): 10 classes, 27,000 images, 64x64.
EUROSAT_CLASSES = ('AnnualCrop', 'Forest', 'HerbaceousVegetation', 'Highway',
                   'Industrial', 'Pasture', 'PermanentCrop', 'Residential',
                   'River', 'SeaLake')

#: short name -> class names, for tools and configs.
RS_SCENE_CLASSES = dict(
    ucm=UCM_CLASSES,
    aid=AID_CLASSES,
    nwpu45=NWPU45_CLASSES,
    eurosat=EUROSAT_CLASSES)

_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp')


class CheckedAnnotationsMixin:
    """``load_data_list`` of a ``CustomDataset`` that checks the annotation
    file first and names every bad line (see
    :func:`~rskd_mm.datasets.annotation_check.check_scene_annotations`).

    Remote files (``s3://``, ...) and ``with_label=False`` lists are read by
    mmpretrain unchecked.
    """

    def load_data_list(self):
        ann_file = self.ann_file
        if (not ann_file or not getattr(self, 'with_label', True)
                or '://' in ann_file):
            return super().load_data_list()
        prefix = self.img_prefix or ''
        check_sibling_splits(ann_file)
        samples = check_scene_annotations(
            ann_file,
            prefix,
            classes=self.CLASSES,
            check_files='://' not in prefix)
        backend = get_file_backend(prefix, enable_singleton=True)
        return [
            dict(img_path=backend.join_path(prefix, name), gt_label=label)
            for name, label in samples
        ]


@DATASETS.register_module()
class RSKDSceneDataset(CheckedAnnotationsMixin, CustomDataset):
    """A scene-classification folder in the project's layout, with checked
    annotations.

    ``<data_root>/images/<Class>/<file>`` and ``<data_root>/meta/{classes,
    train,val,test}.txt`` (``<Class>/<file> <label>`` lines, the format of
    ``tools/dataset_converters/rs_split.py``). The class names come from
    ``metainfo=dict(classes=...)`` when given, else from ``classes_file``.

    Args:
        classes_file (str): class names, one per line in label order,
            relative to ``data_root``. Defaults to ``'meta/classes.txt'``.
        *args, **kwargs: ``CustomDataset`` arguments.
    """

    def __init__(self,
                 *args,
                 classes_file: str = 'meta/classes.txt',
                 extensions=_EXTENSIONS,
                 metainfo=None,
                 **kwargs):
        metainfo = dict(metainfo or {})
        if metainfo.get('classes') is None and kwargs.get('classes') is None:
            path = osp.join(kwargs.get('data_root') or '', classes_file)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'RSKDSceneDataset: no class names: give '
                    f'metainfo=dict(classes=[...]) or write {path} (one '
                    'class name per line, in label order)')
            metainfo['classes'] = tuple(read_classes_file(path))
        super().__init__(
            *args, extensions=extensions, metainfo=metainfo, **kwargs)


@DATASETS.register_module()
class UCMerced(CheckedAnnotationsMixin, CustomDataset):
    """UC Merced Land Use, 21 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=UCM_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)


@DATASETS.register_module()
class AID(CheckedAnnotationsMixin, CustomDataset):
    """Aerial Image Dataset, 30 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=AID_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)


@DATASETS.register_module()
class NWPURESISC45(CheckedAnnotationsMixin, CustomDataset):
    """NWPU-RESISC45, 45 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=NWPU45_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)


@DATASETS.register_module()
class EuroSAT(CheckedAnnotationsMixin, CustomDataset):
    """EuroSAT RGB, 10 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=EUROSAT_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)
