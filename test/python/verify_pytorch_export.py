"""Checks exported PyTorch projects against TensorFlow.js: run by test/unit/export/pytorch-verify.test.ts.

Usage: verify_pytorch_export.py cases.json -> prints one JSON line per case. Each case folder holds
model.py, weights.npz (the tfjs weights converted by the export) and check.npz (the inputs and
batch given to tfjs and its outputs `out.<key>`, losses `loss.<name>`; with `total_loss`, also the
weighted total loss of one training step and the gradient of every weight, `grad.<state_dict key>`,
in PyTorch's layouts). All cases run in one process (importing torch once is most of the cost).
"""
import importlib.util
import json
import sys

import numpy as np
import torch

torch.set_num_threads(1)


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = max(np.abs(b).max() if b.size else 0.0, 1e-6)
    return float(np.abs(a - b).max() / scale) if a.size else 0.0


def check(case):
    spec = importlib.util.spec_from_file_location(f"exported_{case['name']}", f"{case['dir']}/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.Model()
    module.load_weights(net, f"{case['dir']}/weights.npz")
    net.eval()
    data = np.load(f"{case['dir']}/check.npz")
    batch = {name: torch.from_numpy(data[f"in.{name}"]) for name in {**module.INPUTS, **module.TARGETS}}
    outputs = net(*[batch[name] for name in module.INPUTS])
    result = {
        "name": case["name"],
        "trainable": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "nonTrainable": sum(b.numel() for b in net.buffers() if b.is_floating_point()),
        "outputs": {},
        "losses": {},
        "gradients": {},
    }
    for key, value in outputs.items():
        result["outputs"][key] = rel(value.detach().numpy(), data[f"out.{key}"])
    losses = module.compute_losses(outputs, batch)
    for name, value in losses.items():
        if f"loss.{name}" in data.files:
            result["losses"][name] = rel(value.detach().numpy(), data[f"loss.{name}"])
    if "total_loss" in data.files:
        # One training step from the same weights and batch: the weighted total loss and its gradients.
        total = module.total_loss(losses)
        net.zero_grad(set_to_none=True)
        total.backward()
        result["totalLoss"] = rel(total.detach().numpy(), data["total_loss"])
        for key, parameter in net.named_parameters():
            if not parameter.requires_grad:
                continue
            if f"grad.{key}" not in data.files:
                result["gradients"][key] = float("inf")
                continue
            grad = parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)
            result["gradients"][key] = rel(grad.numpy(), data[f"grad.{key}"])
    return result


def main():
    cases = json.load(open(sys.argv[1]))
    for case in cases:
        try:
            print(json.dumps(check(case)), flush=True)
        except Exception as err:  # reported per case, so one broken export does not hide the others
            print(json.dumps({"name": case["name"], "error": f"{type(err).__name__}: {err}"}), flush=True)


if __name__ == "__main__":
    main()
