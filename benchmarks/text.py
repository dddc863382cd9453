"""How fast the text featurizer runs: ``cogsim.text.featurize`` on one core.

Featurizes the default text items replicated to about ``--n`` responses (84 responses of
20-243 words, 78 on average), and the default items' ``thorough`` responses (about 205
words each) replicated to the same number, taking the median of ``--repeats`` timings of
each.  Last line: a JSON object with ``responses_per_s`` (all default texts), ``n``,
``mean_words``, and the same for the long responses (``..._long``).

    python benchmarks/text.py            # 20,000 responses, 3 repeats
    python benchmarks/text.py --quick    # 2,000 responses, 1 repeat: a few seconds
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from cogsim.text import default_text_items, featurize


def replicate(items, n: int) -> tuple[list[str], list[str]]:
    copies = max(1, round(n / len(items)))
    return list(items["prompt"]) * copies, list(items["text"]) * copies


def rate(prompts: list[str], texts: list[str], repeats: int) -> float:
    """Median responses per second over ``repeats`` timed runs of featurize."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        featurize(prompts, texts)
        seconds.append(time.perf_counter() - start)
    return len(texts) / statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="responses per timing")
    parser.add_argument("--repeats", type=int, default=3, help="timings of each set")
    parser.add_argument("--quick", action="store_true", help="2,000 responses, 1 repeat")
    args = parser.parse_args()
    n, repeats = (2_000, 1) if args.quick else (args.n, args.repeats)

    items = default_text_items(with_style=True)
    long = items[items["style"] == "thorough"]
    result = {}
    for label, subset, suffix in (("all default texts", items, ""),
                                  ("thorough responses", long, "_long")):
        prompts, texts = replicate(subset, n)
        words = statistics.fmean(len(t.split()) for t in subset["text"])
        per_s = rate(prompts, texts, repeats)
        print(f"{label}: {len(texts):,} responses, {words:.0f} words on average: "
              f"{per_s:,.0f} responses/s")
        result.update({f"responses_per_s{suffix}": round(per_s, 1), f"n{suffix}": len(texts),
                       f"mean_words{suffix}": round(words, 1)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
