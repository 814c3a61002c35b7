"""tokenfab.workload: what to send — lengths, arrivals, synthetic prompts, dataset replay."""

from tokenfab.workload.arrivals import arrival_offsets_s, interarrival_s
from tokenfab.workload.corpus import (
    Prompt,
    PromptFactory,
    PromptPlan,
    corpus_text,
    normalise_whitespace,
    plan_prompts,
)
from tokenfab.workload.dataset import (
    BadRow,
    DatasetLoad,
    DatasetRequest,
    load_dataset,
    parse_row,
)
from tokenfab.workload.lengths import parse_length, parse_shape, sample_lengths
from tokenfab.workload.tokenizers import (
    DEFAULT_TOKENS_PER_WORD,
    HttpLlamaTokenizer,
    Tokenizer,
    WordTokenizer,
)

__all__ = [
    "DEFAULT_TOKENS_PER_WORD",
    "BadRow",
    "DatasetLoad",
    "DatasetRequest",
    "HttpLlamaTokenizer",
    "Prompt",
    "PromptFactory",
    "PromptPlan",
    "Tokenizer",
    "WordTokenizer",
    "arrival_offsets_s",
    "corpus_text",
    "interarrival_s",
    "load_dataset",
    "normalise_whitespace",
    "parse_length",
    "parse_row",
    "parse_shape",
    "plan_prompts",
    "sample_lengths",
]
