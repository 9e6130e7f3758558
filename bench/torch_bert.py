"""The PyTorch anchors of bench/training.ts: BERT MLM+NSP pretraining steps on random inputs, one process each.

--impl eager  the model kiln trains, written out in PyTorch eager: the masked-LM head runs on the gathered
              masked positions only, as in google-research/bert.
--impl hf     Hugging Face BertForPreTraining, which computes masked-LM logits at every position (labels -100
              where nothing is masked): what most PyTorch users would train.
--probe       prints what this Python offers (torch, the BLAS it runs on, transformers) and exits.

Prints one JSON line on stdout: {"stepMs": [...], "finalLoss": x, "peakRssMb": x, "info": {...}}.
The caller sets OMP_NUM_THREADS / MKL_NUM_THREADS (and OPENBLAS_CORETYPE where OpenBLAS is used) before start.
"""
import argparse
import json
import math
import platform
import resource
import sys
import time


def blas_info(torch):
    """The BLAS torch calls: the build setting, and which library is actually mapped after a matmul."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads a dynamically linked BLAS, if any
    build = torch.__config__.show()
    setting = build.split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in build else "unknown"
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line or "mkl" in line}
    if any("openblas" in lib for lib in libs):
        blas = "openblas"
    elif setting == "mkl" or any("mkl" in lib for lib in libs):
        blas = "mkl"  # the PyPI wheel links MKL statically: only the build setting shows it
    elif any("libblas" in lib for lib in libs):
        blas = "reference"
    else:
        blas = setting
    library = next((lib for lib in sorted(libs) if "libblas" in lib or "openblas" in lib), None)
    return {"blas": blas, "blas_library": library, "blas_build_setting": setting, "mkldnn": torch.backends.mkldnn.is_available()}


def probe():
    out = {"python": sys.executable, "python_version": platform.python_version()}
    try:
        import torch
    except Exception as err:  # a CUDA wheel without its CUDA libraries fails here
        out["torch_error"] = str(err).splitlines()[0][:300]
        print(json.dumps(out))
        return
    out["torch"] = torch.__version__
    out.update(blas_info(torch))
    try:
        import transformers

        out["transformers"] = transformers.__version__
    except Exception as err:
        out["transformers_error"] = str(err).splitlines()[0][:300]
    print(json.dumps(out))


def build_eager(torch, a):
    """kiln's BERT: post-LN encoder, exact-erf GELU, tied MLM decoder on gathered positions, tanh pooler + NSP."""
    nn, F = torch.nn, torch.nn.functional
    eps, p = 1e-12, 0.1

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            h = a.hidden
            self.query, self.key, self.value, self.attn_out = (nn.Linear(h, h) for _ in range(4))
            self.attn_norm = nn.LayerNorm(h, eps=eps)
            self.inter, self.out = nn.Linear(h, a.intermediate), nn.Linear(a.intermediate, h)
            self.out_norm = nn.LayerNorm(h, eps=eps)

        def forward(self, x, bias):  # x [b, s, h], bias [b, 1, 1, s]
            b, s, h = x.shape
            d = h // a.heads

            def heads(t):  # [b, s, h] -> [b, heads, s, d]
                return t.view(b, s, a.heads, d).transpose(1, 2)

            q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias  # [b, heads, s, s]
            probs = F.dropout(scores.softmax(-1), p, self.training)
            ctx = (probs @ v).transpose(1, 2).reshape(b, s, h)
            x = self.attn_norm(x + F.dropout(self.attn_out(ctx), p, self.training))
            y = self.out(F.gelu(self.inter(x)))  # F.gelu is the exact erf form by default
            return self.out_norm(x + F.dropout(y, p, self.training))

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            h = a.hidden
            self.word, self.position, self.token_type = nn.Embedding(a.vocab, h), nn.Embedding(512, h), nn.Embedding(2, h)
            self.emb_norm = nn.LayerNorm(h, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(a.layers))
            self.mlm_transform, self.mlm_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=eps)
            self.mlm_bias = nn.Parameter(torch.zeros(a.vocab))
            self.pooler, self.nsp = nn.Linear(h, h), nn.Linear(h, 2)
            for m in self.modules():  # BERT's init: truncated normal (cut at 2 std), zero biases
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    nn.init.trunc_normal_(m.weight, std=0.02, a=-0.04, b=0.04)
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)

        def forward(self, ids, segments, bias, flat_positions, masked_ids, weights, nsp_labels):
            b, s = ids.shape
            x = self.word(ids) + self.token_type(segments) + self.position.weight[:s]  # [b, s, h]
            x = F.dropout(self.emb_norm(x), p, self.training)
            for layer in self.layers:
                x = layer(x, bias)
            gathered = x.reshape(b * s, -1).index_select(0, flat_positions)  # [b*pred, h]
            t = self.mlm_norm(F.gelu(self.mlm_transform(gathered)))
            logits = F.linear(t, self.word.weight, self.mlm_bias)  # [b*pred, vocab], decoder tied to embeddings
            nll = F.cross_entropy(logits, masked_ids, reduction="none")
            mlm_loss = (nll * weights).sum() / (weights.sum() + 1e-5)
            pooled = torch.tanh(self.pooler(x[:, 0]))  # [b, h] from [CLS]
            return mlm_loss + F.cross_entropy(self.nsp(pooled), nsp_labels)

    model = Bert()
    return model, lambda batch: model(**batch)


def build_hf(torch, a):
    from transformers import BertConfig, BertForPreTraining

    config = BertConfig(
        vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
        intermediate_size=a.intermediate, hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
    )
    model = BertForPreTraining(config)

    def loss(batch):
        b, s = batch["ids"].shape
        labels = torch.full((b * s,), -100, dtype=torch.long)  # -100: no MLM loss at unmasked positions
        labels[batch["flat_positions"]] = batch["masked_ids"]
        out = model(input_ids=batch["ids"], token_type_ids=batch["segments"], attention_mask=torch.ones(b, s, dtype=torch.long),
                    labels=labels.view(b, s), next_sentence_label=batch["nsp_labels"])
        return out.loss

    return model, loss


def random_batch(torch, a):
    """Random ids and labels; masked positions 1, 6, 11, ... in every sequence, as in the kiln child."""
    g = torch.Generator().manual_seed(1)
    b, s, n = a.batch, a.seq, a.predictions
    positions = torch.arange(n) * 5 + 1  # [n]
    return {
        "ids": torch.randint(5, a.vocab, (b, s), generator=g),
        "segments": (torch.arange(s) >= s // 2).long().expand(b, s).contiguous(),
        "bias": torch.zeros(b, 1, 1, s),  # no padding
        "flat_positions": (torch.arange(b)[:, None] * s + positions).reshape(-1),  # [b*n]
        "masked_ids": torch.randint(5, a.vocab, (b * n,), generator=g),
        "weights": torch.ones(b * n),
        "nsp_labels": torch.randint(0, 2, (b,), generator=g),
    }


def measure(a):
    import torch

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, loss_of = (build_eager if a.impl == "eager" else build_hf)(torch, a)
    model.train()
    batch = random_batch(torch, a)
    if a.impl == "hf":
        batch = {k: batch[k] for k in ("ids", "segments", "flat_positions", "masked_ids", "nsp_labels")}
    params = [q for q in model.parameters() if q.requires_grad]
    groups = [  # as kiln: no weight decay on LayerNorm weights or biases (the 1-D parameters)
        {"params": [q for q in params if q.dim() >= 2], "weight_decay": 0.01},
        {"params": [q for q in params if q.dim() < 2], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=1e-4, betas=(0.9, 0.999), eps=1e-6)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times, loss, start = [], float("nan"), time.perf_counter()
    while len(times) < a.max_steps and (len(times) < a.min_steps or time.perf_counter() - start < a.min_seconds):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
    info = {"impl": a.impl, "torch": torch.__version__, "threads": torch.get_num_threads(), **blas_info(torch)}
    if a.impl == "hf":
        import transformers

        info["transformers"] = transformers.__version__
        info["attention"] = getattr(model.config, "_attn_implementation", "eager")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"stepMs": times, "finalLoss": loss, "peakRssMb": usage.ru_maxrss / 1024,  # KB on Linux
                      "cpuSeconds": usage.ru_utime + usage.ru_stime, "info": info}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--impl", choices=["eager", "hf"], default="eager")
    ap.add_argument("--threads", type=int, default=1)
    for name, default in [("vocab", 8192), ("hidden", 128), ("layers", 2), ("heads", 2), ("intermediate", 512),
                          ("batch", 16), ("seq", 128), ("predictions", 20), ("warmup", 2), ("min-steps", 8),
                          ("max-steps", 40)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--min-seconds", type=float, default=10.0)
    a = ap.parse_args()
    probe() if a.probe else measure(a)


if __name__ == "__main__":
    main()
