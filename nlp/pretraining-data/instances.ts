// Instances from one document, with google-research/bert's create_instances_from_document semantics: sentences
// are gathered into a chunk up to a target length; A is the chunk's first 1+ sentences; B is the rest of the chunk
// or (50%, and always for a one-sentence chunk) a random other document's sentences; the pair is truncated to fit.
import type { CounterRng } from '../bert/rng';
import { newInstance, type Instance } from './instance';
import { Masker, type MaskingConfig } from './masking';
import { documentRng, randint, uniform } from './random';
import type { TokenStore } from './token-store';

export interface BuilderConfig extends MaskingConfig {
  maxSeqLength: number;
  shortSeqProb: number;
  seed: number;
  clsId: number;
  sepId: number;
}

/** Tries at drawing a random document other than the current one, as in google's script. */
const RANDOM_DOCUMENT_TRIES = 10;

export class InstanceBuilder {
  private readonly instance: Instance;
  private readonly masker: Masker;
  private readonly isSpecial: Uint8Array;
  private readonly wordStart: Uint8Array;

  /** `docs`: the split's documents (store indices); random next sentences come from them only. */
  constructor(
    private readonly store: TokenStore,
    private readonly docs: Int32Array,
    private readonly config: BuilderConfig,
  ) {
    this.instance = newInstance(config.maxSeqLength, config.maxPredictionsPerSeq);
    this.masker = new Masker(config, config.maxSeqLength);
    this.isSpecial = new Uint8Array(config.maxSeqLength);
    this.wordStart = new Uint8Array(config.maxSeqLength);
  }

  /**
   * Calls `emit` for each instance of `docs[k]` in duplicate `duplicate`. The instance is scratch space, valid
   * only during the call. Every draw comes from the stream of (seed, duplicate, document).
   */
  build(duplicate: number, k: number, emit: (instance: Instance) => void): void {
    const { store, config } = this;
    const { sentenceStart, docStart } = store;
    const doc = this.docs[k]!;
    const rng = documentRng(config.seed, duplicate, doc);
    const maxTokens = config.maxSeqLength - 3; // [CLS], [SEP], [SEP]
    // Usually fill the sequence; sometimes aim shorter, so pretraining also sees the short inputs of fine-tuning.
    let target = maxTokens;
    if (uniform(rng) < config.shortSeqProb) target = randint(rng, 2, maxTokens);

    const last = docStart[doc + 1]! - 1;
    let chunkStart = docStart[doc]!;
    let i = chunkStart;
    while (i <= last) {
      const chunkTokens = sentenceStart[i + 1]! - sentenceStart[chunkStart]!;
      if (i === last || chunkTokens >= target) {
        const chunkSentences = i - chunkStart + 1;
        const aSentences = chunkSentences >= 2 ? randint(rng, 1, chunkSentences - 1) : 1;
        let aLo = sentenceStart[chunkStart]!;
        let aHi = sentenceStart[chunkStart + aSentences]!;
        let bLo: number;
        let bHi: number;
        const isRandomNext = chunkSentences === 1 || uniform(rng) < 0.5;
        if (isRandomNext) {
          [bLo, bHi] = this.randomContinuation(doc, target - (aHi - aLo), rng);
          // The chunk's sentences after A were not used: the next chunk starts with them.
          i -= chunkSentences - aSentences;
        } else {
          bLo = aHi;
          bHi = sentenceStart[i + 1]!;
        }
        // Truncate the longer side (A on ties), from the front or the back at random, to avoid biases.
        while (aHi - aLo + (bHi - bLo) > maxTokens) {
          const front = uniform(rng) < 0.5;
          if (aHi - aLo >= bHi - bLo) {
            if (front) aLo++;
            else aHi--;
          } else if (front) bLo++;
          else bHi--;
        }
        this.assemble(aLo, aHi, bLo, bHi, isRandomNext);
        this.masker.mask(this.instance, this.isSpecial, this.wordStart, rng);
        emit(this.instance);
        chunkStart = i + 1;
      }
      i++;
    }
  }

  /** Token range of a random other document's sentences from a random one on, until `targetLength` tokens. */
  private randomContinuation(doc: number, targetLength: number, rng: CounterRng): [number, number] {
    const { sentenceStart, docStart } = this.store;
    let other = doc;
    for (let t = 0; t < RANDOM_DOCUMENT_TRIES && other === doc; t++) other = this.docs[randint(rng, 0, this.docs.length - 1)]!;
    const end = docStart[other + 1]!;
    const start = randint(rng, docStart[other]!, end - 1);
    let s = start + 1;
    while (s < end && sentenceStart[s]! - sentenceStart[start]! < targetLength) s++;
    return [sentenceStart[start]!, sentenceStart[s]!];
  }

  /** [CLS] A [SEP] B [SEP] into the scratch instance, with segment ids, special and word-start flags. */
  private assemble(aLo: number, aHi: number, bLo: number, bHi: number, isRandomNext: boolean): void {
    const { instance, isSpecial, wordStart, store, config } = this;
    const { inputIds, segmentIds } = instance;
    let p = 0;
    const put = (id: number, segment: number, special: number, start: number): void => {
      inputIds[p] = id;
      segmentIds[p] = segment;
      isSpecial[p] = special;
      wordStart[p] = start;
      p++;
    };
    put(config.clsId, 0, 1, 1);
    // A truncated word's first remaining piece starts a word: whole-word groups never reach across [CLS]/[SEP].
    for (let t = aLo; t < aHi; t++) put(store.ids[t]!, 0, 0, t === aLo ? 1 : store.wordStart[t]!);
    put(config.sepId, 0, 1, 1);
    for (let t = bLo; t < bHi; t++) put(store.ids[t]!, 1, 0, t === bLo ? 1 : store.wordStart[t]!);
    put(config.sepId, 1, 1, 1);
    instance.length = p;
    instance.isRandomNext = isRandomNext;
  }
}
