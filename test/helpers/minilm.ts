// The real all-MiniLM-L6-v2 for integration tests: `kiln setup minilm`'s directory in the user's cache, downloaded
// (83 MB, seconds; progress on stderr) by the first test that asks, then shared by every test file, run and clone.
import { ensureMinilm } from '../../setup/minilm';

let dir: Promise<string> | undefined;

/** The Hugging Face model directory (config.json, model.safetensors, tokenizer.json, modules.json, 1_Pooling/...). */
export function minilmDir(): Promise<string> {
  dir ??= ensureMinilm().catch((error: unknown) => {
    dir = undefined; // a later test tries again
    throw error;
  });
  return dir;
}
