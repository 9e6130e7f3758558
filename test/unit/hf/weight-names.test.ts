// kiln's weight names ↔ Hugging Face's: every tensor of a real checkpoint (all-MiniLM-L6-v2's header) maps to a kiln
// weight of the same shape, and every kiln weight maps to Hugging Face and back.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { createClassifierModel, disposeClassifierModel } from '../../../nlp/finetune/model';
import { hfToKiln, kilnToHf, transpose2d } from '../../../nlp/hf/weight-names';
import { TINY } from '../bert/helpers';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hf');
/** all-MiniLM-L6-v2's model.safetensors header: name → shape, in header order. */
const MINILM: Record<string, number[]> = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'minilm-weight-names.json'), 'utf8'));

beforeAll(async () => {
  await initBackend('cpu');
});

describe('hfToKiln', () => {
  it('maps every tensor of all-MiniLM-L6-v2 (a bare BertModel) onto a kiln weight of the same shape', () => {
    const model = createBertModel({ ...TINY, vocab_size: 30522, hidden_size: 384, num_layers: 6, num_heads: 12, intermediate_size: 1536, max_position_embeddings: 512 }, 1);
    try {
      const kilnShapes = new Map(model.variables.filter(({ name }) => !name.startsWith('cls/')).map(({ name, variable }) => [name, variable.shape]));
      const mapped = new Map<string, number[]>();
      const ignored: string[] = [];
      for (const [name, shape] of Object.entries(MINILM)) {
        const m = hfToKiln(name);
        expect(m, name).toBeDefined();
        if ('ignore' in m!) ignored.push(name);
        else mapped.set(m!.kiln, m!.transpose ? [...shape].reverse() : shape);
      }
      expect(Object.keys(MINILM)).toHaveLength(104);
      expect(ignored).toEqual(['embeddings.position_ids']);
      expect(mapped).toEqual(kilnShapes);
    } finally {
      disposeBertModel(model);
    }
  });

  it('reads the prefixed names of models with heads, and LayerNorm\'s old gamma/beta', () => {
    expect(hfToKiln('bert.encoder.layer.11.attention.self.query.weight')).toEqual({ kiln: 'encoder/layer_11/attention/query/kernel', transpose: true });
    expect(hfToKiln('encoder.layer.3.attention.output.dense.bias')).toEqual({ kiln: 'encoder/layer_3/attention/output/bias', transpose: false });
    expect(hfToKiln('bert.encoder.layer.0.attention.output.LayerNorm.gamma')).toEqual({ kiln: 'encoder/layer_0/attention/layer_norm/gamma', transpose: false });
    expect(hfToKiln('bert.embeddings.LayerNorm.beta')).toEqual({ kiln: 'embeddings/layer_norm/beta', transpose: false });
    expect(hfToKiln('bert.embeddings.word_embeddings.weight')).toEqual({ kiln: 'embeddings/word_embeddings', transpose: false });
    expect(hfToKiln('bert.pooler.dense.weight')).toEqual({ kiln: 'pooler/dense/kernel', transpose: true });
    expect(hfToKiln('cls.predictions.transform.dense.weight')).toEqual({ kiln: 'cls/predictions/transform/dense/kernel', transpose: true });
    expect(hfToKiln('cls.predictions.transform.LayerNorm.weight')).toEqual({ kiln: 'cls/predictions/transform/layer_norm/gamma', transpose: false });
    expect(hfToKiln('cls.predictions.bias')).toEqual({ kiln: 'cls/predictions/output_bias', transpose: false });
    expect(hfToKiln('cls.seq_relationship.weight')).toEqual({ kiln: 'cls/seq_relationship/kernel', transpose: true });
    expect(hfToKiln('classifier.weight')).toEqual({ kiln: 'classifier/kernel', transpose: true });
    expect(hfToKiln('classifier.bias')).toEqual({ kiln: 'classifier/bias', transpose: false });
  });

  it('ignores buffers and tied copies, saying why', () => {
    expect(hfToKiln('bert.embeddings.position_ids')).toEqual({ ignore: 'a buffer of position indices 0..max_position-1, not a weight' });
    expect(hfToKiln('cls.predictions.decoder.weight')).toEqual({ ignore: 'tied to embeddings.word_embeddings.weight, which kiln reads instead' });
    expect(hfToKiln('cls.predictions.decoder.bias')).toEqual({ ignore: 'the same values as cls.predictions.bias, which kiln reads instead' });
  });

  it('knows nothing else', () => {
    for (const name of [
      'roberta.embeddings.word_embeddings.weight',
      'bert.cls.predictions.bias', // heads are never under bert.
      'bert.classifier.weight',
      'bert.cls.predictions.decoder.weight',
      'encoder.layer.01.output.dense.weight',
      'encoder.layer.{i}.output.dense.weight',
      'encoder.layer.0.crossattention.self.query.weight',
      'embeddings.word_embeddings',
      'pooler.dense.gamma',
      '',
    ]) {
      expect(hfToKiln(name), name).toBeUndefined();
    }
  });
});

describe('kilnToHf', () => {
  it('maps every weight of a pretraining model and of a classifier to Hugging Face and back', () => {
    const pretraining = createBertModel(TINY, 1);
    const classifier = createClassifierModel(createBertModel(TINY, 2), 3, 1);
    try {
      const names = [...pretraining.variables, ...classifier.variables].map(({ name }) => name);
      expect(names).toContain('classifier/kernel');
      for (const name of names) {
        for (const prefix of [false, true]) {
          const { hf, transpose } = kilnToHf(name, { prefix });
          expect(hfToKiln(hf), hf).toEqual({ kiln: name, transpose });
        }
      }
      expect(names.map((name) => kilnToHf(name, { prefix: true }).hf)).toContain('bert.encoder.layer.1.output.LayerNorm.weight');
    } finally {
      disposeBertModel(pretraining);
      disposeClassifierModel(classifier);
    }
  });

  it('prefixes the encoder only, and transposes kernels only', () => {
    expect(kilnToHf('embeddings/word_embeddings', { prefix: true })).toEqual({ hf: 'bert.embeddings.word_embeddings.weight', transpose: false });
    expect(kilnToHf('encoder/layer_10/intermediate/kernel', { prefix: false })).toEqual({ hf: 'encoder.layer.10.intermediate.dense.weight', transpose: true });
    expect(kilnToHf('cls/predictions/output_bias', { prefix: true })).toEqual({ hf: 'cls.predictions.bias', transpose: false });
    expect(kilnToHf('classifier/kernel', { prefix: true })).toEqual({ hf: 'classifier.weight', transpose: true });
    expect(kilnToHf('encoder/layer_0/output/layer_norm/gamma', { prefix: false })).toEqual({ hf: 'encoder.layer.0.output.LayerNorm.weight', transpose: false });
  });

  it('refuses a name that is not a kiln BERT weight', () => {
    expect(() => kilnToHf('encoder/layer_x/output/kernel', { prefix: false })).toThrowError("kilnToHf: 'encoder/layer_x/output/kernel' is not a BERT weight kiln knows");
    expect(() => kilnToHf('encoder/layer_{i}/output/kernel', { prefix: false })).toThrowError(/is not a BERT weight kiln knows/);
  });
});

describe('transpose2d', () => {
  it('turns [rows, cols] into [cols, rows]', () => {
    expect(Array.from(transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(transpose2d(transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2), 2, 3))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => transpose2d(new Float32Array(5), 2, 3)).toThrowError('transpose2d: 5 values do not make [2, 3]');
  });
});
