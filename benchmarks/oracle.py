"""The on-demand oracle against today's only other way (one ``generate`` per query).

All in one process, on the default population (60 annotators: 45 IBL, 15 Bradley-Terry;
3 annotators per pair; the oracle's default memory: optimized learning, at most 150
instances per annotator) judging the default item set (84 texts, 38 text features):

1. throughput at batch 256 pairs (768 judgments per call), annotators not learning (the
   default spec has no experience or feedback), and the same with every judgment learned
   (``experience_rate = 1``);
2. latency of one pair (3 judgments) per call: p50 and p99 over many calls, asked as an
   on-demand caller asks (``judge([(item_a, item_b)])``) and, beside it, as a one-row
   pandas table (alternating runs of 100 calls, each form on its own oracle), against the
   latency of a one-pair ``generate`` (the only way before the oracle) -> ratio;
3. cost growth: every annotator learns from each of 1,000 judgments (60,000 judgments);
   the ratio of the last tenth's time to the first tenth's, with the oracle's memory and,
   beside it, with exact base-level learning and no bound (``--quick`` runs 300 each);
4. streaming distinct items: pairs of never-seen items (given as attribute tables)
   through ``judge`` in batches of 256 pairs, 1,000,000 items (``--quick``: 100,000):
   peak resident memory, and the throughput against the same stream over 50 items (pairs
   of a fixed set of 50 items, given as attribute tables in the same batches, the two
   streams running in alternating runs of 100 calls so that both meet the same load of
   the machine): the cost of the number of distinct items, all else equal.

The last line is a JSON object (batch256_judgments_per_s, batch1_p50_ms, batch1_p99_ms,
batch1_table_p99_ms,
learning_cost_ratio, items_1m_peak_mb, ratio_vs_generate, ...).

    python benchmarks/oracle.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim import Oracle
from cogsim.generate import generate
from cogsim.spec import parse_spec
from cogsim.tasks import random_pairs

DEFAULT = Path(__file__).resolve().parents[1] / "populations" / "default.toml"


def spec(**extra):
    data = tomllib.loads(DEFAULT.read_text())
    if "items" in data:                       # a path relative to the spec's folder
        data["items"] = str(DEFAULT.parent / data["items"])
    return parse_spec({**data, **extra})


def reference_items() -> pd.DataFrame:
    """The default population's item set (texts with their features)."""
    return Oracle(spec()).population.items


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def throughput(oracle: Oracle, pairs: pd.DataFrame, batch: int, seconds: float) -> float:
    """Judgments per second over batches of ``batch`` pairs, for about ``seconds``."""
    done, start, i = 0, time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        chunk = pairs.iloc[(i * batch) % len(pairs):][:batch]
        done += len(oracle.judge(chunk))
        i += 1
    return done / (time.perf_counter() - start)


def latencies(pairs: pd.DataFrame, n: int, block: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds per call of one pair, asked as the on-demand call does
    (``judge([(item_a, item_b)])``) and as a one-row table, each on its own oracle, in
    alternating runs of ``block`` calls (both meet the same load of the machine)."""
    listed, tabled = Oracle(spec()), Oracle(spec())
    rows = list(pairs[["item_a", "item_b"]].itertuples(index=False, name=None))
    out = np.empty((2, n))
    for first in range(0, n, block):
        for k, oracle in enumerate((listed, tabled)):
            for i in range(first, min(first + block, n)):
                query = ([rows[i % len(rows)]] if k == 0
                         else pairs.iloc[i % len(pairs):i % len(pairs) + 1])
                t = time.perf_counter()
                oracle.judge(query)
                out[k, i] = time.perf_counter() - t
    return out[0] * 1000, out[1] * 1000


def generate_latency(items: pd.DataFrame, n: int) -> np.ndarray:
    out = np.empty(n)
    base = spec()
    for i in range(n):
        t = time.perf_counter()
        generate(base, items, n_pairs=1, seed=i)
        out[i] = time.perf_counter() - t
    return out * 1000


def learning_session(items: pd.DataFrame, memory: dict | None,
                     per_annotator: int) -> tuple[float, list[float]]:
    """Every annotator learns from each judgment; returns the last/first tenth time ratio
    and the time per tenth."""
    extra = {"experience_rate": 1.0}
    if memory is not None:
        extra["memory"] = memory
    oracle = Oracle(spec(**extra))
    n = oracle.n_annotators
    pairs = random_pairs(items, per_annotator * n // 3, np.random.default_rng(0))
    pairs = pairs[["item_a", "item_b"]]
    tenth = len(pairs) // 10
    times = []
    for part in range(10):
        t = time.perf_counter()
        for start in range(part * tenth, (part + 1) * tenth, 256):
            oracle.judge(pairs.iloc[start:min(start + 256, (part + 1) * tenth)])
        times.append(time.perf_counter() - t)
    return times[-1] / times[0], times


def _attribute_batch(values: np.ndarray, ids: list[str], attrs: list[str]
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A batch of pairs (first half of ``ids`` against the second) and its items table."""
    items = pd.DataFrame(values, columns=attrs)
    items.insert(0, "item_id", ids)
    m = len(ids) // 2
    return pd.DataFrame({"item_a": ids[:m], "item_b": ids[m:]}), items


def streamed_items(base: pd.DataFrame, n_items: int, pool: int = 50, batch: int = 256,
                   chunk: int = 100) -> tuple[float, float, float]:
    """Judgments per second over batches of pairs whose items come as attribute tables:
    ``n_items`` distinct new items (two per pair), and the same number of pairs drawn from
    a fixed set of ``pool`` items (the same queries, the same work per query but for the
    number of distinct items).  The two run in alternating runs of ``chunk`` calls, so
    that both meet the same load of the machine.  Returns both rates and the peak RSS
    (MB)."""
    stream, small = Oracle(spec()), Oracle(spec())
    attrs = stream.population.attributes
    rng = np.random.default_rng(1)
    center, sd = base[attrs].mean().to_numpy(), base[attrs].std().to_numpy()
    pool_values = rng.normal(center, sd, (pool, len(attrs))).round(4)

    def new_batch(start: int, m: int):
        return _attribute_batch(rng.normal(center, sd, (2 * m, len(attrs))).round(4),
                                [f"s{start * 2 + i}" for i in range(2 * m)], attrs)

    def known_batch(start: int, m: int):
        a = rng.integers(0, pool, m)
        rows = np.concatenate([a, (a + rng.integers(1, pool, m)) % pool])
        return _attribute_batch(pool_values[rows], [f"pool{r}" for r in rows], attrs)

    done, elapsed = np.zeros(2), np.zeros(2)
    starts = range(0, n_items // 2, batch)
    for first in range(0, len(starts), chunk):
        for k, (oracle, make) in enumerate(((stream, new_batch), (small, known_batch))):
            for start in starts[first:first + chunk]:
                pairs, items = make(start, min(batch, n_items // 2 - start))
                t = time.perf_counter()
                done[k] += len(oracle.judge(pairs, items=items))
                elapsed[k] += time.perf_counter() - t
    rates = done / elapsed
    return float(rates[0]), float(rates[1]), peak_rss_mb()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (under a minute)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    quick = args.quick
    items = reference_items()
    pairs = random_pairs(items, 4096, np.random.default_rng(0))[["item_a", "item_b"]]

    n_items = 100_000 if quick else 1_000_000
    rate_1m, small_rate, peak = streamed_items(items, n_items)
    print(f"{n_items:,} distinct items streamed in batches of 256 pairs (items as "
          f"attribute tables): {rate_1m:,.0f} judgments/s (the same stream over 50 "
          f"items: {small_rate:,.0f}/s, ratio {small_rate / rate_1m:.2f}); peak RSS "
          f"{peak:,.0f} MB")

    oracle = Oracle(spec())
    rate = throughput(oracle, pairs, 256, 2.0 if quick else 5.0)
    learner = Oracle(spec(experience_rate=1.0))
    learning_rate = throughput(learner, pairs, 256, 2.0 if quick else 5.0)
    print(f"batch 256 pairs: {rate:,.0f} judgments/s not learning, {learning_rate:,.0f}/s "
          f"learning from every judgment")

    lat, table_lat = latencies(pairs, 500 if quick else 3000)
    gen = generate_latency(items, 10 if quick else 30)
    p50, p99 = np.percentile(lat, [50, 99])
    table_p50, table_p99 = np.percentile(table_lat, [50, 99])
    print(f"batch 1 pair, judge([(a, b)]): p50 {p50:.2f} ms, p99 {p99:.2f} ms (as a one-row "
          f"table: p50 {table_p50:.2f} ms, p99 {table_p99:.2f} ms); one generate per query: "
          f"p50 {np.median(gen):.0f} ms -> {np.median(gen) / p50:,.0f}x")

    per = 300 if quick else 1000
    ratio, times = learning_session(items, None, per)
    exact_ratio, exact_times = learning_session(
        items, {"optimized_learning": False}, per)
    print(f"{per} learning judgments per annotator: last/first tenth {ratio:.2f}x with the "
          f"oracle's memory ({sum(times):.1f} s), {exact_ratio:.2f}x with exact learning and "
          f"no bound ({sum(exact_times):.1f} s)")
    out = {"batch256_judgments_per_s": round(rate),
           "batch256_learning_judgments_per_s": round(learning_rate),
           "batch1_p50_ms": round(float(p50), 3), "batch1_p99_ms": round(float(p99), 3),
           "batch1_table_p50_ms": round(float(table_p50), 3),
           "batch1_table_p99_ms": round(float(table_p99), 3),
           "generate_per_query_ms": round(float(np.median(gen)), 1),
           "ratio_vs_generate": round(float(np.median(gen) / p50), 1),
           "learning_cost_ratio": round(ratio, 3), "learning_judgments_per_annotator": per,
           "exact_learning_cost_ratio": round(exact_ratio, 3),
           "items_streamed": n_items, "items_1m_peak_mb": round(peak),
           "items_stream_judgments_per_s": round(rate_1m),
           "items_50_judgments_per_s": round(small_rate),
           "items_throughput_ratio": round(small_rate / rate_1m, 3), "quick": quick}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
