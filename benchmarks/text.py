"""How fast texts are judged: the text featurizer (``cogsim.text.featurize``, one core), and
the TRL reward function on a GRPO batch.

Featurizes the default text items replicated to about ``--n`` responses (84 responses of
20-243 words, 78 on average), and the default items' ``thorough`` responses (about 205
words each) replicated to the same number, taking the median of ``--repeats`` timings of
each.  Then the latency of ``cogsim.trl.PreferenceReward`` (the default population,
k = 3 annotators per pair) on a GRPO batch of 8 prompts x 8 completions (the default texts:
their 4-5 responses per prompt and the other prompts' responses to fill 8), called as
GRPOTrainer calls it, with fresh completions each call (the texts with " (draft k)"
appended, so every call featurizes 64 new texts): the median of ``--calls`` calls after one
warm-up (each call judges 8 x 28 pairs x 3 = 672 judgments).  Last line:
a JSON object with ``responses_per_s`` (all default texts), ``n``, ``mean_words``, the same
for the long responses (``..._long``), and ``reward_ms_8x8`` (target: under 50 ms).

    python benchmarks/text.py            # 20,000 responses, 3 repeats
    python benchmarks/text.py --quick    # 2,000 responses, 1 repeat: a few seconds
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from cogsim.text import default_text_items, featurize

DEFAULT = Path(__file__).resolve().parents[1] / "populations" / "default.toml"


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
    result["reward_ms_8x8"] = round(reward_latency(items, 3 if args.quick else 20), 2)
    print(json.dumps(result))


def grpo_batch(items, n_prompts: int = 8, per_prompt: int = 8) -> tuple[list[str], list[str]]:
    """8 prompts x 8 completions from the default texts, as GRPO lays them out."""
    prompts, completions = [], []
    groups = list(items.groupby("prompt", sort=False))[:n_prompts]
    others = list(items["text"])
    for k, (prompt, group) in enumerate(groups):
        texts = list(group["text"])
        texts += others[k * per_prompt:(k + 1) * per_prompt][:per_prompt - len(texts)]
        prompts += [prompt] * per_prompt
        completions += texts[:per_prompt]
    return prompts, completions


def reward_latency(items, calls: int) -> float:
    """Median milliseconds of a PreferenceReward call on an 8 x 8 GRPO batch."""
    from cogsim.trl import PreferenceReward

    reward = PreferenceReward(DEFAULT, k=3)
    prompts, completions = grpo_batch(items)
    reward(prompts=prompts, completions=completions, completion_ids=None)        # warm-up
    seconds = []
    for step in range(calls):
        # Fresh completions every call, as a trainer samples them: each text is new to the
        # population and is featurized (known texts would skip that).
        fresh = [f"{text} (draft {step})" for text in completions]
        start = time.perf_counter()
        reward(prompts=prompts, completions=fresh, completion_ids=None,
               trainer_state={"global_step": step})
        seconds.append(time.perf_counter() - start)
    ms = 1000 * statistics.median(seconds)
    print(f"reward function, 8 prompts x 8 completions, k = 3: {ms:.1f} ms per call "
          f"(median of {calls})")
    return ms


if __name__ == "__main__":
    main()
