"""Check the target before loading it: reachable, OpenAI-compatible, serving the model.

Every failure is a ``TargetError`` whose one line names the problem and the fix.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

import httpx

from tokenfab.errors import TargetError
from tokenfab.load.client import execute, make_payload, make_spec
from tokenfab.load.wire import ConnectionPool, Endpoint
from tokenfab.schemas.config import BenchConfig


@dataclass
class TargetInfo:
    url: str
    models: list[str] = field(default_factory=list)
    has_tokenize: bool = False
    warnings: list[str] = field(default_factory=list)


async def probe_target(cfg: BenchConfig, endpoint: Endpoint,
                       client: httpx.AsyncClient) -> TargetInfo:
    base = f"{'https' if endpoint.tls else 'http'}://{endpoint.host_header}{endpoint.base_path}"
    info = TargetInfo(url=base)
    await _check_tls(cfg.url, endpoint)
    headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
    try:
        resp = await client.get(f"{base}/v1/models", headers=headers, timeout=10.0)
    except httpx.ConnectError as exc:
        raise TargetError(f"cannot connect to {cfg.url} ({_reason(exc)}); is the server "
                          "running? check --url") from None
    except httpx.TimeoutException:
        raise TargetError(f"{cfg.url} did not answer GET /v1/models within 10 s; check --url "
                          "and that the server is not overloaded") from None
    except httpx.HTTPError as exc:
        raise TargetError(f"request to {cfg.url} failed ({_reason(exc)}); check --url") from None
    if resp.status_code in (401, 403):
        raise TargetError(f"{cfg.url} refused the request (HTTP {resp.status_code}); pass "
                          "--api-key")
    if resp.status_code == 200:
        try:
            data = resp.json()
            info.models = [str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict)]
        except (ValueError, AttributeError):
            raise TargetError(f"{cfg.url}/v1/models did not return OpenAI-style JSON; is this "
                              "an OpenAI-compatible server? check --url") from None
        if info.models and cfg.model not in info.models:
            shown = ", ".join(info.models[:8])
            raise TargetError(f"model {cfg.model!r} is not served at {cfg.url}; available: "
                              f"{shown}; pass one of them with --model")
    else:
        info.warnings.append(f"GET /v1/models answered HTTP {resp.status_code}; "
                             "cannot check the model name")
    try:
        tok = await client.post(f"{base}/tokenize", json={"content": "hello world"},
                                headers=headers, timeout=10.0)
        ids = tok.json().get("tokens") if tok.status_code == 200 else None
        if isinstance(ids, list) and ids:
            detok = await client.post(f"{base}/detokenize", json={"tokens": ids},
                                      headers=headers, timeout=10.0)
            info.has_tokenize = (detok.status_code == 200 and
                                 isinstance(detok.json().get("content"), str))
    except (httpx.HTTPError, ValueError, AttributeError):
        info.has_tokenize = False
    warning = await _probe_stream(cfg, endpoint)
    if warning:
        info.warnings.append(warning)
    return info


async def _probe_stream(cfg: BenchConfig, endpoint: Endpoint) -> str | None:
    """One tiny streaming request: proves the SSE format and that the request shape is accepted."""
    path, body = make_payload(api=cfg.api, model=cfg.model, text="Say hello.", max_tokens=4,
                              ignore_eos=cfg.ignore_eos)
    pool = ConnectionPool(endpoint)
    try:
        rec = await execute(pool, make_spec(endpoint, path, body, cfg.api_key, None, 4),
                            point_index=-1, request_index=0, warmup=True,
                            timeout_s=min(cfg.timeout_s, 60.0))
    finally:
        pool.close()
    if rec.ok:
        return None
    where = f"POST {path} at {cfg.url}"
    if rec.error_class == "http" and rec.http_status in (404, 405, 501):
        other = "completions" if cfg.api == "chat" else "chat"
        raise TargetError(f"{where} returned HTTP {rec.http_status}; this does not look like an "
                          f"OpenAI-compatible server (check --url, or try --api {other})")
    if rec.error_class == "http" and rec.http_status in (400, 422):
        hint = (" (it may reject ignore_eos/min_tokens: try --no-ignore-eos)"
                if cfg.ignore_eos else "")
        raise TargetError(f"{where} rejected the request: {rec.error_detail}{hint}")
    if rec.error_class == "http" and rec.http_status in (401, 403):
        raise TargetError(f"{where} refused the request (HTTP {rec.http_status}); pass --api-key")
    if rec.error_class in ("malformed_stream", "empty"):
        raise TargetError(f"{where} did not stream OpenAI-style server-sent events "
                          f"({rec.error_detail}); is this an OpenAI-compatible server?")
    if rec.error_class == "connect":
        raise TargetError(f"cannot connect to {cfg.url} ({rec.error_detail}); check --url")
    # transient faults (timeouts, 5xx, disconnects) are left for the run to count
    return (f"probe request failed ({rec.error_key}: {rec.error_detail}); "
            "continuing, failures will be counted per class")


TLS_CHECK_TIMEOUT_S = 5.0


async def _check_tls(url: str, endpoint: Endpoint) -> None:
    """An https:// URL whose server speaks plain HTTP is named as such (a TLS client hello sent
    to an HTTP server usually just hangs, which would read as "did not answer")."""
    if not endpoint.tls:
        return
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(endpoint.host, endpoint.port,
                                    ssl=ssl.create_default_context(),
                                    server_hostname=endpoint.host),
            TLS_CHECK_TIMEOUT_S)
    except ssl.SSLCertVerificationError:
        return  # it is TLS; the probe reports the certificate problem
    except (OSError, TimeoutError):  # ssl.SSLError is an OSError
        if await _speaks_plain_http(endpoint):
            plain = "http://" + url.split("://", 1)[1]
            raise TargetError(f"{url} is not a TLS (https) server: it answers plain HTTP; "
                              f"use --url {plain}") from None
        return  # something else: the probe reports it
    writer.close()


async def _speaks_plain_http(endpoint: Endpoint) -> bool:
    """True when ``endpoint`` answers a plain-text HTTP request with an HTTP status line."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(endpoint.host, endpoint.port), TLS_CHECK_TIMEOUT_S)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(f"GET /health HTTP/1.1\r\nHost: {endpoint.host_header}\r\n"
                     "Connection: close\r\n\r\n".encode("latin-1"))
        head = await asyncio.wait_for(reader.read(5), TLS_CHECK_TIMEOUT_S)
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
    return head == b"HTTP/"


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:120] if text else type(exc).__name__


__all__ = ["TargetInfo", "probe_target"]
