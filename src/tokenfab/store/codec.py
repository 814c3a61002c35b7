"""RequestRecord <-> ``records`` row. Pure functions, no I/O.

Chunk arrival times are stored compactly: ``chunk_ns`` as little-endian int64 offsets from
``sent_ns`` (offset_i = chunk_ns[i] - sent_ns), ``chunk_tokens`` as little-endian int32. An
empty list is stored as NULL. Decoding adds ``sent_ns`` back, so the round trip is exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord

_I64 = np.dtype("<i8")
_I32 = np.dtype("<i4")
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1

# RequestRecord fields stored one-to-one as columns (everything except the two lists).
SCALAR_FIELDS: tuple[str, ...] = (
    "point_index",
    "request_index",
    "sent_ns",
    "end_ns",
    "warmup",
    "ok",
    "error_class",
    "http_status",
    "error_detail",
    "first_chunk_ns",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "client_output_tokens",
    "expected_input_tokens",
    "max_output_tokens",
    "server_prompt_ms",
    "server_predicted_ms",
    "finish_reason",
    "output_text",
)


def encode_offsets_ns(chunk_ns: list[int], sent_ns: int) -> bytes | None:
    """``chunk_ns`` -> bytes of little-endian int64 ``chunk_ns[i] - sent_ns``; [] -> None."""
    if not chunk_ns:
        return None
    arr = np.asarray(chunk_ns, dtype=np.int64) - np.int64(sent_ns)
    return arr.astype(_I64, copy=False).tobytes()


def decode_offsets_ns(blob: bytes | None, sent_ns: int) -> list[int]:
    """Inverse of :func:`encode_offsets_ns`."""
    if not blob:
        return []
    arr = np.frombuffer(blob, dtype=_I64).astype(np.int64) + np.int64(sent_ns)
    return [int(v) for v in arr.tolist()]


def encode_tokens(chunk_tokens: list[int]) -> bytes | None:
    """``chunk_tokens`` -> bytes of little-endian int32; [] -> None."""
    if not chunk_tokens:
        return None
    if min(chunk_tokens) < _I32_MIN or max(chunk_tokens) > _I32_MAX:
        raise StoreError("chunk_tokens value outside int32; a chunk cannot carry 2**31 tokens")
    return np.asarray(chunk_tokens, dtype=_I32).tobytes()


def decode_tokens(blob: bytes | None) -> list[int]:
    """Inverse of :func:`encode_tokens`."""
    if not blob:
        return []
    return [int(v) for v in np.frombuffer(blob, dtype=_I32).tolist()]


def record_to_row(run_id: str, rec: RequestRecord) -> dict[str, Any]:
    """One ``records`` row (without the surrogate ``id``)."""
    row: dict[str, Any] = {name: getattr(rec, name) for name in SCALAR_FIELDS}
    row["run_id"] = run_id
    row["chunk_ns"] = encode_offsets_ns(rec.chunk_ns, rec.sent_ns)
    row["chunk_tokens"] = encode_tokens(rec.chunk_tokens)
    return row


def row_to_record(row: Mapping[Any, Any]) -> RequestRecord:
    """Rebuild the exact :class:`RequestRecord` that :func:`record_to_row` stored."""
    kwargs: dict[str, Any] = {name: row[name] for name in SCALAR_FIELDS}
    kwargs["warmup"] = bool(kwargs["warmup"])
    kwargs["ok"] = bool(kwargs["ok"])
    sent_ns = int(row["sent_ns"])
    chunk_blob = row["chunk_ns"]
    token_blob = row["chunk_tokens"]
    kwargs["chunk_ns"] = decode_offsets_ns(bytes(chunk_blob) if chunk_blob else None, sent_ns)
    kwargs["chunk_tokens"] = decode_tokens(bytes(token_blob) if token_blob else None)
    return RequestRecord(**kwargs)
