/**
 * The exported PyTorch project: model.py, train.py (one process or torchrun + DDP), weights.npz
 * from a kept run, and a README. Pure: returns the files' bytes; the CLI writes them to a folder,
 * the app zips them (zip.ts). The dataset's data/<split>.npz files are streamed beside them by
 * both (data.ts), never held here.
 */
import type { GraphAnalysis } from '../../graph/analyze';
import type { GraphDocument } from '../../graph/document';
import { buildModelPy, type ModelPy, type NodeWeights } from './model-py';
import { npzBytes, type NpyArray } from './npz';
import { ExportRefusal, pyFloat } from './rules';

export interface PytorchExportOptions {
  graph: GraphDocument;
  analysis: GraphAnalysis;
  /** The kept run's weights by node (null: the project starts from Keras' initialization). */
  weights: NodeWeights | null;
  /** Which run the weights come from, for the README. */
  runLabel?: string;
  /** The project comes with data/<split>.npz (written beside it): the README says so. */
  withData?: boolean;
  /** What forward() returns when the graph has no loss (a sub-model's outputs, in order). */
  outputs?: readonly { node: string; port: string }[];
}

export interface PytorchProject {
  /** Path inside the project folder -> contents. */
  files: Map<string, Uint8Array>;
  model: ModelPy;
}

const text = (s: string) => new TextEncoder().encode(s);

function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyValue).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${pyValue(x)}`).join(', ')}}`;
}

function trainPy(graph: GraphDocument): string {
  const t = graph.training;
  const setup = {
    dataset: t.dataset?.id ?? null,
    optimizer: t.optimizer,
    learning_rate: t.learningRate,
    momentum: t.momentum,
    schedule: t.schedule,
    batch_size: t.batchSize,
    epochs: t.epochs,
    seed: t.seed,
    gradient_clip_norm: t.gradientClipNorm,
    early_stopping_patience: t.earlyStoppingPatience,
  };
  return `"""Trains model.py with the graph's training setup, on one process or under torchrun.

    python3 train.py                                  # one process (CPU, or the GPU if there is one)
    torchrun --nproc_per_node=4 train.py              # DistributedDataParallel over 4 processes/GPUs
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py

Under torchrun each process takes its share of every epoch (DistributedSampler); gradients are
averaged across processes, so one step sees world_size x batch_size samples. The backend is nccl
on GPUs and gloo on CPUs. Rank 0 prints the metrics and saves model.pt.
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

import model as exported

# The graph's training setup (Netwright's Setup tab).
SETUP = ${pyValue(setup)}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\\n")[0])
    parser.add_argument("--data", default="data", help="folder with train.npz (and validation.npz): one array per dataset feature")
    parser.add_argument("--weights", default="weights.npz", help="start from these weights (written by the export from a kept run)")
    parser.add_argument("--from-scratch", action="store_true", help="ignore --weights and initialize as Keras does")
    parser.add_argument("--epochs", type=int, default=SETUP["epochs"])
    parser.add_argument("--batch-size", type=int, default=SETUP["batch_size"], help="per process")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: no limit)")
    parser.add_argument("--seed", type=int, default=SETUP["seed"])
    parser.add_argument("--out", default="model.pt", help='where rank 0 saves the state_dict; "model-{rank}.pt": every process saves')
    return parser.parse_args()


class Arrays(Dataset):
    """Rows of the dataset's feature arrays, keyed by the names model.py uses."""

    def __init__(self, path):
        arrays = np.load(path)
        names = {**exported.INPUTS, **exported.TARGETS}
        missing = [spec["feature"] for spec in names.values() if spec["feature"] not in arrays.files]
        if missing:
            raise SystemExit(f"{path} has no arrays for the features {missing}")
        self.columns = {name: torch.from_numpy(arrays[spec["feature"]]) for name, spec in names.items()}
        self.size = len(next(iter(self.columns.values())))

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return {name: column[index] for name, column in self.columns.items()}


def make_optimizer(parameters):
    """The optimizer with Keras' hyperparameters (TensorFlow.js' as Netwright uses them)."""
    lr, name = SETUP["learning_rate"], SETUP["optimizer"]
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr)
    if name == "momentum":
        # tfjs' momentum: v = m*v + g; w -= lr*v (PyTorch's SGD with dampening 0).
        return torch.optim.SGD(parameters, lr=lr, momentum=SETUP["momentum"])
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=(0.9, 0.999), eps=1e-7)  # Keras' epsilon (PyTorch: 1e-8)
    if name == "rmsprop":
        # Keras' rho 0.9 (PyTorch's alpha, default 0.99); tfjs adds epsilon inside the square root.
        return torch.optim.RMSprop(parameters, lr=lr, alpha=0.9, eps=1e-7)
    if name == "adagrad":
        return torch.optim.Adagrad(parameters, lr=lr, initial_accumulator_value=0.1)
    raise SystemExit(f"unknown optimizer {name}")


def learning_rate_at(epoch):
    base, schedule = SETUP["learning_rate"], SETUP["schedule"]
    if schedule["type"] == "step":
        return base * schedule["factor"] ** (epoch // schedule["everyEpochs"])
    if schedule["type"] == "cosine":
        progress = min(1.0, epoch / max(1, SETUP["epochs"] - 1))
        low = schedule["minLearningRate"]
        return low + 0.5 * (base - low) * (1 + math.cos(math.pi * progress))
    return base


def evaluate(net, loader, device):
    net.eval()
    sums, count = {}, 0
    with torch.no_grad():
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            outputs = net(*[batch[name] for name in exported.INPUTS])
            losses = exported.compute_losses(outputs, batch)
            values = {"loss": exported.total_loss(losses), **losses, **exported.compute_metrics(outputs, batch)}
            n = len(next(iter(batch.values())))
            for key, value in values.items():
                sums[key] = sums.get(key, 0.0) + float(value) * n
            count += n
    net.train()
    return {key: value / max(count, 1) for key, value in sums.items()}


def main():
    args = parse_args()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device(f"cuda:{local_rank}") if backend == "nccl" else torch.device("cpu")
        if backend == "nccl":
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)  # the same initial weights in every process

    net = exported.Model()
    if os.path.exists(args.weights) and not args.from_scratch:
        exported.load_weights(net, args.weights)
        start = f"weights from {args.weights}"
    else:
        exported.keras_init_(net)
        start = "Keras' initialization"
    net.to(device)
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    if rank == 0:
        print(f"model: {trainable} trainable parameters (Netwright: {exported.NETWRIGHT_PARAMETERS['trainable']}), {start}, {world} process(es) on {device}")
    model_for_training = DistributedDataParallel(net) if distributed else net

    train = Arrays(os.path.join(args.data, "train.npz"))
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=args.seed) if distributed else None
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=sampler is None, sampler=sampler, generator=generator)
    validation_path = os.path.join(args.data, "validation.npz")
    validation = DataLoader(Arrays(validation_path), batch_size=max(args.batch_size, 256)) if os.path.exists(validation_path) else None

    optimizer = make_optimizer([p for p in net.parameters() if p.requires_grad])
    best, since_best, step = None, 0, 0
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(epoch)
        started, sums, count = time.time(), {}, 0
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            outputs = model_for_training(*[batch[name] for name in exported.INPUTS])
            losses = exported.compute_losses(outputs, batch)
            loss = exported.total_loss(losses)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if SETUP["gradient_clip_norm"] is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), SETUP["gradient_clip_norm"])
            optimizer.step()
            n = len(next(iter(batch.values())))
            for key, value in {"loss": loss, **losses, **exported.compute_metrics(outputs, batch)}.items():
                sums[key] = sums.get(key, 0.0) + float(value) * n
            count += n
            step += 1
            if args.max_steps and step >= args.max_steps:
                break
        if distributed:
            totals = torch.tensor([sums[k] for k in sorted(sums)] + [count], dtype=torch.float64)
            dist.all_reduce(totals)
            sums, count = dict(zip(sorted(sums), totals[:-1].tolist())), totals[-1].item()
        line = " ".join(f"{k} {v / max(count, 1):.4f}" for k, v in sums.items())
        val = evaluate(net, validation, device) if validation is not None and rank == 0 else None
        if rank == 0:
            extra = (" | validation " + " ".join(f"{k} {v:.4f}" for k, v in val.items())) if val else ""
            print(f"epoch {epoch + 1}/{args.epochs}: {line}{extra} ({time.time() - started:.1f} s, {count / max(time.time() - started, 1e-9):.0f} samples/s)", flush=True)
        monitored = torch.tensor([val["loss"] if val else sums["loss"] / max(count, 1)])
        if distributed:
            dist.broadcast(monitored, 0)
        if best is None or monitored.item() < best:
            best, since_best = monitored.item(), 0
        else:
            since_best += 1
        patience = SETUP["early_stopping_patience"]
        if patience is not None and since_best >= patience:
            if rank == 0:
                print(f"early stopping: no better loss for {patience} epochs")
            break
        if args.max_steps and step >= args.max_steps:
            break
    if "{rank}" in args.out:  # every process saves its copy (DDP keeps them identical)
        torch.save(net.state_dict(), args.out.format(rank=rank))
    elif rank == 0:
        torch.save(net.state_dict(), args.out)
        print(f"saved {args.out}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
}

function readme(graph: GraphDocument, model: ModelPy, options: PytorchExportOptions): string {
  const name = graph.metadata.name || 'model';
  const t = graph.training;
  const feats = [...model.inputs, ...model.targets].map((i) => `\`${i.feature || i.name}\` [batch, ${i.shape.join(', ')}] ${i.dtype}`).join(', ');
  return `# ${name}: PyTorch project

Exported by Netwright from the graph "${name}". It needs Python 3 with \`torch\` and \`numpy\`.

| File | What it is |
|---|---|
| \`model.py\` | the network as an \`nn.Module\` (\`Model\`), its losses with their weights (\`compute_losses\`, \`LOSS_WEIGHTS\`), the metrics Netwright shows, Keras' initialization (\`keras_init_\`) and \`load_weights\` |
| \`train.py\` | the graph's training setup: ${t.optimizer}, learning rate ${t.learningRate}, batch size ${t.batchSize}, ${t.epochs} epochs, seed ${t.seed}${t.gradientClipNorm !== null ? `, gradient norm clipped at ${t.gradientClipNorm}` : ''} |
${options.weights ? `| \`weights.npz\` | the trained weights of ${options.runLabel ?? 'the kept run'}, in PyTorch's layouts (arrays named by \`state_dict\` key) |\n` : ''}${options.withData ? `| \`data/\` | the dataset${t.dataset ? ` \`${t.dataset.id}\`` : ''} as \`.npz\` (one array per feature: ${feats}) |\n` : ''}
## Run it

\`\`\`sh
python3 train.py                      # one process: the GPU if there is one, else the CPU
torchrun --nproc_per_node=4 train.py  # 4 processes on one machine (4 GPUs, or gloo on CPUs)
# several machines: run on each (node_rank 0..N-1), HOST being the first machine
torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py
\`\`\`

Under torchrun the model is wrapped in \`DistributedDataParallel\` and each process reads its share
of the data through a \`DistributedSampler\`, so one step sees \`nproc x batch size\` samples (scale
the learning rate if you want the single-process behaviour). Rank 0 prints the metrics per epoch
and saves \`model.pt\` (a \`state_dict\`). ${options.weights ? 'Training starts from `weights.npz`; `--from-scratch` starts from Keras\' initialization instead.' : 'Training starts from Keras\' initialization (as Netwright does).'}
${options.withData ? '' : `\nThe data is not included (export with \`--with-data\`): put \`train.npz\` (and \`validation.npz\`) in \`data/\`, one array per feature: ${feats}.\n`}
## Conventions

Inputs and outputs are channels-last, as in Netwright (images \`[batch, height, width, channels]\`);
convolutions run channels-first inside. Netwright counts ${model.parameterCount.trainable} trainable parameters;
recurrent layers have one bias per gate in Keras and two in PyTorch, so the second is held at zero
and frozen (\`requires_grad=False\`).

\`\`\`python
import torch, model
net = model.load_weights(model.Model(), "weights.npz").eval()
\`\`\`
`;
}

export function buildPytorchProject(options: PytorchExportOptions): PytorchProject {
  const { graph, analysis, weights } = options;
  if (graph.training.teacherForcingRatio < 1) {
    throw new ExportRefusal(
      `the training setup uses scheduled sampling (teacher forcing ${graph.training.teacherForcingRatio}): feeding the decoder its own predictions is not exported; set teacher forcing to 1`,
      null,
    );
  }
  const model = buildModelPy(graph, analysis, weights, options.outputs);
  const files = new Map<string, Uint8Array>();
  files.set('model.py', text(model.source));
  files.set('train.py', text(trainPy(graph)));
  files.set('README.md', text(readme(graph, model, options)));
  if (weights) {
    files.set('weights.npz', npzBytes(new Map(model.state.map((s) => [s.key, { dtype: 'float32', shape: s.shape, values: s.values } as NpyArray]))));
  }
  return { files, model };
}

/** A folder (and zip) name for a graph's project: "LeNet (MNIST)" -> "lenet-mnist-pytorch". */
export function pytorchFolderName(graphName: string): string {
  const slug = graphName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `${slug || 'model'}-pytorch`;
}
