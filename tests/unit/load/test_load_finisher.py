"""Responses decoded off the loop arrive complete, in both decoder modes."""

from __future__ import annotations

import json
import threading

import pytest

from tokenfab.load.finisher import Finisher
from tokenfab.load.wire import StreamProtocol
from tokenfab.schemas.records import RequestRecord


def _resp(text: str) -> StreamProtocol:
    proto = StreamProtocol()
    ev = json.dumps({"choices": [{"delta": {"content": text}}]}).encode()
    usage = json.dumps({"choices": [], "usage": {"prompt_tokens": 3,
                                                 "completion_tokens": 1}}).encode()
    body = b"data: " + ev + b"\n\n" + b"data: " + usage + b"\n\ndata: [DONE]\n\n"
    proto.data_received(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return proto


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_finisher_decodes_every_record(mode: str) -> None:
    got: list[RequestRecord] = []
    lock = threading.Lock()

    def done(rec: RequestRecord) -> None:
        with lock:
            got.append(rec)

    fin = Finisher(done, mode=mode)  # type: ignore[arg-type]
    for i in range(20):
        rec = RequestRecord(point_index=0, request_index=i, sent_ns=0, end_ns=1)
        fin.submit(rec, _resp(f"t{i}").resp)
    fin.submit(RequestRecord(point_index=0, request_index=99, sent_ns=0, end_ns=0, ok=False,
                             error_class="connect"), None)
    fin.drain(timeout_s=30)
    fin.close()
    assert len(got) == 21
    by_idx = {r.request_index: r for r in got}
    assert by_idx[7].ok and by_idx[7].output_text == "t7" and by_idx[7].output_tokens == 1
    assert not by_idx[99].ok and by_idx[99].error_class == "connect"
