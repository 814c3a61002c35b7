"""tokenfab.roofline stage: model configs, per-step analytic model, batching, calibration."""

from tokenfab.roofline.hf_config import SUPPORTED_MODEL_TYPES, spec_from_config
from tokenfab.roofline.loading import list_models, load_model
from tokenfab.roofline.models import BYTES_PER_PARAM, Mla, ModelSpec, bytes_per_param
from tokenfab.schemas.types import Precision

__all__ = [
    "BYTES_PER_PARAM",
    "SUPPORTED_MODEL_TYPES",
    "Mla",
    "ModelSpec",
    "Precision",
    "bytes_per_param",
    "list_models",
    "load_model",
    "spec_from_config",
]
