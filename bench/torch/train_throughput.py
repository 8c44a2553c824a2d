"""The PyTorch peer of dev.embed4j.bench.TrainingThroughput: a BERT encoder of all-MiniLM-L6-v2's shape
(6 layers, hidden 384, 12 heads, FFN 1536, exact-erf GELU, dropout 0.1), mean pooling, L2 normalisation,
MultipleNegativesSymmetricRankingLoss (scale 20), AdamW, clipping at 1; 32 pairs a step of exactly TOKENS
tokens each. Weights are random: the speed does not depend on them.

usage: python3 train_throughput.py TOKENS THREADS [STEPS]
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h=384, heads=12, ffn=1536, p=0.1):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.up = nn.Linear(h, ffn)
        self.down = nn.Linear(ffn, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.p = p

    def forward(self, x, mask):
        b, s, h = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / (h // self.heads) ** 0.5 + mask
        att = self.drop(scores.softmax(-1)) @ v
        x = self.ln1(x + self.drop(self.out(att.transpose(1, 2).reshape(b, s, h))))
        return self.ln2(x + self.drop(self.down(F.gelu(self.up(x)))))


class Encoder(nn.Module):
    def __init__(self, vocab=30522, h=384, layers=6):
        super().__init__()
        self.words = nn.Embedding(vocab, h)
        self.positions = nn.Embedding(512, h)
        self.types = nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([Layer() for _ in range(layers)])

    def forward(self, ids):
        b, s = ids.shape
        pos = torch.arange(s).unsqueeze(0)
        x = self.drop(self.ln(self.words(ids) + self.positions(pos) + self.types(torch.zeros_like(ids))))
        mask = torch.zeros(b, 1, 1, s)
        for layer in self.layers:
            x = layer(x, mask)
        return F.normalize(x.mean(1), dim=-1)


def main():
    tokens, threads = int(sys.argv[1]), int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Encoder().train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    pairs, warmup = 32, 2
    labels = torch.arange(pairs)
    for s in range(warmup + steps):
        if s == warmup:
            start = time.perf_counter()
        a = model(torch.randint(1000, 30000, (pairs, tokens)))
        p = model(torch.randint(1000, 30000, (pairs, tokens)))
        scores = 20 * a @ p.T
        loss = (F.cross_entropy(scores, labels) + F.cross_entropy(scores.T, labels)) / 2
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    seconds = time.perf_counter() - start
    print(f"pytorch {torch.__version__} tokens={tokens} threads={threads}: {steps * pairs / seconds:.2f} pairs/s "
          f"({steps} steps of {pairs} pairs in {seconds:.1f} s)")


if __name__ == "__main__":
    main()
