"""The ``tokenfab.eval/1`` JSON document. Pure: values in, a dict out (built in
:mod:`tokenfab.schemas.evaluate`, where the result type lives)."""

from tokenfab.schemas.evaluate import SCHEMA_ID as SCHEMA
from tokenfab.schemas.evaluate import eval_document as eval_json

__all__ = ["SCHEMA", "eval_json"]
