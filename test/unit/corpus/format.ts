// Checks that a corpus file is in BERT's document format; shared by the corpus tests.
import { expect } from 'vitest';

/** Asserts the invariants and returns the documents, each a list of sentences. */
export function expectDocumentFormat(text: string): string[][] {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.startsWith('\n')).toBe(false);
  expect(text).not.toContain('\n\n\n'); // exactly one blank line between documents
  const documents = text.slice(0, -1).split('\n\n').map((document) => document.split('\n'));
  for (const sentences of documents) {
    for (const sentence of sentences) {
      expect(sentence).not.toBe('');
      expect(sentence).toBe(sentence.trim());
      expect(sentence).not.toMatch(/\s{2}|[\t\r\f\v]/u);
    }
  }
  return documents;
}
