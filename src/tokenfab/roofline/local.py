"""Local speed of light: a measured decode rate against the memory-bandwidth roofline. Pure.

limit_tok_s = bandwidth_bytes_per_s / (weight_bytes + kv_bytes_per_token × context_tokens)
fraction    = measured_decode_tok_s / limit_tok_s,  measured_decode_tok_s = 1000 / TPOT_p50_ms
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpeedOfLight(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    measured_decode_tok_s: float  # measured
    limit_tok_s: float  # modelled
    fraction: float
    bandwidth_gb_s: float  # measured
    bytes_per_token: float  # modelled
    context_tokens: float


def speed_of_light(tpot_p50_ms: float, weight_bytes: float, kv_bytes_per_token: float,
                   context_tokens: float, bandwidth_bytes_per_s: float) -> SpeedOfLight:
    per_token = weight_bytes + kv_bytes_per_token * context_tokens
    limit = bandwidth_bytes_per_s / per_token
    measured = 1000.0 / tpot_p50_ms
    return SpeedOfLight(measured_decode_tok_s=measured, limit_tok_s=limit,
                        fraction=measured / limit, bandwidth_gb_s=bandwidth_bytes_per_s / 1e9,
                        bytes_per_token=per_token, context_tokens=context_tokens)
