"""Writes an HDF5 file with h5py from a JSON description, for the Keras import tests.

Usage: /usr/bin/python3 write_h5.py spec.json out.h5
spec: {"attrs": {"<group path>": {"<name>": "text" | ["text", ...]}},
       "datasets": [{"path": "...", "shape": [...], "values": [...], "gzip": bool}]}
String lists are written as fixed-length byte strings, as Keras 2 writes layer_names and
weight_names; a single string as a variable-length string (model_config).
"""
import json
import sys

import h5py
import numpy as np

spec = json.load(open(sys.argv[1]))
with h5py.File(sys.argv[2], "w") as f:
    for d in spec["datasets"]:
        data = np.asarray(d["values"], dtype="float32").reshape(d["shape"])
        if d.get("gzip"):
            f.create_dataset(d["path"], data=data, compression="gzip", shuffle=True)
        else:
            f.create_dataset(d["path"], data=data)
    for path, attrs in spec["attrs"].items():
        group = f.require_group(path) if path not in ("", "/") else f
        for name, value in attrs.items():
            group.attrs[name] = np.array([v.encode() for v in value]) if isinstance(value, list) else value
