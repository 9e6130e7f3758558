// Generated from schemas/ by `npm run gen:types` (compiler/step-inputs-types.ts): edit the schemas, not this file.

import type { Json } from '../contract/json';

/** A reference to an artifact in the content-addressed store; step outputs carry these, never the data. Step schemas declare an artifact input as { "$ref": "../artifact.schema.json", "x-kiln-kind": "corpus" }. */
export type ArtifactRef = {
  uri: string;
  /** corpus, tokenizer, pretraining-data, model, metrics, report, ... */
  kind: string;
  /** of the file or, for a directory, of its manifest */
  digest: string;
  bytes: number;
  meta: {
    [key: string]: Json;
  };
};

/** bert/evaluate@v1: Evaluate a model and gate the pipeline on the result: a fine-tuned classifier on a labelled split (accuracy, macro-F1, per-label precision/recall/F1, confusion matrix, latency), or a pretrained encoder on pretraining data (masked-LM accuracy, perplexity, next-sentence accuracy). The JSON report is stored first; a missed gate then fails the step with GateFailed, naming each missed bound. */
export type BertEvaluateInputs = {
  /** what to evaluate */
  model: ArtifactRef;
  /** what to evaluate on */
  dataset: ArtifactRef;
  /** optional with a classifier (it carries its labels.json): when given, it must name the same labels in the same order */
  labels?: ArtifactRef;
  /** pretraining data only: which of its splits to evaluate on */
  split: 'validation' | 'train';
  /** examples per forward pass */
  batch_size: number;
  /** evaluate only the first max_batches × batch_size examples; all when absent */
  max_batches?: number;
  /** bounds the metrics must meet, else the step fails with GateFailed after writing the report. Classification splits have accuracy, macro_f1, macro_precision, macro_recall, loss, latency_ms; pretraining data has mlm_accuracy, mlm_loss, perplexity, nsp_accuracy, nsp_loss, loss, latency_ms */
  gate: {
    /** lower bounds, for score-like metrics, e.g. { accuracy: 0.8 } */
    min?: {
      /** classification: fraction of examples labelled correctly */
      accuracy?: number;
      /** classification: F1 averaged over the labels present in gold or predictions */
      macro_f1?: number;
      /** classification: precision averaged over those labels */
      macro_precision?: number;
      /** classification: recall averaged over those labels */
      macro_recall?: number;
      /** pretraining data: masked tokens predicted correctly */
      mlm_accuracy?: number;
      /** pretraining data: next-sentence labels predicted correctly */
      nsp_accuracy?: number;
      /** mean cross-entropy (pretraining data: masked-LM + next-sentence) */
      loss?: number;
      /** pretraining data: masked-LM cross-entropy */
      mlm_loss?: number;
      /** pretraining data: next-sentence cross-entropy */
      nsp_loss?: number;
      /** pretraining data: exp(mlm_loss) */
      perplexity?: number;
      /** forward time per example in milliseconds, in batches of batch_size */
      latency_ms?: number;
    };
    /** upper bounds, for loss-like metrics, e.g. { perplexity: 50 } */
    max?: {
      /** classification: fraction of examples labelled correctly */
      accuracy?: number;
      /** classification: F1 averaged over the labels present in gold or predictions */
      macro_f1?: number;
      /** classification: precision averaged over those labels */
      macro_precision?: number;
      /** classification: recall averaged over those labels */
      macro_recall?: number;
      /** pretraining data: masked tokens predicted correctly */
      mlm_accuracy?: number;
      /** pretraining data: next-sentence labels predicted correctly */
      nsp_accuracy?: number;
      /** mean cross-entropy (pretraining data: masked-LM + next-sentence) */
      loss?: number;
      /** pretraining data: masked-LM cross-entropy */
      mlm_loss?: number;
      /** pretraining data: next-sentence cross-entropy */
      nsp_loss?: number;
      /** pretraining data: exp(mlm_loss) */
      perplexity?: number;
      /** forward time per example in milliseconds, in batches of batch_size */
      latency_ms?: number;
    };
  };
  /** TF.js backend; auto picks tfjs-node-gpu (with a GPU), tfjs-node, wasm, then cpu */
  backend: 'auto' | 'wasm' | 'cpu' | 'tfjs-node' | 'tfjs-node-gpu';
};

/** The keys of bert/evaluate@v1 that have defaults, as a step that sets none of them gets them. */
export type BertEvaluateDefaults = Pick<BertEvaluateInputs, 'split' | 'batch_size' | 'gate' | 'backend'>;

/** bert/finetune@v1: Fine-tune a BERT for sequence classification: a dense layer on the pooled [CLS] vector of a pretrained encoder (or a fresh one, to measure what pretraining is worth), AdamW with warmup then linear decay, evaluation on the validation split with early stopping, periodic checkpoints and exact resume. The best-on-validation weights are saved. */
export type BertFinetuneInputs = {
  /** the encoder to start from: a pretrained model, or { from_scratch: {...} } for random weights */
  model: ArtifactRef | {
    /** the architecture; defaults are BERT-tiny (L2 H128 A2) */
    from_scratch: {
      /** width of every token vector; a multiple of num_heads */
      hidden_size: number;
      /** transformer encoder layers */
      num_layers: number;
      /** attention heads; must divide hidden_size */
      num_heads: number;
      /** feed-forward width, usually 4 × hidden_size */
      intermediate_size: number;
      /** longest sequence the model can take; at least max_seq_length */
      max_position_embeddings: number;
      /** segment ids (text, text_pair) */
      type_vocab_size: number;
      /** dropout on embeddings, attention and feed-forward outputs, and the pooled vector */
      hidden_dropout: number;
      /** dropout on attention probabilities */
      attention_dropout: number;
      /** std of the truncated-normal weight initialiser */
      initializer_range: number;
    };
  };
  /** required with from_scratch; with a pretrained model it must have the model's vocab_size (the model's own tokenizer is the default) */
  tokenizer?: ArtifactRef;
  /** the examples to train on (dataset/load@v1's train) */
  train: ArtifactRef;
  /** the examples early stopping watches (dataset/load@v1's validation); must not be empty */
  validation: ArtifactRef;
  /** the label names of the splits' ids (dataset/load@v1's labels); saved with the classifier */
  labels: ArtifactRef;
  /** passes over the training split; early stopping may end sooner */
  epochs: number;
  /** examples per update; the last batch of an epoch may be smaller */
  batch_size: number;
  /** tokens per example including [CLS] and [SEP]; longer texts are cut (a pair loses tokens from its longer text first, as BERT does). At most the model's max_position_embeddings */
  max_seq_length: number;
  /** AdamW with global-norm clipping and a linear warmup + linear decay schedule over all epochs */
  optimizer: {
    /** peak rate, reached after warmup. 5e-4 suits tiny encoders (BERT-tiny learns sentiment-sentences to ~0.8 in 3 epochs from 3e-4 to 1e-3, worse outside); BERT-base fine-tunes at 2e-5 to 5e-5 */
    learning_rate: number;
    /** linear warmup length; default 10% of all steps */
    warmup_steps?: number;
    /** decoupled weight decay; never on LayerNorm weights or biases */
    weight_decay: number;
    /** first-moment decay */
    beta1: number;
    /** second-moment decay */
    beta2: number;
    /** added to the denominator (google-research/bert's value) */
    epsilon: number;
    /** global gradient-norm clip; 0 disables it */
    clip_norm: number;
  };
  /** training stops when the validation metric has not improved for `patience` evaluations; the best evaluation's weights are saved either way */
  early_stopping: {
    /** evaluations without improvement (one per epoch unless eval_every is set) before stopping; 0 never stops early */
    patience: number;
    /** what "improved" means: higher validation accuracy (ties broken by lower loss) or lower validation loss */
    metric: 'accuracy' | 'loss';
  };
  /** steps between validation passes; 0: after every epoch (and always after the last step) */
  eval_every: number;
  /** steps between checkpoints (one is also written at the end and on cancellation) */
  checkpoint_every: number;
  /** how many of the newest checkpoints stay on disk */
  keep_checkpoints: number;
  /** steps averaged into one line of metrics */
  log_every: number;
  /** TF.js backend; auto picks tfjs-node-gpu (with a GPU), tfjs-node, wasm, then cpu. Exact resume holds on the same backend */
  backend: 'auto' | 'wasm' | 'cpu' | 'tfjs-node' | 'tfjs-node-gpu';
  /** the classifier head, data order and dropout (and a from-scratch encoder) derive from it */
  seed: number;
};

/** The keys of bert/finetune@v1 that have defaults, as a step that sets none of them gets them. */
export type BertFinetuneDefaults = Pick<BertFinetuneInputs, 'epochs' | 'batch_size' | 'max_seq_length' | 'optimizer' | 'early_stopping' | 'eval_every' | 'checkpoint_every' | 'keep_checkpoints' | 'log_every' | 'backend' | 'seed'>;

/** bert/pretrain@v1: Pretrain a BERT with masked-LM and next-sentence prediction (AdamW, warmup then linear decay, gradient clipping) on pretraining data, with periodic checkpoints and exact resume after interruptions. */
export type BertPretrainInputs = {
  /** the training and validation instances (bert/pretraining-data's data) */
  data: ArtifactRef;
  /** the tokenizer the data was made with; the model's vocab_size is its size, and it is saved with the model */
  tokenizer: ArtifactRef;
  /** the architecture; defaults are BERT-tiny (L2 H128 A2). vocab_size comes from the tokenizer */
  model: {
    /** width of every token vector; a multiple of num_heads */
    hidden_size: number;
    /** transformer encoder layers */
    num_layers: number;
    /** attention heads; must divide hidden_size */
    num_heads: number;
    /** feed-forward width, usually 4 × hidden_size */
    intermediate_size: number;
    /** longest sequence the model can take; at least the data's max_seq_length */
    max_position_embeddings: number;
    /** segment ids (sentence A, sentence B) */
    type_vocab_size: number;
    /** dropout on embeddings, attention and feed-forward outputs */
    hidden_dropout: number;
    /** dropout on attention probabilities */
    attention_dropout: number;
    /** std of the truncated-normal weight initialiser */
    initializer_range: number;
  };
  /** sequences per update; at most the number of training instances */
  batch_size: number;
  /** updates to train for; the learning rate decays to 0 at the last */
  steps: number;
  /** AdamW with global-norm clipping and a linear warmup + linear decay schedule */
  optimizer: {
    /** peak rate, reached after warmup; 1e-3 suits tiny models (BERT-base used 1e-4) */
    learning_rate: number;
    /** linear warmup length; default 10% of steps */
    warmup_steps?: number;
    /** decoupled weight decay; never on LayerNorm weights or biases */
    weight_decay: number;
    /** first-moment decay */
    beta1: number;
    /** second-moment decay */
    beta2: number;
    /** added to the denominator (google-research/bert's value) */
    epsilon: number;
    /** global gradient-norm clip; 0 disables it */
    clip_norm: number;
  };
  /** steps between checkpoints (one is also written at the end and on cancellation) */
  checkpoint_every: number;
  /** how many of the newest checkpoints stay on disk */
  keep_checkpoints: number;
  /** steps between validation passes; 0: only after the last step */
  eval_every: number;
  /** validation batches per pass, always the first ones of the validation split */
  eval_batches: number;
  /** steps averaged into one line of metrics */
  log_every: number;
  /** TF.js backend; auto picks tfjs-node-gpu (with a GPU), tfjs-node, wasm, then cpu. Exact resume holds on the same backend */
  backend: 'auto' | 'wasm' | 'cpu' | 'tfjs-node' | 'tfjs-node-gpu';
  /** weights, data order and dropout all derive from it */
  seed: number;
};

/** The keys of bert/pretrain@v1 that have defaults, as a step that sets none of them gets them. */
export type BertPretrainDefaults = Pick<BertPretrainInputs, 'model' | 'batch_size' | 'optimizer' | 'checkpoint_every' | 'keep_checkpoints' | 'eval_every' | 'eval_batches' | 'log_every' | 'backend' | 'seed'>;

/** bert/pretraining-data@v1: Turn a corpus into masked-LM + next-sentence-prediction pretraining instances with google-research/bert's semantics, written as sharded binary files with a manifest. */
export type BertPretrainingDataInputs = {
  /** the text in BERT's document format: one sentence per line, a blank line between documents (corpus/download's corpus) */
  corpus: ArtifactRef;
  /** the tokenizer whose ids the instances hold (tokenizer/wordpiece's tokenizer) */
  tokenizer: ArtifactRef;
  /** tokens per instance, [CLS] and both [SEP]s included; shorter instances are padded */
  max_seq_length: number;
  /** chance that a document's instances aim at a random length below max_seq_length, to resemble short fine-tuning inputs */
  short_seq_prob: number;
  /** share of each instance's tokens to predict; each chosen token becomes [MASK] 80% of the time, a random token 10%, stays 10% */
  masked_lm_prob: number;
  /** the most masked-LM predictions per instance (at most max_seq_length - 3) */
  max_predictions_per_seq: number;
  /** how many times the corpus is turned into instances, each time with other masks and sentence splits */
  dupe_factor: number;
  /** mask all word pieces of a word together instead of pieces independently */
  whole_word_mask: boolean;
  /** chance that a document is held out for the validation split; whole documents go to one split */
  validation_fraction: number;
  /** every random choice (targets, splits, masks, held-out documents) derives from it; the same seed gives byte-identical data */
  seed: number;
  /** instances per shard file; the instances do not depend on it */
  shard_size: number;
};

/** The keys of bert/pretraining-data@v1 that have defaults, as a step that sets none of them gets them. */
export type BertPretrainingDataDefaults = Pick<BertPretrainingDataInputs, 'max_seq_length' | 'short_seq_prob' | 'masked_lm_prob' | 'max_predictions_per_seq' | 'dupe_factor' | 'whole_word_mask' | 'validation_fraction' | 'seed' | 'shard_size'>;

/** corpus/download@v1: Fetch text from URLs, local files or built-in datasets and write it in BERT's document format: one sentence per line, a blank line between documents. */
export type CorpusDownloadInputs = {
  /** Where the text comes from; documents of all sources are concatenated in this order. */
  sources: Array<{
    /** http:// or https:// address */
    url: string;
    /** expected sha256 of the downloaded bytes; a mismatch fails the step without retrying */
    sha256?: string;
    /** text: prose; blank lines separate paragraphs, two or more blank lines in a row separate documents, sentences are split by rule. documents: already BERT's format, one sentence per line, a blank line between documents */
    format: 'text' | 'documents';
  } | {
    /** path of the file */
    file: string;
    /** expected sha256 of the file's bytes; a mismatch fails the step without retrying */
    sha256?: string;
    /** text: prose; blank lines separate paragraphs, two or more blank lines in a row separate documents, sentences are split by rule. documents: already BERT's format, one sentence per line, a blank line between documents */
    format: 'text' | 'documents';
  } | {
    dataset: 'sotu' | 'brown' | 'moby-dick';
    /** keep only the first N documents (for quick runs) */
    limit?: number;
  }>;
  /** drop sentences shorter than this many characters (after whitespace normalisation) */
  min_sentence_chars: number;
};

/** The keys of corpus/download@v1 that have defaults, as a step that sets none of them gets them. */
export type CorpusDownloadDefaults = Pick<CorpusDownloadInputs, 'min_sentence_chars'>;

/** dataset/load@v1: Labelled text for fine-tuning from csv, tsv or jsonl files, URLs or a built-in dataset: empty texts and duplicates dropped (and counted), labels mapped to ids, a deterministic stratified train/validation/test split. */
export type DatasetLoadInputs = {
  /** Where the examples come from; all sources are read, in this order, into one dataset before it is split. */
  sources: Array<{
    /** http:// or https:// address */
    url: string;
    /** expected sha256 of the bytes; a mismatch fails the step without retrying */
    sha256?: string;
  } | {
    /** path of the file */
    file: string;
    /** expected sha256 of the bytes; a mismatch fails the step without retrying */
    sha256?: string;
  } | {
    dataset: 'sentiment-sentences';
    /** which review sites to take sentences from */
    subsets: Array<'imdb' | 'yelp' | 'amazon'>;
  }>;
  /** format of every file and url source; when absent, each one's extension (.csv, .tsv, .jsonl, optionally .gz) says. csv and tsv need a header row and follow RFC 4180 quoting; jsonl holds one JSON object per line */
  format?: 'csv' | 'tsv' | 'jsonl';
  /** the column (csv/tsv) or key (jsonl) that holds the text */
  text_field: string;
  /** for sentence-pair tasks: the column or key that holds the second text */
  text_pair_field?: string;
  /** the column or key that holds the label: a class name or number; every example needs one */
  label_field: string;
  /** Fractions of each label held out (validation + test must be < 1) and the seed of the order they are cut from: the same data and seed always give the same split, whatever the row order. */
  split: {
    /** fraction of each label for validation */
    validation: number;
    /** fraction of each label for test */
    test: number;
    /** seed of the split */
    seed: number;
  };
};

/** The keys of dataset/load@v1 that have defaults, as a step that sets none of them gets them. */
export type DatasetLoadDefaults = Pick<DatasetLoadInputs, 'text_field' | 'label_field' | 'split'>;

/** metrics/record@v1: Append a run's metrics, with the time, the run and the model evaluated, to a metrics history ($KILN_HOME/metrics/NAME.jsonl; `kiln metrics history NAME` shows the trend), then compare each checked metric with the best value recorded before: a drop larger than its max_drop fails the step with GateFailed, after the record is kept. A retry of the same run's step does not record twice. Not cached by default: every run is a new point of the history. */
export type MetricsRecordInputs = {
  /** the history to append to; it starts with its first record */
  name: string;
  /** metric → number, usually bert/evaluate@v1's metrics output (${{ steps.evaluate.outputs.metrics }}) */
  metrics: {
    [key: string]: number;
  };
  /** lineage recorded with the metrics, usually model/resolve@v1's version output ({ name, version, alias, digest }) */
  model?: Json;
  /** metric → how far below the best recorded value it may fall (absolute, e.g. { accuracy: 0.02 }); for lower-is-better metrics, how far above. Metrics not listed are recorded but not checked */
  max_drop: {
    [key: string]: number;
  };
  /** metric → direction, overriding the default: metrics whose name contains loss, perplexity or latency are lower-is-better, all others higher-is-better */
  higher_is_better: {
    [key: string]: boolean;
  };
};

/** The keys of metrics/record@v1 that have defaults, as a step that sets none of them gets them. */
export type MetricsRecordDefaults = Pick<MetricsRecordInputs, 'max_drop' | 'higher_is_better'>;

/** model/deploy@v1: Register a model in the local registry ($KILN_HOME/models/NAME/VERSION: the model files, its model card's metrics and its lineage), smoke-test that version through a running `kiln serve` (starting one if none runs), and only then move the alias. A failed smoke test leaves the alias, and so what is served, unchanged. */
export type ModelDeployInputs = {
  /** the model to deploy: a classifier (bert/finetune's model, served at /predict) or a pretrained encoder (bert/pretrain's model, served at /fill-mask) */
  model: ArtifactRef;
  /** the registry name; versions are numbered 1, 2, 3... per name, and clients ask for NAME, NAME:VERSION or NAME@ALIAS */
  name: string;
  /** the alias moved to the new version once its smoke test passes; requests for plain NAME go to `production` */
  alias: string;
  /** what the new version must answer before the alias moves */
  smoke_test?: {
    /** texts sent to the new version; the answer must have a label from the model's label set and probabilities summing to 1 (encoders: each text needs a [MASK] and gets candidates for it). Default: two fixed sentences */
    texts?: string[];
  };
  /** where to start `kiln serve` if none runs for this KILN_HOME ($KILN_HOME/serve.json); a running one is used wherever it listens */
  serve: {
    /** interface to listen on */
    host: string;
    /** port to listen on */
    port: number;
  };
};

/** The keys of model/deploy@v1 that have defaults, as a step that sets none of them gets them. */
export type ModelDeployDefaults = Pick<ModelDeployInputs, 'alias' | 'serve'>;

/** model/import@v1: Import a Hugging Face BERT (model_type 'bert': config.json, model.safetensors, and tokenizer.json or vocab.txt) from a local directory or a base URL, as a kiln model artifact that bert/finetune@v1, model/deploy@v1 and kiln serve take unchanged, plus its tokenizer. A sentence-transformers model (modules.json, e.g. all-MiniLM-L6-v2) keeps its pooling for embeddings. Heads the checkpoint lacks (masked-LM, next-sentence, pooler) are reported; any other missing, extra or misshapen weight fails the step, naming it. */
export type ModelImportInputs = {
  /** a local Hugging Face model directory (relative to the pipeline file), e.g. the one `kiln setup minilm` prints; the cache key covers every file in it */
  path?: string;
  /** a base URL serving the model's files (e.g. https://huggingface.co/ORG/NAME/resolve/REVISION): config.json, model.safetensors, tokenizer.json or vocab.txt, and modules.json with its pooling config when the model has one. Downloads resume across retries */
  url?: string;
  /** expected sha256 per file, by its path in the model directory (e.g. { model.safetensors: ... }); a mismatch fails the step without retrying. Pin the files of a url this way */
  sha256?: {
    [key: string]: string;
  };
} & ({ path: string } | { url: string });

/** The keys of model/import@v1 that have defaults, as a step that sets none of them gets them. */
export type ModelImportDefaults = Pick<ModelImportInputs, never>;

/** model/resolve@v1: Look up a registered classifier in the local model registry ($KILN_HOME/models) by alias (default production) or version, and hand it on as a classifier artifact, byte for byte the one that was deployed (same digest, so steps downstream hit their cache while the alias stays put). Not cached by default: the alias can move between runs. */
export type ModelResolveInputs = {
  /** the registry name (model/deploy@v1's name) */
  name: string;
  /** the alias to follow, e.g. production or staging; production when neither alias nor version is set (not both) */
  alias?: string;
  /** a fixed version instead of an alias */
  version?: number;
};

/** The keys of model/resolve@v1 that have defaults, as a step that sets none of them gets them. */
export type ModelResolveDefaults = Pick<ModelResolveInputs, never>;

/** tokenizer/wordpiece@v1: Train a WordPiece vocab on a corpus, or load an existing vocab.txt, and package it with BERT's normalisation settings as a tokenizer. */
export type TokenizerWordpieceInputs = {
  /** the text to train on, one text per line (e.g. corpus/download's corpus); optional with `vocab`, where it only feeds the stats */
  corpus?: ArtifactRef;
  /** an existing vocab.txt (one token per line, relative to the pipeline file); no training then. It must contain [PAD] [UNK] [CLS] [SEP] [MASK] */
  vocab?: string;
  /** the most tokens the trained vocab may have, special tokens included */
  vocab_size: number;
  /** characters and pairs seen fewer times in the corpus do not enter the vocab */
  min_frequency: number;
  /** lowercase text before tokenising (an uncased model) */
  lowercase: boolean;
  /** remove accents (NFD, then drop nonspacing marks); null: same as lowercase, BERT's convention */
  strip_accents: boolean | null;
  /** make each CJK ideograph a word of its own */
  handle_chinese_chars: boolean;
  /** drop control characters and turn all whitespace into spaces */
  clean_text: boolean;
} & ({ corpus: ArtifactRef } | { vocab: string });

/** The keys of tokenizer/wordpiece@v1 that have defaults, as a step that sets none of them gets them. */
export type TokenizerWordpieceDefaults = Pick<TokenizerWordpieceInputs, 'vocab_size' | 'min_frequency' | 'lowercase' | 'strip_accents' | 'handle_chinese_chars' | 'clean_text'>;

/** Every step type's `with`, by type name. */
export interface StepInputs {
  'bert/evaluate@v1': BertEvaluateInputs;
  'bert/finetune@v1': BertFinetuneInputs;
  'bert/pretrain@v1': BertPretrainInputs;
  'bert/pretraining-data@v1': BertPretrainingDataInputs;
  'corpus/download@v1': CorpusDownloadInputs;
  'dataset/load@v1': DatasetLoadInputs;
  'metrics/record@v1': MetricsRecordInputs;
  'model/deploy@v1': ModelDeployInputs;
  'model/import@v1': ModelImportInputs;
  'model/resolve@v1': ModelResolveInputs;
  'tokenizer/wordpiece@v1': TokenizerWordpieceInputs;
}

/** Every step type's defaulted keys, by type name. */
export interface StepDefaults {
  'bert/evaluate@v1': BertEvaluateDefaults;
  'bert/finetune@v1': BertFinetuneDefaults;
  'bert/pretrain@v1': BertPretrainDefaults;
  'bert/pretraining-data@v1': BertPretrainingDataDefaults;
  'corpus/download@v1': CorpusDownloadDefaults;
  'dataset/load@v1': DatasetLoadDefaults;
  'metrics/record@v1': MetricsRecordDefaults;
  'model/deploy@v1': ModelDeployDefaults;
  'model/import@v1': ModelImportDefaults;
  'model/resolve@v1': ModelResolveDefaults;
  'tokenizer/wordpiece@v1': TokenizerWordpieceDefaults;
}
