"""No request can stall the others: while `switchboard serve` parses a 6 MB body of one object
with 400,000 keys, small requests on new connections are answered in under 100 ms. Run here,
in the sequential end-to-end phase, because the bound means nothing while every Swift suite
runs at once on the same two cores."""

from __future__ import annotations

import http.client
import threading
import time

from conftest import Switchboard


def post(port: int, path: str, body: bytes) -> tuple[int, float]:
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", path, body=body, headers={"content-type": "application/json", "connection": "close"})
    status = connection.getresponse().status
    connection.close()
    return status, time.monotonic() - start


def test_a_huge_wide_body_does_not_stall_small_requests(upstream):
    proxy = Switchboard(upstream, ["m"], {"default": "scripted,m"})
    try:
        port = int(proxy.url.rsplit(":", 1)[1])
        keys = ",".join(f'"key_{i}":{i}' for i in range(400_000))
        big = ('{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}],'
               + keys + "}").encode()
        assert len(big) > 6_000_000
        small = b'{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}'
        # Warm up, so the first small request does not pay for anything the big one does not.
        assert post(port, "/v1/messages/count_tokens", small)[0] == 200
        result = {}
        thread = threading.Thread(target=lambda: result.update(big=post(port, "/v1/messages/count_tokens", big)))
        thread.start()
        time.sleep(0.3)
        latencies = []
        while thread.is_alive() and len(latencies) < 20:
            status, seconds = post(port, "/v1/messages/count_tokens", small)
            assert status == 200
            latencies.append(seconds)
        thread.join()
        assert result["big"][0] == 200
        print(f"big body: {result['big'][1]:.2f} s; small requests during it: {len(latencies)}, "
              f"slowest {max(latencies) * 1000:.1f} ms")
        assert max(latencies) < 0.1, f"a small request waited {max(latencies) * 1000:.0f} ms"
        assert len(latencies) >= 4, "the big body was answered too fast to test anything"
    finally:
        proxy.stop()
