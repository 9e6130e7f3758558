// Stage 4: BERT's template: [CLS] A [SEP] for one sequence, [CLS] A [SEP] B [SEP] for a pair.

export interface Encoding {
  ids: number[];
  tokens: string[];
  /** 0 for [CLS], A and its [SEP]; 1 for B and its [SEP] (BERT's token_type_ids). */
  segmentIds: number[];
}

export interface Pieces {
  ids: readonly number[];
  tokens: readonly string[];
}

export class PostProcessor {
  constructor(
    private readonly cls: { id: number; token: string },
    private readonly sep: { id: number; token: string },
  ) {}

  /** How many special tokens `process` adds: callers truncating to a length budget need it. */
  addedTokens(pair: boolean): number {
    return pair ? 3 : 2;
  }

  process(a: Pieces, b?: Pieces): Encoding {
    const { cls, sep } = this;
    // concat rather than spreads: a long text has more pieces than a call may take arguments.
    let ids = [cls.id].concat(a.ids, [sep.id]);
    let tokens = [cls.token].concat(a.tokens, [sep.token]);
    let segmentIds = new Array<number>(ids.length).fill(0);
    if (b) {
      ids = ids.concat(b.ids, [sep.id]);
      tokens = tokens.concat(b.tokens, [sep.token]);
      segmentIds = segmentIds.concat(new Array<number>(b.ids.length + 1).fill(1));
    }
    return { ids, tokens, segmentIds };
  }
}
