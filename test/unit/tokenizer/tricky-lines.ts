// Handcrafted lines that exercise every corner of BERT tokenisation; the oracle test runs them through both
// tokenizers. Kept in code rather than a fixture file because many are invisible or not valid in a text file.
export const TRICKY_LINES: string[] = [
  // accents and case
  'Héllo Wörld! Ça va? naïve café résumé coöperate',
  'ÀÉÎÕÜ àéîõü ñ Ñ ß ẞ ø Ø æ Æ œ ł Ł đ Đ ı İstanbul ǅ ǈ ﬁ ﬂ',
  'e\u0301 a\u0300\u0301 o\u0308\u0304 decomposed accents',
  'ΣΊΣΥΦΟΣ ΟΔΟΣ Ὀδυσσεύς σοφός',
  'Привет, мир! Ёлка ЙОГУРТ',
  'ALL CAPS SHOUTING and CamelCaseWordsAndHTTPServer',
  // scripts
  'مرحبا بالعالم، كيف حالك؟',
  'שָׁלוֹם עֲלֵיכֶם',
  'नमस्ते दुनिया। हिन्दी',
  'สวัสดีครับ ภาษาไทย',
  '안녕하세요 세계! 한국어',
  'こんにちは世界、カタカナ。ﾊﾝｶｸ',
  '我爱北京天安门。中文，标点！繁體字',
  '𠀀𠀁 𪚥 𫠠 𬺰 CJK extensions',
  '﹏＿（全角）！？ＡＢＣ１２３',
  // emoji
  'I ❤️ NLP 😀👍🏽 👨‍👩‍👧‍👦 🇺🇸 🥰 🫠',
  'emoji😀inside😀words',
  // control and invisible characters
  'tab\there\nnewline\r\ncarriage\rreturn',
  'nul\u0000char bell\u0007 and \u001b[31mansi\u001b[0m',
  'zero\u200bwidth\u200djoiner\ufeffbom\u2060word',
  'soft\u00adhyphen and\u0085nel\u2028line\u2029para',
  'replacement \ufffd char, private \ue000 use, lone \ud800 surrogate, \udc00 low',
  'vertical\u000btab form\u000cfeed file\u001cseparator',
  // whitespace
  '  multiple   spaces   everywhere  ',
  '\u00a0nbsp\u3000ideographic\u2003em\u2009thin\u202fnarrow\u1680ogham',
  '',
  '   ',
  '\t\n',
  // long words: the limit is 100 characters after normalisation
  'a'.repeat(100),
  'a'.repeat(101),
  `${'supercalifragilisticexpialidocious'.repeat(3)} end`,
  '😀'.repeat(100),
  '😀'.repeat(101),
  'é'.repeat(100),
  'e\u0301'.repeat(100),
  'x'.repeat(1000),
  // punctuation
  'Wait...what?!?! (really) [yes] {no} <maybe>',
  '$100.00 + 5% = #1 @home ^_^ ~tilde~ `tick` |pipe| \\back/',
  '“smart quotes” ‘single’ — em-dash – en-dash … ellipsis «guillemets» ¿Qué? ¡Sí!',
  '§¶†‡•※‰′″ ⸘‽ x\u2e43y x\u166dy',
  "don't can't won't y'all rock'n'roll",
  'U.S.A. e.g. i.e. Ph.D. a.m.',
  'http://example.com/path?query=1&x=y#frag email@example.com',
  'C++ C# .NET node.js f(x)=x²+1',
  '1,000,000.50 3.14159 -42 1e10 ½ ² ③ ⅷ',
  '©®™ °C ±×÷ €£¥₹ ¢',
  '[CLS] [SEP] [MASK] [UNK] [PAD] are plain text here',
  // words that need several pieces
  'unaffable unbelievably antidisestablishmentarianism pneumonoultramicroscopic',
  'hyper-parameters state-of-the-art mother-in-law',
];

export const TRICKY_PAIRS: Array<[string, string]> = [
  ['Who wrote the address?', 'George Washington wrote it in 1790.'],
  ['Héllo!', '你好，世界'],
  ['', 'empty first'],
  ['empty second', ''],
  ['😀', 'a'.repeat(101)],
];
