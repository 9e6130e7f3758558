// kiln's BERT weight names (nlp/bert/params.ts, nlp/finetune/model.ts) ↔ Hugging Face's (transformers' BertModel,
// BertForPreTraining, BertForSequenceClassification). A PyTorch Linear stores its weight as [out, in], the transpose
// of kiln's kernel [in, out]; embedding tables and LayerNorm vectors are stored as they are.

export type HfWeightMapping = { kiln: string; transpose: boolean } | { ignore: string };

type Kind = 'dense' | 'layerNorm' | 'table' | 'vector';

interface Module {
  kiln: string;
  hf: string;
  kind: Kind;
  /** Part of the encoder, which models with heads nest under `bert.`. */
  encoder: boolean;
}

// `{i}` stands for a layer index.
const MODULES: Module[] = [
  { kiln: 'embeddings/word_embeddings', hf: 'embeddings.word_embeddings', kind: 'table', encoder: true },
  { kiln: 'embeddings/position_embeddings', hf: 'embeddings.position_embeddings', kind: 'table', encoder: true },
  { kiln: 'embeddings/token_type_embeddings', hf: 'embeddings.token_type_embeddings', kind: 'table', encoder: true },
  { kiln: 'embeddings/layer_norm', hf: 'embeddings.LayerNorm', kind: 'layerNorm', encoder: true },
  { kiln: 'encoder/layer_{i}/attention/query', hf: 'encoder.layer.{i}.attention.self.query', kind: 'dense', encoder: true },
  { kiln: 'encoder/layer_{i}/attention/key', hf: 'encoder.layer.{i}.attention.self.key', kind: 'dense', encoder: true },
  { kiln: 'encoder/layer_{i}/attention/value', hf: 'encoder.layer.{i}.attention.self.value', kind: 'dense', encoder: true },
  { kiln: 'encoder/layer_{i}/attention/output', hf: 'encoder.layer.{i}.attention.output.dense', kind: 'dense', encoder: true },
  { kiln: 'encoder/layer_{i}/attention/layer_norm', hf: 'encoder.layer.{i}.attention.output.LayerNorm', kind: 'layerNorm', encoder: true },
  { kiln: 'encoder/layer_{i}/intermediate', hf: 'encoder.layer.{i}.intermediate.dense', kind: 'dense', encoder: true },
  { kiln: 'encoder/layer_{i}/output', hf: 'encoder.layer.{i}.output.dense', kind: 'dense', encoder: true },
  { kiln: 'encoder/layer_{i}/output/layer_norm', hf: 'encoder.layer.{i}.output.LayerNorm', kind: 'layerNorm', encoder: true },
  { kiln: 'pooler/dense', hf: 'pooler.dense', kind: 'dense', encoder: true },
  { kiln: 'cls/predictions/transform/dense', hf: 'cls.predictions.transform.dense', kind: 'dense', encoder: false },
  { kiln: 'cls/predictions/transform/layer_norm', hf: 'cls.predictions.transform.LayerNorm', kind: 'layerNorm', encoder: false },
  { kiln: 'cls/predictions/output_bias', hf: 'cls.predictions.bias', kind: 'vector', encoder: false },
  { kiln: 'cls/seq_relationship', hf: 'cls.seq_relationship', kind: 'dense', encoder: false },
  { kiln: 'classifier', hf: 'classifier', kind: 'dense', encoder: false },
];

interface Leaf {
  kiln: string;
  /** The name kiln writes; then older spellings it also reads (LayerNorm's TensorFlow-era gamma/beta). */
  hf: string[];
  transpose: boolean;
  encoder: boolean;
}

function leaves({ kiln, hf, kind, encoder }: Module): Leaf[] {
  switch (kind) {
    case 'dense':
      return [
        { kiln: `${kiln}/kernel`, hf: [`${hf}.weight`], transpose: true, encoder },
        { kiln: `${kiln}/bias`, hf: [`${hf}.bias`], transpose: false, encoder },
      ];
    case 'layerNorm':
      return [
        { kiln: `${kiln}/gamma`, hf: [`${hf}.weight`, `${hf}.gamma`], transpose: false, encoder },
        { kiln: `${kiln}/beta`, hf: [`${hf}.bias`, `${hf}.beta`], transpose: false, encoder },
      ];
    case 'table':
      return [{ kiln, hf: [`${hf}.weight`], transpose: false, encoder }];
    case 'vector':
      return [{ kiln, hf: [hf], transpose: false, encoder }];
  }
}

const LEAVES = MODULES.flatMap(leaves);
const BY_KILN = new Map(LEAVES.map((leaf) => [leaf.kiln, leaf]));
const BY_HF = new Map(LEAVES.flatMap((leaf) => leaf.hf.map((name) => [name, leaf] as const)));

const IGNORED = new Map<string, string>([
  ['embeddings.position_ids', 'a buffer of position indices 0..max_position-1, not a weight'],
  ['cls.predictions.decoder.weight', 'tied to embeddings.word_embeddings.weight, which kiln reads instead'],
  ['cls.predictions.decoder.bias', 'the same values as cls.predictions.bias, which kiln reads instead'],
]);

const PREFIX = 'bert.';
const HF_LAYER = /^encoder\.layer\.(0|[1-9]\d*)\./;
const KILN_LAYER = /^encoder\/layer_(0|[1-9]\d*)\//;

/** What kiln makes of a Hugging Face weight name; undefined for a name it does not know. */
export function hfToKiln(name: string): HfWeightMapping | undefined {
  const prefixed = name.startsWith(PREFIX);
  const bare = prefixed ? name.slice(PREFIX.length) : name;
  const ignored = IGNORED.get(bare);
  if (ignored !== undefined && (!prefixed || bare === 'embeddings.position_ids')) return { ignore: ignored };
  const layer = HF_LAYER.exec(bare)?.[1];
  const leaf = BY_HF.get(layer === undefined ? bare : bare.replace(HF_LAYER, 'encoder.layer.{i}.'));
  if (leaf === undefined || (prefixed && !leaf.encoder) || (layer === undefined && leaf.kiln.includes('{i}'))) return undefined;
  return { kiln: layer === undefined ? leaf.kiln : leaf.kiln.replace('{i}', layer), transpose: leaf.transpose };
}

/** The Hugging Face name of a kiln weight; `prefix` nests the encoder under `bert.`, as models with heads do. */
export function kilnToHf(kilnName: string, { prefix }: { prefix: boolean }): { hf: string; transpose: boolean } {
  const layer = KILN_LAYER.exec(kilnName)?.[1];
  const leaf = BY_KILN.get(layer === undefined ? kilnName : kilnName.replace(KILN_LAYER, 'encoder/layer_{i}/'));
  if (leaf === undefined || (layer === undefined && leaf.kiln.includes('{i}'))) throw new Error(`kilnToHf: '${kilnName}' is not a BERT weight kiln knows`);
  const hf = layer === undefined ? leaf.hf[0]! : leaf.hf[0]!.replace('{i}', layer);
  return { hf: prefix && leaf.encoder ? `${PREFIX}${hf}` : hf, transpose: leaf.transpose };
}

/** [rows, cols] → [cols, rows]. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  if (values.length !== rows * cols) throw new Error(`transpose2d: ${values.length} values do not make [${rows}, ${cols}]`);
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  }
  return out;
}
