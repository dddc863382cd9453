"""cogsim serve: the oracle over HTTP against the same oracle in-process.

Server and clients on 127.0.0.1, the server a real ``cogsim serve`` child process
(uvicorn, one worker thread applying the requests one at a time), on the default population
(60 annotators, 3 per pair, the default texts):

1. throughput at batch 256 pairs (768 judgments per request) with 16 concurrent clients
   (threads, one keep-alive connection each), answers parsed by the clients; in the
   client helper's form (``orient: columns``) and as rows (``orient: records``);
2. latency of one pair (3 judgments) per request from one client: p50 and p99;
3. beside them, the same oracle in this process (``Oracle.judge``), and the ratios.

On a shared machine wall-clock rates move with the other load, so the throughput is also
given per CPU second of the server process (``/proc/<pid>/stat``) beside the in-process
oracle's per CPU second of this process: their ratio is the cost of the HTTP layer whatever
else runs.  The last line is a JSON object (batch256_judgments_per_s, batch1_p50_ms,
batch1_p99_ms, the in-process figures and the ratios).

    python benchmarks/serve.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import orjson

from cogsim import Oracle
from cogsim.serve.client import Server

DEFAULT = Path(__file__).resolve().parents[1] / "populations" / "default.toml"


def pairs_of(ids: np.ndarray, n: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(ids), n)
    b = (a + rng.integers(1, len(ids), n)) % len(ids)
    return list(zip(ids[a].tolist(), ids[b].tolist()))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process(ids: np.ndarray, seconds: float, n_latency: int) -> dict:
    oracle = Oracle(DEFAULT)
    pairs = pairs_of(ids, 256 * 64)
    done, i, start, cpu = 0, 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        done += len(oracle.judge(pairs[(i % 64) * 256:(i % 64 + 1) * 256]))
        i += 1
    rate = done / (time.perf_counter() - start)
    per_cpu = done / (time.process_time() - cpu)
    lat = np.empty(n_latency)
    for n in range(n_latency):
        t = time.perf_counter()
        oracle.judge(pairs[n:n + 1])
        lat[n] = time.perf_counter() - t
    return {"judgments_per_s": rate, "judgments_per_cpu_s": per_cpu,
            "p50_ms": 1e3 * np.percentile(lat, 50), "p99_ms": 1e3 * np.percentile(lat, 99)}


def http_throughput(url: str, ids: np.ndarray, clients: int, seconds: float,
                    orient: str, pid: int) -> tuple[float, float]:
    """Judgments per second over ``clients`` threads sending batches of 256 pairs, and per
    CPU second of the server (process ``pid``)."""
    bodies = [orjson.dumps({"pairs": [{"item_a": a, "item_b": b} for a, b in
                                      pairs_of(ids, 256, seed)], "orient": orient})
              for seed in range(16)]
    counts = [0] * clients
    start, cpu = time.perf_counter(), cpu_seconds(pid)
    stop = start + seconds

    def client(c: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            n = 0
            while time.perf_counter() < stop:
                r = http.post("/v1/judgments", content=bodies[(c + n) % len(bodies)],
                              headers={"content-type": "application/json"})
                r.raise_for_status()
                table = orjson.loads(r.content)["judgments"]
                counts[c] += len(table) if orient == "records" else len(table["chosen"])
                n += 1

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (sum(counts) / (time.perf_counter() - start),
            sum(counts) / (cpu_seconds(pid) - cpu))


def http_latency(url: str, ids: np.ndarray, n: int) -> np.ndarray:
    pairs = pairs_of(ids, n, 1)
    out = np.empty(n)
    with httpx.Client(base_url=url, timeout=60) as http:
        for i, (a, b) in enumerate(pairs):
            body = orjson.dumps({"pairs": [{"item_a": a, "item_b": b}]})
            t = time.perf_counter()
            r = http.post("/v1/judgments", content=body,
                          headers={"content-type": "application/json"})
            orjson.loads(r.content)
            out[i] = time.perf_counter() - t
            r.raise_for_status()
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (under a minute)")
    args = parser.parse_args(argv)
    quick = args.quick
    seconds = 4.0 if quick else 15.0
    n_latency = 500 if quick else 3000
    pop = Oracle(DEFAULT).population
    ids = np.asarray(pop.item_ids[:pop.n_reference], dtype=str)

    local = in_process(ids, seconds / 2, n_latency)
    print(f"in-process: {local['judgments_per_s']:,.0f} judgments/s at batch 256; batch 1 "
          f"p50 {local['p50_ms']:.2f} ms, p99 {local['p99_ms']:.2f} ms", flush=True)
    server = Server("--population", DEFAULT, "--save-every", "0")
    with server as url:
        pid = server.process.pid
        http_latency(url, ids, 50)                                 # warm up
        columns, columns_cpu = http_throughput(url, ids, 16, seconds, "columns", pid)
        records, _ = http_throughput(url, ids, 16, seconds / 2, "records", pid)
        lat = http_latency(url, ids, n_latency)
    p50, p99 = 1e3 * np.percentile(lat, 50), 1e3 * np.percentile(lat, 99)
    print(f"HTTP, 16 clients, batch 256: {columns:,.0f} judgments/s (orient columns), "
          f"{records:,.0f} (records); in-process {local['judgments_per_s']:,.0f} "
          f"-> {columns / local['judgments_per_s']:.2f} of it (target >= 20,000/s)")
    print(f"per CPU second: server {columns_cpu:,.0f} judgments, in-process "
          f"{local['judgments_per_cpu_s']:,.0f} -> the HTTP layer costs "
          f"{1 - columns_cpu / local['judgments_per_cpu_s']:.0%} of the server's CPU")
    print(f"HTTP, batch 1: p50 {p50:.2f} ms, p99 {p99:.2f} ms (target p99 <= 20 ms); "
          f"in-process p50 {local['p50_ms']:.2f} ms, p99 {local['p99_ms']:.2f} ms")
    out = {"batch256_judgments_per_s": round(columns), "batch256_records_judgments_per_s":
           round(records), "batch1_p50_ms": round(p50, 3), "batch1_p99_ms": round(p99, 3),
           "inprocess_batch256_judgments_per_s": round(local["judgments_per_s"]),
           "inprocess_batch1_p50_ms": round(local["p50_ms"], 3),
           "inprocess_batch1_p99_ms": round(local["p99_ms"], 3),
           "http_vs_inprocess_throughput": round(columns / local["judgments_per_s"], 3),
           "batch256_judgments_per_server_cpu_s": round(columns_cpu),
           "inprocess_judgments_per_cpu_s": round(local["judgments_per_cpu_s"]),
           "http_vs_inprocess_per_cpu": round(columns_cpu / local["judgments_per_cpu_s"], 3),
           "clients": 16, "quick": quick}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
