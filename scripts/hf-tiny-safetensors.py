"""Writes test/fixtures/hf/tiny.safetensors with the reference implementation (Python's safetensors), for
test/unit/hf/safetensors.test.ts: one tensor of each dtype kiln meets in Hugging Face checkpoints.

The F16 and BF16 values include ones that round (pi, 0.1), a subnormal, infinities and -0, so the reader's
conversion is checked bit for bit. Prints the values torch reads back as float32: the test's expected values.

    python3 scripts/hf-tiny-safetensors.py test/fixtures/hf/tiny.safetensors
"""
import json
import math
import sys

import torch
from safetensors.torch import save_file

tensors = {
    "f32": torch.tensor([[1.0, -2.5, 3.25], [0.1, -0.0, 1e-30]], dtype=torch.float32),
    "f16": torch.tensor([1.0, math.pi, -65504.0, 2.0**-24, 0.1, float("inf"), -0.0, 6.1e-5], dtype=torch.float16),
    "bf16": torch.tensor([[1.0, math.pi], [-3.0e38, float("-inf")]], dtype=torch.bfloat16),
    "scalar": torch.tensor(42.5, dtype=torch.float32),
    "position_ids": torch.arange(3, dtype=torch.int64).unsqueeze(0),
}
save_file(tensors, sys.argv[1], metadata={"format": "pt"})

for name, t in tensors.items():
    values = t.float().flatten().tolist() if t.is_floating_point() else t.flatten().tolist()
    print(json.dumps({"name": name, "dtype": str(t.dtype), "shape": list(t.shape), "values": [repr(v) for v in values]}))
