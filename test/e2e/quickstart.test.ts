import { describe, expect, it } from 'vitest';

import { freePort } from '../../worker/server-ports';
import { kiln } from '../helpers/kiln-cli';

// The README's `npm start`, shortened for CI: every step of the quickstart runs for real (sotu corpus, WordPiece,
// pretraining data, BERT-tiny pretraining, sentiment fine-tuning, a gated evaluation, deploy and serve), with
// fewer training steps. `npm start` itself runs the full-length version.
describe('pipelines/quickstart.yaml', () => {
  it('runs end to end and serves a model that answers over HTTP', async () => {
    const port = await freePort();
    const run = await kiln(
      [
        'run',
        'pipelines/quickstart.yaml',
        '--set', 'pretrain_steps=8',
        '--set', 'finetune_epochs=1',
        '--set', 'min_accuracy=0.3',
        '--set', `serve_port=${port}`,
      ],
      { timeoutMs: 600_000 },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const step of ['corpus', 'tokenizer', 'pretraining-data', 'pretrain', 'sentiment', 'finetune', 'evaluate', 'deploy']) {
      expect(run.stdout).toMatch(new RegExp(`✓ ${step} `));
    }
    const accuracy = Number(/evaluate: accuracy ([0-9.]+)/.exec(run.stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.3);
    const endpoint = /serving at (http:\/\/\S+)/.exec(run.stdout)?.[1];
    // A `kiln serve` already running for this KILN_HOME (another test's deploy) is used wherever it listens;
    // otherwise the deploy step starts one on serve_port.
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/models\/sentiment\/predict$/);
    expect(run.stdout).toContain(`curl -s -X POST ${endpoint}`);
    expect(run.stdout).toMatch(/inspect the run: http:\/\/localhost:\d+\/namespaces\/default\/workflows\/quickstart-/);

    const response = await fetch(endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: ['What a wonderful film.', 'Terrible, it broke in a day.'] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: Array<{ label: string; probabilities: Record<string, number> }> };
    expect(body.predictions).toHaveLength(2);
    for (const p of body.predictions) {
      expect(['negative', 'positive']).toContain(p.label);
      expect(p.probabilities.negative! + p.probabilities.positive!).toBeCloseTo(1, 5);
    }
  }, 660_000);
});
