"""PyTorch peers of Netwright's example graphs, driven by scripts/bench.ts over stdin/stdout.

Each peer is written by hand to match the example's architecture, loss and optimizer (Adam,
eps 1e-7 as tfjs, lr 1e-3 for all: a step's cost does not depend on it; gradient clipping where
the example has it). Inputs are random
tensors of the example's shapes and value ranges: throughput does not depend on the values.
One thread (torch.set_num_threads(1)), as the tfjs wasm backend runs in Node.

Protocol, one command per line, one JSON answer per line:
  setup <model> <batch>   -> {"ok": true, "params": n}
  round <steps>           -> {"seconds": s, "cpu_seconds": c}   (steps optimizer steps, each reading
                             the loss back; wall time and this process's CPU time)
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(1)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 128)
        self.dropout = nn.Dropout(0.2)
        self.logits = nn.Linear(128, 10)

    def forward(self, image):
        return self.logits(self.dropout(F.relu(self.hidden(image.flatten(1)))))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.logits = nn.Linear(84, 10)

    def forward(self, image):
        x = F.max_pool2d(F.relu(self.conv1(image)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.logits(F.relu(self.fc2(x)))


class Seq2SeqDates(nn.Module):
    """examples/seq2seq-dates.json: bidirectional LSTM(32 each way) encoder, LSTM(64) decoder
    started from zeros, additive (Bahdanau) attention."""

    def __init__(self):
        super().__init__()
        self.source_embedding = nn.Embedding(71, 32)
        self.encoder = nn.LSTM(32, 32, batch_first=True, bidirectional=True)
        self.target_embedding = nn.Embedding(15, 32)
        self.decoder = nn.LSTM(32, 64, batch_first=True)
        self.w_values = nn.Linear(64, 64, bias=False)
        self.w_query = nn.Linear(64, 64, bias=False)
        self.v = nn.Linear(64, 1, bias=False)
        self.attentional = nn.Linear(128, 64)
        self.logits = nn.Linear(64, 15)

    def forward(self, source, source_mask, decoder_input):
        values, _ = self.encoder(self.source_embedding(source))
        query, _ = self.decoder(self.target_embedding(decoder_input))
        hidden = torch.tanh(self.w_values(values).unsqueeze(1) + self.w_query(query).unsqueeze(2))
        scores = self.v(hidden).squeeze(3)  # [B, Tq, Tv]
        scores = scores.masked_fill(source_mask.unsqueeze(1) == 0, -1e9)
        context = torch.softmax(scores, -1) @ values
        return self.logits(torch.tanh(self.attentional(torch.cat([query, context], -1))))


def make(model_name, batch):
    if model_name == 'mlp-mnist':
        model = Mlp()
        feeds = (torch.rand(batch, 1, 28, 28),)
        labels = torch.randint(0, 10, (batch,))
        return model, feeds, lambda out: F.cross_entropy(out, labels), None
    if model_name == 'lenet-mnist':
        model = LeNet()
        feeds = (torch.rand(batch, 1, 28, 28),)
        labels = torch.randint(0, 10, (batch,))
        return model, feeds, lambda out: F.cross_entropy(out, labels), None
    if model_name == 'seq2seq-dates':
        model = Seq2SeqDates()
        source = torch.randint(1, 71, (batch, 32))
        source_mask = torch.ones(batch, 32)
        source_mask[:, 24:] = 0
        decoder_input = torch.randint(1, 15, (batch, 11))
        target = torch.randint(1, 15, (batch, 11))
        target_mask = torch.ones(batch, 11)

        def loss(out):
            per_token = F.cross_entropy(out.reshape(-1, 15), target.reshape(-1), reduction='none')
            return (per_token * target_mask.reshape(-1)).sum() / target_mask.sum()

        return model, (source, source_mask, decoder_input), loss, 5.0
    raise ValueError(f'no PyTorch peer for {model_name}')


def main():
    state = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == 'setup':
                model, feeds, loss_fn, clip = make(words[1], int(words[2]))
                model.train()
                optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
                state = (model, feeds, loss_fn, clip, optimizer)
                params = sum(p.numel() for p in model.parameters())
                print(json.dumps({'ok': True, 'params': params, 'torch': torch.__version__}), flush=True)
            elif words[0] == 'round':
                model, feeds, loss_fn, clip, optimizer = state
                steps = int(words[1])
                start = time.perf_counter()
                cpu_start = time.process_time()
                for _ in range(steps):
                    optimizer.zero_grad()
                    loss = loss_fn(model(*feeds))
                    loss.backward()
                    if clip is not None:
                        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                    optimizer.step()
                    loss.item()
                print(json.dumps({'seconds': time.perf_counter() - start, 'cpu_seconds': time.process_time() - cpu_start}), flush=True)
            else:
                raise ValueError(f'unknown command {words[0]}')
        except Exception as err:  # answer, so the bench names the failure instead of hanging
            print(json.dumps({'error': str(err)}), flush=True)


main()
