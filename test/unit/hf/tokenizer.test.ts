// Hugging Face tokenizer files read into kiln's terms, checked against the reference readers: the `tokenizers`
// package for tokenizer.json, transformers' BertTokenizer (its ids computed once, below) for vocab.txt.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { Tokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HfFormatError } from '../../../nlp/hf/errors';
import { readHfTokenizer, writeHfTokenizerFiles, type HfTokenizer } from '../../../nlp/hf/tokenizer';
import { BertTokenizer, tokenizerFromConfig } from '../../../nlp/tokenizer/tokenizer';
import { Vocab } from '../../../nlp/tokenizer/vocab';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/hf');
// Written by Python's tokenizers 0.23 (Tokenizer.save): WordPiece over 30 tokens ([PAD] 0 [unused0] 1 [UNK] 2 [CLS] 3
// [SEP] 4 [MASK] 5 ! 6 , 7 . 8 ? 9 ' 10 the 11 cat 12 sat 13 on 14 mat 15 un 16 ##aff 17 ##able 18 cafe 19 hello 20
// world 21 ##s 22 中 23 国 24 is 25 a 26 ##b 27 ##c 28 t 29), BertNormalizer (uncased), BertPreTokenizer, BERT's template.
const JSON_DIR = path.join(FIXTURES, 'tokenizer-json');
// A cased vocab.txt with a tokenizer_config.json as transformers saves it.
const VOCAB_DIR = path.join(FIXTURES, 'vocab-txt');
const TEXTS = ['The cat sat on the mat. Unaffable cafés!', "hello,world?? it's a cab", 'CAFÉ 中国 ab abc', '  \t\n', 'xyz-ish', 'Ünaffable!'];
const UNCASED = { lowercase: true, strip_accents: null, handle_chinese_chars: true, clean_text: true, special_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'], max_input_chars_per_word: 100 };

let tmp: string;
let fixtureJson: Record<string, unknown>;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-hf-tokenizer-'));
  fixtureJson = JSON.parse(await fs.readFile(path.join(JSON_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

let dirs = 0;
/** A fresh directory holding the given files (objects are written as JSON). */
async function dirWith(files: Record<string, unknown>): Promise<string> {
  const dir = path.join(tmp, `case-${++dirs}`);
  await fs.mkdir(dir);
  for (const [name, content] of Object.entries(files)) {
    await fs.writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an edit may reach anywhere into the file
type JsonEdit = (json: Record<string, any>) => void;

/** The fixture's tokenizer.json, changed by `edit`. */
function editedJson(edit: JsonEdit): Record<string, unknown> {
  const json = structuredClone(fixtureJson);
  edit(json);
  return json;
}

function kilnTokenizer(hf: HfTokenizer): BertTokenizer {
  return tokenizerFromConfig(Vocab.fromTokens(hf.tokens, hf.source), hf.config);
}

/** The one-line message, with the temporary directory as `<dir>`; the hint must be there too. */
async function refusal(dir: string): Promise<string> {
  const error = await readHfTokenizer(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HfFormatError);
  expect((error as HfFormatError).hint).toBeTruthy();
  expect((error as Error).message).not.toContain('\n');
  return (error as Error).message.replace(dir, '<dir>');
}

async function expectSameIds(dir: string, texts: string[]): Promise<void> {
  const reference = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  const ours = kilnTokenizer(await readHfTokenizer(dir));
  for (const text of texts) {
    const expected = await reference.encode(text, null, { addSpecialTokens: true });
    expect({ text, ids: ours.encode(text).ids }).toEqual({ text, ids: expected.getIds() });
  }
}

describe('readHfTokenizer: tokenizer.json', () => {
  it('reads the vocab, normaliser and WordPiece settings', async () => {
    const hf = await readHfTokenizer(JSON_DIR);
    expect(hf.source).toBe(path.join(JSON_DIR, 'tokenizer.json'));
    expect(hf.tokens.slice(0, 8)).toEqual(['[PAD]', '[unused0]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '!', ',']);
    expect(hf.config).toEqual({ ...UNCASED, vocab_size: 30 });
    expect(kilnTokenizer(hf).encode(TEXTS[0]!).ids).toEqual([3, 11, 12, 13, 14, 11, 15, 8, 16, 17, 18, 19, 22, 6, 4]);
  });

  it('tokenizes as the tokenizers package does with the same file, pairs included', async () => {
    await expectSameIds(JSON_DIR, TEXTS);
    const reference = await Tokenizer.fromFile(path.join(JSON_DIR, 'tokenizer.json')).encode('the cat', 'sat on a mat!');
    const ours = kilnTokenizer(await readHfTokenizer(JSON_DIR)).encode('the cat', 'sat on a mat!');
    expect({ ids: ours.ids, segmentIds: ours.segmentIds }).toEqual({ ids: reference.getIds(), segmentIds: reference.getTypeIds() });
  });

  it('reads special tokens written in the text as plain text, where tokenizers matches them (the one difference)', async () => {
    const reference = await Tokenizer.fromFile(path.join(JSON_DIR, 'tokenizer.json')).encode('a [MASK] b');
    expect(reference.getIds()).toEqual([3, 26, 5, 2, 4]);
    // As Google's BERT does: "[", "mask", "]" are three words, unknown to this vocab.
    expect(kilnTokenizer(await readHfTokenizer(JSON_DIR)).encode('a [MASK] b').ids).toEqual([3, 26, 2, 2, 2, 2, 4]);
  });

  it('takes the settings of a cased BertNormalizer, and of none at all', async () => {
    const cased = await dirWith({ 'tokenizer.json': editedJson((j) => (j.normalizer = { type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false, strip_accents: true, lowercase: false })) });
    expect((await readHfTokenizer(cased)).config).toMatchObject({ lowercase: false, strip_accents: true, handle_chinese_chars: false, clean_text: false });
    await expectSameIds(cased, [...TEXTS, 'the\u0007cat\u200bsat', 'cafés']);
    const none = await dirWith({ 'tokenizer.json': editedJson((j) => (j.normalizer = null)) });
    expect((await readHfTokenizer(none)).config).toMatchObject({ lowercase: false, strip_accents: false, handle_chinese_chars: false, clean_text: false });
    await expectSameIds(none, [...TEXTS, 'the\u0007cat\u00a0sat', 'cafés 中国']);
  });

  it('takes a Sequence of one BertNormalizer, BertPreTokenizer or BertProcessing as that component', async () => {
    const dir = await dirWith({
      'tokenizer.json': editedJson((j) => {
        j.normalizer = { type: 'Sequence', normalizers: [j.normalizer] };
        j.pre_tokenizer = { type: 'Sequence', pretokenizers: [j.pre_tokenizer] };
        j.post_processor = { type: 'Sequence', processors: [{ type: 'BertProcessing', sep: ['[SEP]', 4], cls: ['[CLS]', 3] }] };
      }),
    });
    expect((await readHfTokenizer(dir)).config).toEqual({ ...UNCASED, vocab_size: 30 });
    await expectSameIds(dir, TEXTS);
  });

  it('prefers tokenizer.json to vocab.txt, and accepts a tokenizer_config.json that agrees with it', async () => {
    const dir = await dirWith({
      'tokenizer.json': fixtureJson,
      'vocab.txt': '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n',
      'tokenizer_config.json': { do_lower_case: true, strip_accents: null, tokenize_chinese_chars: true, unk_token: { content: '[UNK]', __type: 'AddedToken' } },
    });
    expect((await readHfTokenizer(dir)).source).toBe(path.join(dir, 'tokenizer.json'));
  });

  it.each(['BPE', 'Unigram', 'WordLevel'])('refuses a %s model', async (type) => {
    const dir = await dirWith({ 'tokenizer.json': editedJson((j) => (j.model.type = type)) });
    expect(await refusal(dir)).toBe(`<dir>/tokenizer.json: model.type is "${type}": kiln's BERT tokenizer is WordPiece`);
  });

  it.each<[string, JsonEdit, string]>([
    ['another unknown token', (j) => (j.model.unk_token = '<unk>'), 'model.unk_token is "<unk>"; kiln\'s WordPiece uses "[UNK]"'],
    ['another subword prefix', (j) => (j.model.continuing_subword_prefix = '@@'), 'model.continuing_subword_prefix is "@@"; kiln\'s WordPiece uses "##"'],
    ['a bad max_input_chars_per_word', (j) => (j.model.max_input_chars_per_word = 0), 'model.max_input_chars_per_word must be a positive integer (got 0)'],
    ['a vocab with a gap', (j) => (j.model.vocab.t = 40), 'model.vocab: "t" has id 40; the 30 ids must be 0..29, without gaps'],
    ['a vocab with a shared id', (j) => (j.model.vocab.t = 28), 'model.vocab: "##c" and "t" share id 28'],
    ['a vocab with a fractional id', (j) => (j.model.vocab.t = 2.5), 'model.vocab: "t" has id 2.5; the 30 ids must be 0..29, without gaps'],
    ['a token vocab.txt cannot hold', (j) => (j.model.vocab = renamed(j.model.vocab, 't', 'a b\n')), 'model.vocab: token "a b\\n" (id 29) cannot be a line of vocab.txt'],
    ['a vocab without [MASK]', (j) => (j.model.vocab = renamed(j.model.vocab, '[MASK]', '[MSK]')), 'the vocab lacks [MASK]'],
    ['an added token that is not special', (j) => (j.added_tokens[0].special = false), 'added_tokens: "[PAD]" is not special; kiln\'s tokenizer splits text by its vocab alone'],
    ['an added token outside the vocab', (j) => j.added_tokens.push({ id: 30, content: '<new>', special: true }), 'added_tokens: "<new>" has id 30, which model.vocab does not give it'],
    ['another normaliser', (j) => (j.normalizer = { type: 'Lowercase' }), "normalizer is Lowercase; kiln's tokenizer normalises as BertNormalizer does"],
    ['a Sequence of normalisers', (j) => (j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] }), "normalizer is a Sequence of NFD, Lowercase, StripAccents; kiln's tokenizer normalises as BertNormalizer does"],
    ['a normaliser setting of the wrong type', (j) => (j.normalizer.lowercase = 'yes'), 'normalizer.lowercase must be true or false'],
    ['another pre-tokeniser', (j) => (j.pre_tokenizer = { type: 'Whitespace' }), "pre_tokenizer is Whitespace; kiln's tokenizer splits words as BertPreTokenizer does"],
    ['no pre-tokeniser', (j) => (j.pre_tokenizer = null), "pre_tokenizer is null; kiln's tokenizer splits words as BertPreTokenizer does"],
    ['no post-processor', (j) => (j.post_processor = null), 'post_processor is null; kiln encodes [CLS] A [SEP] and [CLS] A [SEP] B [SEP] (BertProcessing)'],
    ['RoBERTa\'s post-processor', (j) => (j.post_processor = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0] }), 'post_processor is RobertaProcessing; kiln encodes [CLS] A [SEP] and [CLS] A [SEP] B [SEP] (BertProcessing)'],
    ['another template', (j) => (j.post_processor.single = j.post_processor.single.slice(1)), "post_processor is a TemplateProcessing other than BERT's; kiln encodes [CLS] A [SEP] and [CLS] A [SEP] B [SEP] (BertProcessing)"],
    ['BertProcessing with other ids', (j) => (j.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] }), "post_processor is a BertProcessing other than BERT's; kiln encodes [CLS] A [SEP] and [CLS] A [SEP] B [SEP] (BertProcessing)"],
    ['no model', (j) => delete j.model, 'no "model" object: not a Hugging Face tokenizer.json'],
  ])('refuses %s', async (_, edit, message) => {
    const dir = await dirWith({ 'tokenizer.json': editedJson(edit) });
    expect(await refusal(dir)).toBe(`<dir>/tokenizer.json: ${message}`);
  });

  it('refuses files that are not tokenizer.json, a kiln artifact among them', async () => {
    expect(await refusal(await dirWith({ 'tokenizer.json': '{"model": ' }))).toMatch(/^<dir>\/tokenizer\.json: not valid JSON \(/);
    expect(await refusal(await dirWith({ 'tokenizer.json': '[1, 2]' }))).toBe('<dir>/tokenizer.json: expected a JSON object');
    const kiln = { lowercase: true, strip_accents: null, handle_chinese_chars: true, clean_text: true, vocab_size: 30 };
    expect(await refusal(await dirWith({ 'tokenizer.json': kiln }))).toBe('<dir>/tokenizer.json: this is a kiln tokenizer artifact, not a Hugging Face tokenizer.json');
  });

  it('refuses a tokenizer_config.json that contradicts tokenizer.json (transformers would follow it)', async () => {
    for (const [settings, what] of [
      [{ do_lower_case: false }, 'do_lower_case is false'],
      [{ strip_accents: false }, 'strip_accents is false'],
      [{ tokenize_chinese_chars: false }, 'tokenize_chinese_chars is false'],
    ] as const) {
      const dir = await dirWith({ 'tokenizer.json': fixtureJson, 'tokenizer_config.json': settings });
      expect(await refusal(dir)).toBe(`<dir>/tokenizer_config.json: ${what}, but tokenizer.json's normalizer says otherwise`);
    }
    const dir = await dirWith({ 'tokenizer.json': fixtureJson, 'tokenizer_config.json': { mask_token: '<mask>' } });
    expect(await refusal(dir)).toBe("<dir>/tokenizer_config.json: mask_token is \"<mask>\"; kiln's BertTokenizer uses [MASK]");
  });
});

describe('readHfTokenizer: vocab.txt and tokenizer_config.json', () => {
  it("reads a cased vocab.txt and tokenizes as transformers' BertTokenizer does", async () => {
    const hf = await readHfTokenizer(VOCAB_DIR);
    expect(hf.source).toBe(path.join(VOCAB_DIR, 'vocab.txt'));
    expect(hf.config).toEqual({ ...UNCASED, lowercase: false, vocab_size: 19 });
    // BertTokenizer.from_pretrained('test/fixtures/hf/vocab-txt')(text)['input_ids'] (transformers 5.25.0).
    expect(kilnTokenizer(hf).encode('The Cat cafés 中国! Unaffable the cat.').ids).toEqual([2, 7, 9, 11, 13, 14, 15, 5, 16, 17, 18, 8, 10, 6, 3]);
  });

  it("uses transformers' defaults (uncased, Chinese characters split) without tokenizer_config.json", async () => {
    const dir = await dirWith({ 'vocab.txt': await fs.readFile(path.join(VOCAB_DIR, 'vocab.txt'), 'utf8') });
    expect((await readHfTokenizer(dir)).config).toEqual({ ...UNCASED, vocab_size: 19 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another tokenizer class', { tokenizer_class: 'RobertaTokenizer' }, 'tokenizer_class is "RobertaTokenizer"; kiln reads vocab.txt as BertTokenizer does (BertTokenizer, DistilBertTokenizer, ElectraTokenizer, MobileBertTokenizer, SqueezeBertTokenizer, LayoutLMTokenizer)'],
    ['no basic tokenisation', { do_basic_tokenize: false }, 'do_basic_tokenize is false; kiln always splits on whitespace and punctuation first'],
    ['a never-split list', { never_split: ['[FOO]'] }, 'never_split is ["[FOO]"]; kiln\'s tokenizer has no never-split list'],
    ['another special token', { unk_token: '<unk>' }, 'unk_token is "<unk>"; kiln\'s BertTokenizer uses [UNK]'],
    ['a setting of the wrong type', { do_lower_case: 'yes' }, 'do_lower_case must be true or false (got "yes")'],
    ['a strip_accents of the wrong type', { strip_accents: 'no' }, 'strip_accents must be true, false or null (got "no")'],
  ])('refuses %s', async (_, settings, message) => {
    const dir = await dirWith({ 'vocab.txt': '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n', 'tokenizer_config.json': settings });
    expect(await refusal(dir)).toBe(`<dir>/tokenizer_config.json: ${message}`);
  });

  it('refuses a vocab.txt without the special tokens, and a directory with neither file', async () => {
    expect(await refusal(await dirWith({ 'vocab.txt': '[PAD]\n[UNK]\nhello\n' }))).toBe('<dir>/vocab.txt: the vocab lacks [CLS] [SEP] [MASK]');
    expect(await refusal(await dirWith({ 'config.json': {} }))).toBe(
      '<dir>: no tokenizer here: looked for tokenizer.json, then vocab.txt (with an optional tokenizer_config.json)',
    );
  });
});

describe('writeHfTokenizerFiles', () => {
  it('writes vocab.txt and a tokenizer_config.json that readHfTokenizer reads back the same', async () => {
    for (const source of [JSON_DIR, VOCAB_DIR]) {
      const tokenizer = kilnTokenizer(await readHfTokenizer(source));
      const dir = path.join(tmp, `export-${path.basename(source)}`);
      await writeHfTokenizerFiles(dir, tokenizer);
      const back = await readHfTokenizer(dir);
      expect(back.tokens).toEqual(tokenizer.vocab.tokens);
      expect(back.config).toEqual(tokenizer.config());
      expect(kilnTokenizer(back).encode(TEXTS[0]!).ids).toEqual(tokenizer.encode(TEXTS[0]!).ids);
    }
  });

  it('writes the settings BertTokenizer takes', async () => {
    const dir = path.join(tmp, 'export-settings');
    await writeHfTokenizerFiles(dir, kilnTokenizer(await readHfTokenizer(VOCAB_DIR)), { modelMaxLength: 128 });
    expect(JSON.parse(await fs.readFile(path.join(dir, 'tokenizer_config.json'), 'utf8'))).toEqual({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: false,
      strip_accents: false,
      tokenize_chinese_chars: true,
      do_basic_tokenize: true,
      never_split: null,
      unk_token: '[UNK]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      model_max_length: 128,
    });
    expect(await fs.readFile(path.join(dir, 'vocab.txt'), 'utf8')).toBe(await fs.readFile(path.join(VOCAB_DIR, 'vocab.txt'), 'utf8'));
  });

  it('refuses settings BertTokenizer cannot express', async () => {
    const vocab = Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const dir = path.join(tmp, 'export-refused');
    await expect(writeHfTokenizerFiles(dir, new BertTokenizer(vocab, { cleanText: false }))).rejects.toThrow(
      `${dir}/tokenizer_config.json: clean_text is false, which BertTokenizer cannot express (it always cleans text)`,
    );
    await expect(writeHfTokenizerFiles(dir, new BertTokenizer(vocab, { maxInputCharsPerWord: 50 }))).rejects.toThrow(
      `${dir}/tokenizer_config.json: max_input_chars_per_word is 50; BertTokenizer always uses 100`,
    );
  });
});

/** The vocab object with one key renamed, its id kept. */
function renamed(vocab: Record<string, number>, from: string, to: string): Record<string, number> {
  return Object.fromEntries(Object.entries(vocab).map(([token, id]) => [token === from ? to : token, id]));
}
