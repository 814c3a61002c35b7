"""A minimal raw-socket streaming client: the floor of what any client can do on this machine.

Non-blocking sockets and one ``selectors`` loop; each recv is stamped with perf_counter_ns and
scanned only for SSE event ends that carry content. No JSON parsing, no records: it shows what is
physically left after the kernel and the server, for comparison with tokenfab's full client.
Runs in a child process so its CPU time is its own.
"""

from __future__ import annotations

import json
import selectors
import socket
import sys
import time


def run(host: str, port: int, payloads: list[bytes], concurrency: int) -> dict[str, object]:
    sel = selectors.DefaultSelector()
    pending = list(reversed(payloads))
    results: list[tuple[int, int, int, int]] = []  # sent, first, last, n_content
    active = 0

    def start() -> None:
        nonlocal active
        body = pending.pop()
        s = socket.create_connection((host, port))
        s.setblocking(False)
        t = time.perf_counter_ns()
        s.sendall(body)
        sel.register(s, selectors.EVENT_READ, [t, 0, 0, 0, b""])
        active += 1

    cpu0 = time.process_time()
    for _ in range(min(concurrency, len(pending))):
        start()
    while active:
        for key, _ in sel.select():
            s = key.fileobj
            st = key.data
            data = s.recv(65536)  # type: ignore[union-attr]
            now = time.perf_counter_ns()
            if data:
                tail = st[4] + data
                n = tail.count(b'"content":"')
                if n:
                    if st[1] == 0:
                        st[1] = now
                    st[2] = now
                    st[3] += n
                st[4] = tail[-16:]
                if b"0\r\n\r\n" not in tail[-7:] + b"":
                    continue
            sel.unregister(s)
            s.close()  # type: ignore[union-attr]
            results.append((st[0], st[1], st[2], st[3]))
            active -= 1
            if pending:
                start()
    cpu = time.process_time() - cpu0
    return {"results": results, "cpu_s": cpu}


if __name__ == "__main__":
    cfg = json.loads(sys.stdin.read())
    out = run(cfg["host"], cfg["port"], [p.encode("latin-1") for p in cfg["payloads"]],
              cfg["concurrency"])
    sys.stdout.write(json.dumps(out))
