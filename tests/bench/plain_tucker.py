#!/usr/bin/env python3
"""A plain TuckER (Balazevic et al., 2019), written apart from the engine, to check its curves.

Usage: plain_tucker.py DATASET_DIR [options]

1-to-N training with reciprocal relations, batch norm and dropout as in TuckER, BCE with
label smoothing y = (1 - ls)·y + 1/|E|, Adam with exponential decay; validation MRR every
few epochs (filtered, ties counted as half above), the test split once at the end. No
experts, gates, fusion or ExID: what it shows about a dataset (a slow start, a plateau) is
TuckER's, not the engine's. Options mirror momok's names where they exist:

  --dim 64 --relation-dim 32 --learning-rate 1e-2 --lr-decay 0.995 --batch-size 128
  --dropouts 0.2,0.2,0.2 (input, hidden, output) --label-smoothing 0.1 --epochs 30
  --eval-every 5 --core-init xavier|tucker (the authors' Xavier bound, or TuckER's U(-1, 1))
  --seed 1 --threads 1

Reads the same layouts as popularity_baseline.py. Needs Debian's python3-torch and
python3-numpy; it is not part of the build or the tests.
"""
import argparse
import os
import sys
import time
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from popularity_baseline import read_split  # noqa: E402


class TuckER(nn.Module):
    def __init__(self, entities, relations, opts):
        super().__init__()
        self.entities = nn.Embedding(entities, opts.dim)
        self.relations = nn.Embedding(2 * relations, opts.relation_dim)
        nn.init.xavier_normal_(self.entities.weight)
        nn.init.xavier_normal_(self.relations.weight)
        self.core = nn.Parameter(torch.empty(opts.relation_dim, opts.dim, opts.dim))
        if opts.core_init == "xavier":
            nn.init.xavier_uniform_(self.core)
        else:
            nn.init.uniform_(self.core, -1.0, 1.0)
        self.input_norm, self.output_norm = nn.BatchNorm1d(opts.dim), nn.BatchNorm1d(opts.dim)
        rates = [float(x) for x in opts.dropouts.split(",")]
        self.input_drop, self.hidden_drop, self.output_drop = (nn.Dropout(p) for p in rates)
        self.dim, self.relation_dim = opts.dim, opts.relation_dim

    def forward(self, heads, relations):
        x = self.input_drop(self.input_norm(self.entities(heads))).unsqueeze(1)
        w = self.relations(relations) @ self.core.view(self.relation_dim, -1)
        w = self.hidden_drop(w.view(-1, self.dim, self.dim))
        x = self.output_drop(self.output_norm(torch.bmm(x, w).squeeze(1)))
        return x @ self.entities.weight.t()  # logits; the sigmoid is inside the loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--relation-dim", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    parser.add_argument("--lr-decay", type=float, default=0.995)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dropouts", default="0.2,0.2,0.2")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eval-every", type=int, default=5)
    parser.add_argument("--core-init", choices=("xavier", "tucker"), default="xavier")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    opts = parser.parse_args()
    torch.manual_seed(opts.seed)
    np.random.seed(opts.seed)
    torch.set_num_threads(opts.threads)

    # ---- data: ids, training queries with all their answers, every known answer for filtering ----
    splits = {s: read_split(opts.dataset, s) for s in ("train", "valid", "test")}
    entity_names = sorted({e for triples in splits.values() for h, _, t in triples for e in (h, t)})
    relation_names = sorted({r for triples in splits.values() for _, r, _ in triples})
    entity = {e: i for i, e in enumerate(entity_names)}
    relation = {r: i for i, r in enumerate(relation_names)}
    R = len(relation_names)
    ids = {s: sorted({(entity[h], relation[r], entity[t]) for h, r, t in triples}) for s, triples in splits.items()}
    answers, known = defaultdict(set), defaultdict(set)
    for h, r, t in ids["train"]:
        answers[(h, r)].add(t)
        answers[(t, r + R)].add(h)
    for triples in ids.values():
        for h, r, t in triples:
            known[(h, r)].add(t)
            known[(t, r + R)].add(h)
    queries = list(answers)
    model = TuckER(len(entity_names), R, opts)
    optimiser = torch.optim.Adam(model.parameters(), lr=opts.learning_rate)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimiser, opts.lr_decay)
    print(f"{opts.dataset}: {len(entity_names)} entities, {R} relations, {len(queries)} training queries", flush=True)

    def evaluate(split):
        model.eval()
        pairs = [(h, r, t) for h, r, t in ids[split]] + [(t, r + R, h) for h, r, t in ids[split]]
        reciprocal = []
        with torch.no_grad():
            for begin in range(0, len(pairs), 1024):
                batch = pairs[begin:begin + 1024]
                b = torch.tensor(batch)
                scores = torch.sigmoid(model(b[:, 0], b[:, 1]))
                for row, (h, r, t) in zip(scores, batch):
                    target = row[t].item()
                    others = [e for e in known[(h, r)] if e != t]
                    if others:
                        row[others] = -1.0
                    rank = 1 + (row > target).sum().item() + ((row == target).sum().item() - 1) / 2
                    reciprocal.append(1.0 / rank)
        model.train()
        return 100 * float(np.mean(reciprocal))

    # ---- training ----
    for epoch in range(1, opts.epochs + 1):
        started, total = time.time(), 0.0
        np.random.shuffle(queries)
        for begin in range(0, len(queries), opts.batch_size):
            batch = queries[begin:begin + opts.batch_size]
            if len(batch) < 2:
                continue  # batch norm cannot train on one row
            b = torch.tensor(batch)
            target = torch.zeros(len(batch), len(entity_names))
            for row, query in enumerate(batch):
                target[row, list(answers[query])] = 1.0
            target = (1 - opts.label_smoothing) * target + 1.0 / len(entity_names)
            loss = nn.functional.binary_cross_entropy_with_logits(model(b[:, 0], b[:, 1]), target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
        schedule.step()
        line = f"epoch {epoch:4d}  loss {total:.4f}  {time.time() - started:.1f} s"
        if epoch % opts.eval_every == 0:
            line += f"  valid MRR {evaluate('valid'):.2f}"
        print(line, flush=True)
    print(f"test MRR {evaluate('test'):.2f}", flush=True)


if __name__ == "__main__":
    main()
