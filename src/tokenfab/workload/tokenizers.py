"""Tokenizers the prompt factory can count with: the server's own, or a word-count fallback."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import httpx

from tokenfab.errors import TargetError

DEFAULT_TOKENS_PER_WORD = 1.3


@runtime_checkable
class Tokenizer(Protocol):
    """Turns text into the model's token ids and back.

    ``detokenize(tokenize(text))`` should give back ``text`` (up to whitespace); any contiguous
    slice of ids must detokenize to some text.
    """

    async def tokenize(self, text: str) -> list[int]: ...

    async def detokenize(self, ids: Sequence[int]) -> str: ...


class WordTokenizer:
    """Fallback for servers without ``/tokenize``: one id per whitespace-separated word.

    Word counts are not token counts; ``tokens_per_word`` (default 1.3, typical of English
    under BPE vocabularies) converts: ``tokens ~= words * tokens_per_word``. The prompt
    factory uses it to pick how many words to send, so lengths are estimates; the server's
    usage report gives the true count. Ids are assigned per instance in first-seen order.
    """

    def __init__(self, tokens_per_word: float = DEFAULT_TOKENS_PER_WORD) -> None:
        if not math.isfinite(tokens_per_word) or tokens_per_word <= 0:
            raise ValueError(f"tokens_per_word must be positive (got {tokens_per_word:g})")
        self.tokens_per_word = tokens_per_word
        self._ids: dict[str, int] = {}
        self._words: list[str] = []

    def estimate_tokens(self, text: str) -> int:
        """Estimated tokens = round(words * tokens_per_word)."""
        return round(len(text.split()) * self.tokens_per_word)

    async def tokenize(self, text: str) -> list[int]:
        out: list[int] = []
        for word in text.split():
            word_id = self._ids.get(word)
            if word_id is None:
                word_id = len(self._words)
                self._ids[word] = word_id
                self._words.append(word)
            out.append(word_id)
        return out

    async def detokenize(self, ids: Sequence[int]) -> str:
        try:
            return " ".join(self._words[i] for i in ids)
        except IndexError:
            raise ValueError("id not produced by this WordTokenizer") from None


class HttpLlamaTokenizer:
    """The llama.cpp server's own tokenizer, over HTTP.

    ``POST {base_url}/tokenize {"content": text}`` -> ``{"tokens": [int, ...]}`` and
    ``POST {base_url}/detokenize {"tokens": [...]}`` -> ``{"content": text}``. The client is
    injected (tests pass one over ``httpx.MockTransport``); this class never closes it.
    """

    def __init__(self, base_url: str, client: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client

    async def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        url = f"{self.base_url}{endpoint}"
        fix = "use a llama.cpp server, or count words instead of tokens"
        try:
            response = await self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            reason = " ".join(str(exc).split())  # one line
            raise TargetError(f"POST {url} failed ({type(exc).__name__}: {reason}); {fix}"
                              ) from None
        if response.status_code != 200:
            raise TargetError(f"POST {url} returned HTTP {response.status_code}; {fix}")
        try:
            return response.json()
        except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested too deeply
            raise TargetError(f"POST {url} did not return JSON; {fix}") from None

    async def tokenize(self, text: str) -> list[int]:
        data = await self._post("/tokenize", {"content": text})
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, list) or not all(
            isinstance(t, int) and not isinstance(t, bool) for t in tokens
        ):
            raise TargetError(
                f"POST {self.base_url}/tokenize did not return {{'tokens': [int, ...]}}; "
                "use a llama.cpp server, or count words instead of tokens"
            )
        return tokens

    async def detokenize(self, ids: Sequence[int]) -> str:
        data = await self._post("/detokenize", {"tokens": [int(i) for i in ids]})
        content = data.get("content") if isinstance(data, dict) else None
        if not isinstance(content, str):
            raise TargetError(
                f"POST {self.base_url}/detokenize did not return {{'content': str}}; "
                "use a llama.cpp server, or count words instead of tokens"
            )
        return content
