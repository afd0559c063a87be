#!/usr/bin/env python3
"""PyTorch peer for timing one SASRec training epoch on ml-100k.

This script is the reference point for `demure train --model sasrec --variant id`
on ml-100k. It is used for TIMING ONLY: it measures the wall time of one full
training epoch (forward, backward and Adam step over every batch) of a SASRec
model (Kang & McAuley 2018) in the configuration that RecBole uses by default
and that demure's TypeScript implementation reproduces. It does not evaluate
the model; it makes no claim about accuracy.

Run:

    apt-get install -y python3-torch && /usr/bin/python3 bench/torch_sasrec_epoch.py

Options:

    [PATH] or --data PATH   RecBole atomic .inter file
                            (default /work/shared/data/ml-100k/ml-100k.inter)
    --threads T             torch.set_num_threads (default 2)
    --epochs E              number of epochs to time (default 1)
    --max-batches B         stop each epoch after B batches and extrapolate
                            the epoch time (reported as "estimated")
    --seed S                seed (default 42)

Configuration (kept identical to the TypeScript version):

* Each user's items ordered by timestamp (stable), item ids mapped to 1..N
  (0 = padding). Leave-one-out: the training part is the first n-2 items.
  Training examples are all prefixes of the training part: for k = 1..m-1,
  history = train[max(0, k-50):k], target = train[k]. ml-100k: 97,171 examples.
* Batch size 256, shuffled with a seeded generator; histories left-aligned and
  padded with 0 at the end to the longest history in the batch (max 50).
* Item embedding [N+1, 64], learned position embedding [50, 64];
  LayerNorm(eps 1e-12) then dropout 0.5; 2 post-LN Transformer layers with
  2-head self-attention (causal mask + padding keys masked, attention dropout
  0.5, output dropout 0.5, residual + LayerNorm) and a 64->256->64 GELU(erf)
  feed-forward (dropout 0.5, residual + LayerNorm). User state = output at the
  last real position. Logits = state . item_emb^T over all N+1 items,
  cross-entropy loss, Adam lr 1e-3. Init N(0, 0.02) for weights, zero biases.

Progress goes to stderr; exactly one JSON line is printed on stdout at the end.
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_DATA = "/work/shared/data/ml-100k/ml-100k.inter"
MAX_LEN = 50
HIDDEN = 64
HEADS = 2
INNER = 256
LAYERS = 2
DROPOUT = 0.5
LN_EPS = 1e-12
BATCH_SIZE = 256
LR = 1e-3
INIT_STD = 0.02
EXPECTED_ML100K_EXAMPLES = 97171


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data


def load_examples(path):
    """Read a RecBole atomic .inter file and build the training prefixes."""
    with open(path, "r", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        names = [h.split(":")[0] for h in header]
        ui = names.index("user_id")
        ii = names.index("item_id")
        ti = names.index("timestamp")
        per_user = {}  # user token -> list of (timestamp, file order, item token)
        order = 0
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            cols = line.split("\t")
            per_user.setdefault(cols[ui], []).append((float(cols[ti]), order, cols[ii]))
            order += 1

    # Item ids 1..N in order of first appearance in the file; 0 is padding.
    # (rows are stored per user, so re-sort by file order first)
    item_id = {}
    all_rows = sorted((o, it) for rows in per_user.values() for (_, o, it) in rows)
    for _, it in all_rows:
        if it not in item_id:
            item_id[it] = len(item_id) + 1
    n_items = len(item_id)

    histories = []
    targets = []
    for rows in per_user.values():
        rows.sort(key=lambda r: (r[0], r[1]))  # stable by timestamp
        seq = [item_id[it] for (_, _, it) in rows]
        train = seq[: max(0, len(seq) - 2)]
        for k in range(1, len(train)):
            histories.append(train[max(0, k - MAX_LEN):k])
            targets.append(train[k])

    n = len(histories)
    hist = torch.zeros((n, MAX_LEN), dtype=torch.long)
    lens = torch.zeros(n, dtype=torch.long)
    for r, h in enumerate(histories):
        hist[r, : len(h)] = torch.tensor(h, dtype=torch.long)  # left-aligned, 0-padded at end
        lens[r] = len(h)
    tgt = torch.tensor(targets, dtype=torch.long)
    return hist, lens, tgt, n_items, len(per_user), order


# ---------------------------------------------------------------- model


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.k = nn.Linear(HIDDEN, HIDDEN)
        self.v = nn.Linear(HIDDEN, HIDDEN)
        self.o = nn.Linear(HIDDEN, HIDDEN)
        self.attn_drop = nn.Dropout(DROPOUT)
        self.out_drop = nn.Dropout(DROPOUT)
        self.norm = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.dh = HIDDEN // HEADS

    def forward(self, x, mask):
        # x: [B, L, H]; mask: [B, 1, L, L] bool, True = may attend
        b, l, _ = x.shape
        q = self.q(x).view(b, l, HEADS, self.dh).transpose(1, 2)
        k = self.k(x).view(b, l, HEADS, self.dh).transpose(1, 2)
        v = self.v(x).view(b, l, HEADS, self.dh).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        probs = self.attn_drop(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, l, HIDDEN)
        return self.norm(x + self.out_drop(self.o(ctx)))


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(HIDDEN, INNER)
        self.fc2 = nn.Linear(INNER, HIDDEN)
        self.drop = nn.Dropout(DROPOUT)
        self.norm = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, x):
        h = self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU
        return self.norm(x + self.drop(h))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = SelfAttention()
        self.ff = FeedForward()

    def forward(self, x, mask):
        return self.ff(self.attn(x, mask))


class SASRec(nn.Module):
    def __init__(self, n_items):
        super().__init__()
        self.item_emb = nn.Embedding(n_items + 1, HIDDEN, padding_idx=0)
        self.pos_emb = nn.Embedding(MAX_LEN, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.drop = nn.Dropout(DROPOUT)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            m.weight.data.normal_(0.0, INIT_STD)
        if isinstance(m, nn.Linear) and m.bias is not None:
            m.bias.data.zero_()
        if isinstance(m, nn.LayerNorm):
            m.weight.data.fill_(1.0)
            m.bias.data.zero_()

    def forward(self, seq, lens):
        b, l = seq.shape
        pos = torch.arange(l, device=seq.device)
        x = self.drop(self.norm(self.item_emb(seq) + self.pos_emb(pos).unsqueeze(0)))
        causal = torch.ones((l, l), dtype=torch.bool, device=seq.device).tril()
        keys = (seq > 0)[:, None, None, :]  # padding keys masked
        mask = causal[None, None, :, :] & keys
        for layer in self.layers:
            x = layer(x, mask)
        state = x[torch.arange(b, device=seq.device), lens - 1]  # last real position
        return state @ self.item_emb.weight.t()  # [B, N+1]


# ---------------------------------------------------------------- main


def torch_version():
    """torch.__version__ on Debian's build says "1.13.0a0"; prefer the package version."""
    try:
        import subprocess
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                           capture_output=True, text=True, timeout=5).stdout.strip()
        if v:
            return v.split("+")[0]
    except Exception:
        pass
    return torch.__version__


def parse_args(argv):
    p = argparse.ArgumentParser(description="Time one SASRec training epoch (PyTorch peer).")
    p.add_argument("data_pos", nargs="?", default=None, help="RecBole .inter file")
    p.add_argument("--data", default=None)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--max-batches", type=int, default=None)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args(argv)
    a.path = a.data or a.data_pos or DEFAULT_DATA
    return a


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    hist, lens, tgt, n_items, n_users, n_inter = load_examples(args.path)
    n_ex = hist.shape[0]
    dataset = "ml-100k" if "ml-100k" in args.path else args.path
    log(f"loaded {args.path}: {n_inter} interactions, {n_users} users, {n_items} items, "
        f"{n_ex} training examples ({time.perf_counter() - t0:.2f}s)")
    print(f"examples: {n_ex}", file=sys.stderr)
    if dataset == "ml-100k":
        assert n_ex == EXPECTED_ML100K_EXAMPLES, f"expected {EXPECTED_ML100K_EXAMPLES} examples, got {n_ex}"

    model = SASRec(n_items)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(args.seed)
    n_batches = (n_ex + BATCH_SIZE - 1) // BATCH_SIZE

    epoch_seconds = []
    batch_ms = []
    first_losses = []
    last_loss = None
    estimated = False
    for epoch in range(args.epochs):
        perm = torch.randperm(n_ex, generator=gen)
        limit = n_batches if args.max_batches is None else min(n_batches, args.max_batches)
        t_epoch = time.perf_counter()
        loss_sum = 0.0
        for bi in range(limit):
            tb = time.perf_counter()
            idx = perm[bi * BATCH_SIZE:(bi + 1) * BATCH_SIZE]
            bl = lens[idx]
            seq = hist[idx, : int(bl.max())]
            y = tgt[idx]
            logits = model(seq, bl)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            last_loss = loss.item()
            loss_sum += last_loss
            if epoch == 0 and bi < 5:
                first_losses.append(last_loss)
            batch_ms.append((time.perf_counter() - tb) * 1000.0)
            if (bi + 1) % 20 == 0 or bi + 1 == limit:
                log(f"epoch {epoch + 1} batch {bi + 1}/{limit} loss {last_loss:.4f} "
                    f"mean {loss_sum / (bi + 1):.4f} elapsed {time.perf_counter() - t_epoch:.1f}s")
        secs = time.perf_counter() - t_epoch
        if limit < n_batches:
            estimated = True
            secs = secs * n_batches / limit
            log(f"epoch {epoch + 1}: ESTIMATED {secs:.2f}s (extrapolated from {limit}/{n_batches} batches)")
        else:
            log(f"epoch {epoch + 1}: {secs:.2f}s, mean loss {loss_sum / limit:.4f}")
        epoch_seconds.append(round(secs, 3))

    out = {
        "engine": "torch-" + torch_version(),
        "threads": torch.get_num_threads(),
        "dataset": dataset,
        "examples": n_ex,
        "batches": n_batches,
        "batch_size": BATCH_SIZE,
        "epoch_seconds": epoch_seconds,
        "ms_per_batch_median": round(statistics.median(batch_ms), 3),
        "first_loss": round(first_losses[0], 4),
        "final_loss": round(last_loss, 4),
    }
    if estimated:
        out["estimated"] = True
        out["batches_run_per_epoch"] = min(n_batches, args.max_batches)
        out["note"] = "epoch_seconds estimated by extrapolation from --max-batches"
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
