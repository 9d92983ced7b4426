# Pull the rskd_mm plugin into any tool that reads the config: it applies the
# compatibility layer and registers rskd_mm's components in the host
# registries (mmpretrain, mmseg, mmrazor). Every leaf config inherits this.
custom_imports = dict(imports=['rskd_mm'], allow_failed_imports=False)
