#!/usr/bin/env python3
"""What a dataset's splits give away without a model: the popularity ranking and linked pairs.

Usage: popularity_baseline.py DATASET_DIR [--split valid|test|both] [--held-out]

For each evaluation triple (h, r, t) both queries are ranked as the engine ranks them (the
answer among all entities, the split's other known answers filtered out, ties counted as
half above): (h, r, ?) by how often each entity is the tail of r in train, (?, r, t) by how
often each is its head. The MRR and Hits@1/10 of that ranking are the floor a trained model
should clear. Also printed: the median number of training triples an evaluation triple's
tail occurs in (rare answers leave no popular one to learn first), and the share of
evaluation triples whose two entities are linked in train by another relation (h r' t) or
the other way round (t r' h), which a model can learn; with --held-out only triples that
are not training triples themselves count.

Reads the layouts momok reads for triples: names (train.txt …, "h r t" per line) or OpenKE
ids (train2id.txt …, a count line, then "h t r"). Needs numpy only.
"""
import argparse
import os
import sys
from collections import Counter, defaultdict

import numpy as np


def read_split(folder, split):
    named = os.path.join(folder, f"{split}.txt")
    if os.path.exists(named):
        with open(named, encoding="utf-8") as f:
            return [tuple(line.split()[:3]) for line in f if line.strip()]
    ids = os.path.join(folder, f"{split}2id.txt")
    if not os.path.exists(ids):
        sys.exit(f"popularity_baseline.py: {folder} has neither {split}.txt nor {split}2id.txt")
    with open(ids, encoding="utf-8") as f:
        lines = [line.split() for line in f.readlines()[1:] if line.strip()]
    return [(h, r, t) for h, t, r in lines]


def rank_metrics(queries, counts, entities):
    """queries: (relation key, answer, the query's known answers); counts[key]: Counter of answers in train."""
    index = {e: i for i, e in enumerate(entities)}
    reciprocal, hits1, hits10 = [], 0, 0
    for key, answer, known in queries:
        scores = np.zeros(len(entities))
        for e, c in counts[key].items():
            scores[index[e]] = c
        target = scores[index[answer]]
        others = [index[e] for e in known if e != answer]
        scores[others] = -1.0  # filtered: other known answers rank below everything
        above = np.count_nonzero(scores > target)
        ties = np.count_nonzero(scores == target) - 1
        rank = 1 + above + ties / 2.0
        reciprocal.append(1.0 / rank)
        hits1 += rank <= 1
        hits10 += rank <= 10
    n = max(1, len(queries))
    return 100 * float(np.mean(reciprocal)) if reciprocal else 0.0, 100 * hits1 / n, 100 * hits10 / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--split", choices=("valid", "test", "both"), default="both")
    parser.add_argument("--held-out", action="store_true", help="leave out evaluation triples that are training triples")
    opts = parser.parse_args()

    train = read_split(opts.dataset, "train")
    splits = {s: read_split(opts.dataset, s) for s in ("valid", "test")}
    training = set(train)
    entities = sorted({e for triples in [train, *splits.values()] for h, _, t in triples for e in (h, t)})
    counts, known = defaultdict(Counter), defaultdict(set)
    for h, r, t in train:
        counts[(r, "tail")][t] += 1
        counts[(r, "head")][h] += 1
    for triples in [train, *splits.values()]:
        for h, r, t in triples:
            known[(r, "tail", h)].add(t)
            known[(r, "head", t)].add(h)
    linked = {(h, t) for h, _, t in train}
    degree = Counter(e for h, _, t in train for e in (h, t))

    print(f"{opts.dataset}: {len(entities)} entities, {len(train)} training triples")
    print("split   triples  popularity MRR   H@1    H@10   tail degree  linked h→t  linked t→h")
    for split in (("valid", "test") if opts.split == "both" else (opts.split,)):
        triples = sorted(set(splits[split]))
        if opts.held_out:
            triples = [x for x in triples if x not in training]
        queries = [((r, "tail"), t, known[(r, "tail", h)]) for h, r, t in triples]
        queries += [((r, "head"), h, known[(r, "head", t)]) for h, r, t in triples]
        mrr, h1, h10 = rank_metrics(queries, counts, entities)
        n = max(1, len(triples))
        forward = sum((h, t) in linked for h, _, t in triples) / n
        backward = sum((t, h) in linked for h, _, t in triples) / n
        tail_degree = float(np.median([degree[t] for _, _, t in triples])) if triples else 0.0
        print(f"{split:<7} {len(triples):>7}  {mrr:>14.2f} {h1:>6.2f} {h10:>7.2f}   {tail_degree:>11.1f}"
              f"   {100 * forward:>8.1f} % {100 * backward:>8.1f} %")


if __name__ == "__main__":
    main()
