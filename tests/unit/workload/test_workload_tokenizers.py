"""Tokenizers: the llama.cpp HTTP one (over MockTransport) and the word-count fallback."""

from __future__ import annotations

import json

import httpx
import pytest

from tokenfab.errors import TargetError
from tokenfab.workload import HttpLlamaTokenizer, Tokenizer, WordTokenizer


def llama_handler(seen: list[tuple[str, object]]) -> httpx.MockTransport:
    vocab = {"hello": 1, "world": 2}
    words = {v: k for k, v in vocab.items()}

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.path, body))
        if request.method != "POST":
            return httpx.Response(405)
        if request.url.path == "/tokenize":
            return httpx.Response(200, json={"tokens": [vocab[w] for w in body["content"].split()]})
        if request.url.path == "/detokenize":
            return httpx.Response(200, json={"content": " ".join(words[t] for t in body["tokens"])})
        return httpx.Response(404)

    return httpx.MockTransport(handle)


async def test_http_llama_tokenizer_round_trip() -> None:
    seen: list[tuple[str, object]] = []
    async with httpx.AsyncClient(transport=llama_handler(seen)) as client:
        tokenizer = HttpLlamaTokenizer("http://llama:8080/", client)
        assert isinstance(tokenizer, Tokenizer)
        assert await tokenizer.tokenize("hello world hello") == [1, 2, 1]
        assert await tokenizer.detokenize([2, 1]) == "world hello"
    assert seen == [
        ("/tokenize", {"content": "hello world hello"}),
        ("/detokenize", {"tokens": [2, 1]}),
    ]


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (httpx.Response(404), "HTTP 404"),
        (httpx.Response(500, json={"error": "boom"}), "HTTP 500"),
        (httpx.Response(200, text="not json"), "did not return JSON"),
        (httpx.Response(200, json={"tokens": ["a"]}), "did not return {'tokens'"),
        (httpx.Response(200, json=[1, 2]), "did not return {'tokens'"),
        (httpx.Response(200, text="[" * 5000), "did not return JSON"),  # nested too deeply
        (httpx.Response(200, content=b"\xff\xfe{"), "did not return JSON"),
    ],
)
async def test_http_llama_tokenizer_bad_replies_are_target_errors(
    response: httpx.Response, fragment: str
) -> None:
    transport = httpx.MockTransport(lambda request: response)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(TargetError) as info:
            await HttpLlamaTokenizer("http://llama:8080", client).tokenize("x")
    assert fragment in str(info.value)
    assert "http://llama:8080/tokenize" in str(info.value)


async def test_http_llama_detokenize_bad_reply_is_a_target_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"text": "x"}))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(TargetError, match="detokenize"):
            await HttpLlamaTokenizer("http://llama:8080", client).detokenize([1])


async def test_http_llama_unreachable_is_a_target_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(TargetError, match="ConnectError"):
            await HttpLlamaTokenizer("http://llama:8080", client).tokenize("x")


async def test_word_tokenizer_round_trips_words() -> None:
    tokenizer = WordTokenizer()
    ids = await tokenizer.tokenize("the cat  saw\nthe dog")
    assert ids == [0, 1, 2, 0, 3]
    assert await tokenizer.detokenize(ids) == "the cat saw the dog"
    assert await tokenizer.detokenize([3, 1]) == "dog cat"
    with pytest.raises(ValueError):
        await tokenizer.detokenize([99])


@pytest.mark.parametrize(
    ("text", "ratio", "tokens"),
    [
        ("a b c", 1.3, 4),  # 3 * 1.3 = 3.9
        (" ".join(["w"] * 10), 1.3, 13),
        ("", 1.3, 0),
        ("a b c d", 1.5, 6),
    ],
)
def test_word_tokenizer_estimates_tokens(text: str, ratio: float, tokens: int) -> None:
    assert WordTokenizer(ratio).estimate_tokens(text) == tokens


@pytest.mark.parametrize("ratio", [0.0, -1.0, float("nan")])
def test_word_tokenizer_rejects_bad_ratio(ratio: float) -> None:
    with pytest.raises(ValueError):
        WordTokenizer(ratio)
