"""Discrete-event continuous-batching simulator: a step-time model in, request records out.

Provenance of every timing it produces: ``modelled``. The records are the same
:class:`~tokenfab.schemas.records.RequestRecord` a real run produces, on a simulated clock that
starts at 0 ns, so :func:`tokenfab.metrics.compute.summarize_point` summarizes them unchanged.

Load
- ``concurrency`` (closed loop, N = ``value``): N clients; each sends its next request the
  moment its previous one ends (same ns).
- ``rate`` (open loop): request i is sent at ``round(arrival_offsets_s(...)[i] * 1e9)`` ns.
- Warm-up mirrors the real runner (:mod:`tokenfab.load.runner`): the first ``warmup_requests``
  requests go first and are flagged ``warmup``; measured sends wait until every warm-up request
  has ended at ``t_w``. Closed loop: parked clients send at ``t_w``. Open loop: measured request
  i is sent at ``t_w + round((offset_i - offset_w) * 1e9)``.
- Lengths: ``inputs = sample_lengths(input_tokens, W + n, rng)``, then outputs, then (rate mode)
  arrival offsets, all from ``rng = default_rng(seed)``. Outputs are pinned (ignore-EOS).

Scheduler (vLLM-like, FCFS), once per engine iteration ("step") s
- Every decoding sequence runs; it costs ``1 + k`` tokens of the step budget (k = ``spec_k``).
- ``prefill budget = max_batched_tokens - decode_seqs * (1 + k)`` goes to prompt chunks, first
  to admitted, partially prefilled requests, then to waiting requests in send order. The head
  of the queue is admitted only when ``running < max_batch_seqs`` and, if ``kv_budget_tokens``
  is set, ``reserved + input + output <= kv_budget_tokens`` (its full KV is reserved at
  admission and freed when it ends); a blocked head blocks the queue (no overtaking).
- A request whose last prompt chunk runs in step s emits its first token at the end of s
  (``first_chunk_ns``) and decodes from step s + 1. It ends with the step that produces its
  last token (``end_ns``); with 1 output token that is step s itself.
- Tokens per decoding sequence per step: ``E = (1 - a^(k+1)) / (1 - a)`` (``E = k + 1`` when
  a = 1; ``E = 1`` when k = 0), a = ``spec_acceptance``. To keep tokens integral, fractions
  accumulate deterministically on one step-phase accumulator ``C(s) = floor(s * E)``: at step s
  each decoding sequence gets ``C(s+1) - C(s)`` tokens (capped at what it still owes), so its
  long-run rate is E and a sequence decoding from step d with R tokens to go ends at the
  smallest f >= d with ``C(f+1) - C(d) >= R`` (for k = 0: ``f = d + R - 1``).
- Step time: ``dt = step.step_s(prefill + decode_seqs * k, decode_seqs, context_tokens) *
  (1 + spec_draft_cost)``; the ``decode_seqs * k`` prefill-like tokens are the drafts verified.
  ``dt`` must be finite and > 0 (else ``ValueError``); the clock advances by
  ``max(1, round(dt * 1e9))`` ns. When nothing runs and nothing waits the clock jumps to the
  next arrival.
- ``context_tokens`` = KV tokens attended by the step's sequences: for a decoding sequence
  ``input + generated`` (tokens it has produced before this step; drafts not counted), for a
  prefilling one ``prefilled + chunk`` (its prompt KV once this step's chunk is written).

Diagnostics (:class:`SimResult`): ``steps``; ``sim_duration_ns`` = clock at the end of the last
step; ``mean_batch = sum_s (decode_seqs_s + prefill_seqs_s) / steps``; ``max_kv_tokens =
max_s context_tokens_s``; ``max_kv_reserved_tokens = max_s sum(input + output)`` of admitted
requests (never above ``kv_budget_tokens``).

Cost: O(steps + requests) Python work; per-token work only with ``record_chunks``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from tokenfab.errors import ConfigError
from tokenfab.schemas.config import ArrivalKind, LengthSpec
from tokenfab.schemas.records import RequestRecord
from tokenfab.workload.arrivals import arrival_offsets_s
from tokenfab.workload.lengths import sample_lengths

NS_PER_S = 1_000_000_000

SimMode = Literal["concurrency", "rate"]


class StepModel(Protocol):
    """Wall time of one engine iteration."""

    def step_s(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> float:
        """Wall time (s) of one engine iteration that processes ``prefill_tokens`` new prompt
        tokens (chunked prefill, possibly from several requests) and one decode token for each
        of ``decode_seqs`` running sequences; ``context_tokens`` = total KV tokens attended."""
        ...


@dataclass(frozen=True, slots=True)
class LinearStepModel:
    """``step_s = base_s + per_decode_seq_s * decode_seqs + per_prefill_token_s *
    prefill_tokens + per_context_token_s * context_tokens``. A constant step is ``base_s``."""

    base_s: float
    per_decode_seq_s: float = 0.0
    per_prefill_token_s: float = 0.0
    per_context_token_s: float = 0.0

    def step_s(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> float:
        """See the class docstring."""
        return (self.base_s + self.per_decode_seq_s * decode_seqs
                + self.per_prefill_token_s * prefill_tokens
                + self.per_context_token_s * context_tokens)


@dataclass(frozen=True, slots=True)
class SimSettings:
    """Engine limits and speculative decoding; defaults follow vLLM's."""

    max_batch_seqs: int = 256  # running sequences cap (vLLM max_num_seqs)
    max_batched_tokens: int = 8192  # per-step token budget (chunked prefill + decode)
    kv_budget_tokens: int | None = None  # KV capacity in tokens; admission blocks beyond it
    spec_k: int = 0  # speculative decoding: draft tokens proposed per step
    spec_acceptance: float = 0.0  # per-token acceptance rate alpha
    spec_draft_cost: float = 0.0  # draft cost per step as a fraction of the step time
    record_chunks: bool = False  # keep per-token chunk timestamps (memory heavy)


@dataclass(frozen=True, slots=True)
class SimResult:
    """Records (request_index order) plus diagnostics; see the module docstring."""

    records: list[RequestRecord]
    steps: int
    sim_duration_ns: int
    mean_batch: float
    max_kv_tokens: int
    max_kv_reserved_tokens: int = 0
    tokens_per_decode_step: float = 1.0


def expected_tokens_per_step(spec_k: int, acceptance: float) -> float:
    """``E = (1 - a^(k+1)) / (1 - a)``, tokens a decoding sequence gains per step with k drafts
    at per-token acceptance a; ``E = k + 1`` when a = 1 and ``E = 1`` when k = 0."""
    if spec_k == 0:
        return 1.0
    if acceptance >= 1.0:
        return float(spec_k + 1)
    return (1.0 - acceptance ** (spec_k + 1)) / (1.0 - acceptance)


def cumulative_tokens(step_index: int, tokens_per_step: float) -> int:
    """``C(s) = floor(s * E)``: the shared accumulator of decode tokens through step s - 1."""
    return int(step_index * tokens_per_step)


def finish_step(decode_start: int, tokens_left: int, tokens_per_step: float) -> int:
    """Smallest ``f >= d`` with ``C(f+1) - C(d) >= R`` (d = ``decode_start``, R =
    ``tokens_left`` >= 1, C = :func:`cumulative_tokens`); for E = 1 it is ``d + R - 1``."""
    e = tokens_per_step
    target = int(decode_start * e) + tokens_left
    m = max(decode_start + 1, math.ceil(target / e))
    while int(m * e) < target:
        m += 1
    while m - 1 > decode_start and int((m - 1) * e) >= target:
        m -= 1
    return m - 1


def _validate(settings: SimSettings, mode: str, value: float, n_requests: int,
              warmup_requests: int) -> None:
    s = settings
    if mode not in ("concurrency", "rate"):
        raise ConfigError(f"simulation mode must be 'concurrency' or 'rate' (got {mode!r})")
    if mode == "concurrency" and (not math.isfinite(value) or value < 1 or value != int(value)):
        raise ConfigError(f"concurrency must be a whole number >= 1 (got {value:g})")
    if n_requests < 0 or warmup_requests < 0:
        raise ConfigError("n_requests and warmup_requests must be >= 0")
    if s.max_batch_seqs < 1 or s.max_batched_tokens < 1:
        raise ConfigError("max_batch_seqs and max_batched_tokens must be >= 1")
    if s.kv_budget_tokens is not None and s.kv_budget_tokens < 1:
        raise ConfigError(f"kv_budget_tokens must be >= 1 or None (got {s.kv_budget_tokens})")
    if s.spec_k < 0:
        raise ConfigError(f"spec_k must be >= 0 draft tokens (got {s.spec_k})")
    if not 0.0 <= s.spec_acceptance <= 1.0:
        raise ConfigError(f"spec_acceptance must be in [0, 1] (got {s.spec_acceptance:g})")
    if not (math.isfinite(s.spec_draft_cost) and s.spec_draft_cost >= 0.0):
        raise ConfigError(f"spec_draft_cost must be >= 0 (got {s.spec_draft_cost:g})")


def _chunks(first_ns: int, decode_start: int, last_step: int, tokens_left: int,
            tokens_per_step: float, step_end_ns: list[int]) -> tuple[list[int], list[int]]:
    """Chunk timestamps and tokens per chunk: the first token at ``first_ns``, then one chunk
    per decode step d..f carrying ``min(C(s+1) - C(s), tokens still owed)`` tokens."""
    times = [first_ns, *step_end_ns[decode_start:last_step + 1]]
    if tokens_per_step == 1.0:
        return times, [1] * len(times)
    toks = [1]
    owed = tokens_left
    for s in range(decode_start, last_step + 1):
        got = min(int((s + 1) * tokens_per_step) - int(s * tokens_per_step), owed)
        toks.append(got)
        owed -= got
    return times, toks


def simulate(step: StepModel, *, mode: SimMode, value: float, n_requests: int,
             input_tokens: LengthSpec, output_tokens: LengthSpec,
             settings: SimSettings | None = None, seed: int = 0,
             arrival: ArrivalKind = "poisson", gamma_shape: float = 1.0,
             warmup_requests: int = 0) -> SimResult:
    """Simulate ``warmup_requests + n_requests`` requests through a continuous-batching engine
    whose iterations take ``step.step_s(...)`` seconds; see the module docstring for the load,
    scheduler and timing formulas. Pure: all randomness comes from ``seed``."""
    cfg = settings if settings is not None else SimSettings()
    _validate(cfg, mode, value, n_requests, warmup_requests)
    total = warmup_requests + n_requests
    rng = np.random.default_rng(seed)
    inp: list[int] = sample_lengths(input_tokens, total, rng).tolist()
    out: list[int] = sample_lengths(output_tokens, total, rng).tolist()
    if cfg.kv_budget_tokens is not None and total:
        need = np.asarray(inp) + np.asarray(out)
        worst = int(need.argmax())
        if int(need[worst]) > cfg.kv_budget_tokens:
            raise ConfigError(
                f"request {worst} needs {int(need[worst])} KV tokens (input + output) but "
                f"kv_budget_tokens is {cfg.kv_budget_tokens}; raise the budget or cap lengths")
    offsets: list[float] = []
    if mode == "rate":
        offsets = arrival_offsets_s(arrival, value, total, rng, gamma_shape).tolist()
    e_tok = expected_tokens_per_step(cfg.spec_k, cfg.spec_acceptance)
    return _run(step, cfg, mode, int(value) if mode == "concurrency" else 0, inp, out, offsets,
                warmup_requests, e_tok)


def _run(step: StepModel, cfg: SimSettings, mode: str, clients: int, inp: list[int],
         out: list[int], offsets: list[float], warm: int, e_tok: float) -> SimResult:
    """The event loop, one iteration per engine step (hot path: locals only, no per-token
    work unless ``record_chunks``)."""
    total = len(inp)
    closed = mode == "concurrency"
    step_s = step.step_s
    max_seqs = cfg.max_batch_seqs
    max_tok = cfg.max_batched_tokens
    kv_cap = cfg.kv_budget_tokens
    spec_k = cfg.spec_k
    per_dec_budget = 1 + spec_k
    scale = 1.0 + cfg.spec_draft_cost
    record = cfg.record_chunks
    unit_tok = e_tok == 1.0

    sent = [0] * total
    first = [0] * total
    end = [0] * total
    done_pre = [0] * total  # prompt tokens prefilled so far
    dec_start = [0] * total  # step of a request's first decode
    finish_at: dict[int, list[int]] = {}  # last step -> requests ending then
    step_end_ns: list[int] = []
    chunk_ns: list[list[int]] = [[] for _ in range(total)] if record else []
    chunk_tok: list[list[int]] = [[] for _ in range(total)] if record else []

    waiting: deque[int] = deque()
    prefilling: list[int] = []  # admitted, prompt unfinished, FCFS (at most one in practice)
    now = 0
    s = 0
    n_dec = 0  # decoding sequences
    running = 0  # admitted, not ended
    ctx_dec = 0  # sum over decoding sequences of input + generated
    kv_res = 0  # reserved KV tokens of admitted requests
    done = 0
    warm_left = warm
    batch_sum = 0
    max_ctx = 0
    max_res = 0

    # arrivals: closed loop hands out indices to free clients; open loop walks arr_ns
    next_rid = 0
    parked = 0
    arr_ns: list[int] = []
    known = 0  # arr_ns entries whose send time is fixed
    na = 0  # next arrival to enqueue
    if closed:
        for _ in range(min(clients, total)):
            if next_rid >= warm and warm_left > 0:
                parked += 1
                continue
            waiting.append(next_rid)
            next_rid += 1
    else:
        arr_ns = [round(o * NS_PER_S) for o in offsets]
        known = warm if warm > 0 else total

    while done < total:
        if not closed:
            while na < known and arr_ns[na] <= now:
                sent[na] = arr_ns[na]
                waiting.append(na)
                na += 1
        if running == 0 and not waiting:
            if not closed and na < known:
                now = arr_ns[na]
                continue
            raise RuntimeError("batch simulator stalled with requests outstanding")  # invariant

        # ---- schedule this step ----
        budget = max_tok - n_dec * per_dec_budget
        pre_tok = 0
        n_pre = 0
        ctx = ctx_dec
        completed: list[int] = []
        if prefilling and budget > 0:
            keep: list[int] = []
            for rid in prefilling:
                if budget <= 0:
                    keep.append(rid)
                    continue
                left = inp[rid] - done_pre[rid]
                chunk = left if left <= budget else budget
                budget -= chunk
                pre_tok += chunk
                n_pre += 1
                done_pre[rid] += chunk
                ctx += done_pre[rid]
                if chunk == left:
                    completed.append(rid)
                else:
                    keep.append(rid)
            prefilling = keep
        while budget > 0 and waiting and running < max_seqs:
            rid = waiting[0]
            need = inp[rid] + out[rid]
            if kv_cap is not None and kv_res + need > kv_cap:
                break
            waiting.popleft()
            running += 1
            kv_res += need
            left = inp[rid]
            chunk = left if left <= budget else budget
            budget -= chunk
            pre_tok += chunk
            n_pre += 1
            done_pre[rid] = chunk
            ctx += chunk
            if chunk == left:
                completed.append(rid)
            else:
                prefilling.append(rid)
        if kv_res > max_res:
            max_res = kv_res

        # ---- run it ----
        dt_s = step_s(pre_tok + n_dec * spec_k, n_dec, ctx) * scale
        if not (dt_s > 0.0 and math.isfinite(dt_s)):
            raise ValueError(
                f"step model returned {dt_s!r} s for prefill_tokens={pre_tok + n_dec * spec_k}, "
                f"decode_seqs={n_dec}, context_tokens={ctx}; step times must be finite and > 0")
        dt_ns = round(dt_s * NS_PER_S)
        now += dt_ns if dt_ns > 0 else 1
        batch_sum += n_dec + n_pre
        if ctx > max_ctx:
            max_ctx = ctx
        if record:
            step_end_ns.append(now)

        # ---- outcomes at the step's end ----
        ended: list[int] = []
        if n_dec:
            if unit_tok:
                ctx_dec += n_dec
                cum_next = s + 1
            else:
                cum_next = int((s + 1) * e_tok)
                ctx_dec += n_dec * (cum_next - int(s * e_tok))
            fin = finish_at.pop(s, None)
            if fin is not None:
                for rid in fin:
                    n_dec -= 1
                    d = dec_start[rid]
                    ctx_dec -= inp[rid] + 1 + cum_next - (d if unit_tok else int(d * e_tok))
                    if record:
                        chunk_ns[rid], chunk_tok[rid] = _chunks(
                            first[rid], d, s, out[rid] - 1, e_tok, step_end_ns)
                ended.extend(fin)
        for rid in completed:
            first[rid] = now
            o = out[rid]
            if o == 1:
                if record:
                    chunk_ns[rid], chunk_tok[rid] = [now], [1]
                ended.append(rid)
                continue
            d = s + 1
            dec_start[rid] = d
            f = d + o - 2 if unit_tok else finish_step(d, o - 1, e_tok)
            lst = finish_at.get(f)
            if lst is None:
                finish_at[f] = [rid]
            else:
                lst.append(rid)
            n_dec += 1
            ctx_dec += inp[rid] + 1
        s += 1

        for rid in ended:
            end[rid] = now
            running -= 1
            kv_res -= inp[rid] + out[rid]
            done += 1
            if rid < warm:
                warm_left -= 1
            if closed and next_rid < total:  # the freed client sends again, or parks
                if next_rid >= warm and warm_left > 0:
                    parked += 1
                else:
                    sent[next_rid] = now
                    waiting.append(next_rid)
                    next_rid += 1
            if rid < warm and warm_left == 0:  # warm-up drained: measured sends start now
                if closed:
                    while parked and next_rid < total:
                        parked -= 1
                        sent[next_rid] = now
                        waiting.append(next_rid)
                        next_rid += 1
                elif warm < total:
                    base = offsets[warm]
                    for i in range(warm, total):
                        arr_ns[i] = now + round((offsets[i] - base) * NS_PER_S)
                    known = total

    records = [
        RequestRecord(point_index=0, request_index=i, sent_ns=sent[i], end_ns=end[i],
                      warmup=i < warm, first_chunk_ns=first[i],
                      chunk_ns=chunk_ns[i] if record else [],
                      chunk_tokens=chunk_tok[i] if record else [],
                      input_tokens=inp[i], output_tokens=out[i], expected_input_tokens=inp[i],
                      max_output_tokens=out[i], finish_reason="length")
        for i in range(total)
    ]
    return SimResult(records=records, steps=s, sim_duration_ns=now,
                     mean_batch=batch_sum / s if s else 0.0, max_kv_tokens=max_ctx,
                     max_kv_reserved_tokens=max_res, tokens_per_decode_step=e_tok)
