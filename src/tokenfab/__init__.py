"""tokenfab: measure, model and minimize the cost per token of LLM inference."""

from tokenfab.errors import TokenfabError

__version__ = "0.1.0"

__all__ = ["TokenfabError", "__version__"]
