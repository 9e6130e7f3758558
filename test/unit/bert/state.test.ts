import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../../nlp/backend';
import { CorruptCheckpointError } from '../../../nlp/training/checkpoint-error';
import { createBertModel, disposeBertModel } from '../../../nlp/bert/model';
import { AdamW } from '../../../nlp/bert/optimizer';
import { exportTrainingState, importTrainingState } from '../../../nlp/bert/state';
import { deserializeTensors, serializeTensors, type TensorData } from '../../../nlp/bert/tensor-file';
import { TINY, adamWOf } from './helpers';

beforeAll(async () => {
  await initBackend('wasm');
});

function thrown(f: () => unknown): CorruptCheckpointError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    return err as CorruptCheckpointError;
  }
  throw new Error('expected a CorruptCheckpointError');
}

describe('tensor files', () => {
  const tensors = new Map<string, TensorData>([
    ['a/kernel', { values: new Float32Array([1.5, -2, Math.PI, 1e-30, -0, 7]), shape: [2, 3] }],
    ['step', { values: new Int32Array([42]), shape: [] }],
    ['empty', { values: new Float32Array(0), shape: [0, 4] }],
  ]);

  it('round-trips names, dtypes, shapes and exact values', () => {
    const buf = serializeTensors(tensors);
    expect(buf.subarray(0, 8).toString('ascii')).toBe('KILNTNS1');
    const back = deserializeTensors(buf);
    expect([...back.keys()]).toEqual(['a/kernel', 'step', 'empty']);
    expect(back.get('a/kernel')).toEqual(tensors.get('a/kernel'));
    expect(back.get('step')!.values).toBeInstanceOf(Int32Array);
    expect(back.get('step')).toEqual(tensors.get('step'));
    // A buffer at an odd offset inside a larger allocation still reads.
    const shifted = Buffer.concat([Buffer.alloc(3), buf]).subarray(3);
    expect(deserializeTensors(shifted).get('a/kernel')).toEqual(tensors.get('a/kernel'));
  });

  it('reports truncation, trailing bytes and foreign files clearly', () => {
    const buf = serializeTensors(tensors);
    const cut = thrown(() => deserializeTensors(buf.subarray(0, buf.length - 2)));
    expect(cut.message).toMatch(/^tensor file: truncated: 'step' needs bytes \d+\.\.\d+, the file has \d+$/);
    expect(cut.tensor).toBe('step');
    expect(thrown(() => deserializeTensors(buf.subarray(0, 20))).message).toMatch(/truncated in the header/);
    expect(thrown(() => deserializeTensors(Buffer.concat([buf, Buffer.alloc(1)]))).message).toMatch(/trailing garbage/);
    expect(thrown(() => deserializeTensors(Buffer.from('{"not":"tensors"}'))).message).toMatch(/not a kiln tensor file/);
  });
});

describe('training state', () => {
  it('refuses a state from a different config, naming the tensor and shapes', () => {
    const wide = { ...TINY, hidden_size: 32 };
    const opt = adamWOf({}, 10);
    const source = createBertModel(wide, 1);
    const sourceOpt = new AdamW(source.variables, opt);
    const state = exportTrainingState(source, sourceOpt, {});
    const target = createBertModel(TINY, 1);
    const targetOpt = new AdamW(target.variables, opt);
    const err = thrown(() => importTrainingState(target, targetOpt, state));
    expect(err.message).toBe(
      "checkpoint tensor 'embeddings/word_embeddings' has shape [50,32], the model expects [50,16]; " +
        'config differs: hidden_size 32 (checkpoint) vs 16 (model)',
    );
    expect(err.tensor).toBe('embeddings/word_embeddings');

    const sameShapes = exportTrainingState(createBertModel({ ...TINY, hidden_dropout: 0 }, 1), targetOpt, {});
    expect(thrown(() => importTrainingState(target, targetOpt, sameShapes)).message).toBe(
      'checkpoint was written for a different model config: hidden_dropout 0 (checkpoint) vs 0.1 (model)',
    );
    const missing = exportTrainingState(target, targetOpt, {});
    missing.tensors.delete('optimizer/v/pooler/dense/bias');
    expect(thrown(() => importTrainingState(target, targetOpt, missing)).tensor).toBe('optimizer/v/pooler/dense/bias');
    sourceOpt.dispose();
    targetOpt.dispose();
    disposeBertModel(source);
    disposeBertModel(target);
  });
});
