# Copyright (c) rskd_mm contributors. All rights reserved.
"""Remote-sensing scene-classification data sets (mmpretrain DATASETS).

Each is mmpretrain's ``CustomDataset`` with the class names in label order,
so configs need only ``data_root``, ``data_prefix`` and ``ann_file`` (write
the annotation files with ``tools/dataset_converters/rs_split.py``). Without
``ann_file`` the ``<class>/<image>`` folder layout is scanned instead.
"""
from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS

#: UC Merced Land Use (Yang & Newsam, 2010): 21 classes, 100 images each,
#: 256x256, 0.3 m. Folder names of ``UCMerced_LandUse/Images``.
UCM_CLASSES = ('agricultural', 'airplane', 'baseballdiamond', 'beach',
               'buildings', 'chaparral', 'denseresidential', 'forest',
               'freeway', 'golfcourse', 'harbor', 'intersection',
               'mediumresidential', 'mobilehomepark', 'overpass',
               'parkinglot', 'river', 'runway', 'sparseresidential',
               'storagetanks', 'tenniscourt')

#: AID (Xia et al., 2017): 30 classes, 10,000 images, 600x600.
AID_CLASSES = ('Airport', 'BareLand', 'BaseballField', 'Beach', 'Bridge',
               'Center', 'Church', 'Commercial', 'DenseResidential', 'Desert',
               'Farmland', 'Forest', 'Industrial', 'Meadow',
               'MediumResidential', 'Mountain', 'Park', 'Parking',
               'Playground', 'Pond', 'Port', 'RailwayStation', 'Resort',
               'River', 'School', 'SparseResidential', 'Square', 'Stadium',
               'StorageTanks', 'Viaduct')

#: NWPU-RESISC45 (Cheng et al., 2017): 45 classes, 700 images each, 256x256.
NWPU45_CLASSES = (
    'airplane', 'airport', 'baseball_diamond', 'basketball_court', 'beach',
    'bridge', 'chaparral', 'church', 'circular_farmland', 'cloud',
    'commercial_area', 'dense_residential', 'desert', 'forest', 'freeway',
    'golf_course', 'ground_track_field', 'harbor', 'industrial_area',
    'intersection', 'island', 'lake', 'meadow', 'medium_residential',
    'mobile_home_park', 'mountain', 'overpass', 'palace', 'parking_lot',
    'railway', 'railway_station', 'rectangular_farmland', 'river',
    'roundabout', 'runway', 'sea_ice', 'ship', 'snowberg',
    'sparse_residential', 'stadium', 'storage_tank', 'tennis_court',
    'terrace', 'thermal_power_station', 'wetland')

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


@DATASETS.register_module()
class UCMerced(CustomDataset):
    """UC Merced Land Use, 21 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=UCM_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)


@DATASETS.register_module()
class AID(CustomDataset):
    """Aerial Image Dataset, 30 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=AID_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)


@DATASETS.register_module()
class NWPURESISC45(CustomDataset):
    """NWPU-RESISC45, 45 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=NWPU45_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)


@DATASETS.register_module()
class EuroSAT(CustomDataset):
    """EuroSAT RGB, 10 classes (``CustomDataset`` arguments)."""
    METAINFO = dict(classes=EUROSAT_CLASSES)

    def __init__(self, *args, extensions=_EXTENSIONS, **kwargs):
        super().__init__(*args, extensions=extensions, **kwargs)
