// The Temporal Web UI that the embedded dev server serves, as the README shows it: after a run, the workflow list
// filtered by kiln's KilnPipeline search attribute lists that run.
import { describe, expect, it } from 'vitest';

import { hasChromium, openPage, screenshotPath } from '../helpers/chromium';
import { kiln, repoRoot } from '../helpers/kiln-cli';

describe.skipIf(!hasChromium)('Temporal Web UI', () => {
  it('lists a finished run under a KilnPipeline filter', async () => {
    const run = await kiln(['run', 'test/fixtures/pipelines/e2e-corpus.yaml', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };

    const status = await kiln(['server', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const { uiUrl } = (JSON.parse(status.stdout) as { info: { uiUrl: string } }).info;
    expect(uiUrl).toMatch(/^http:\/\/localhost:\d+$/);

    const browser = await openPage({ width: 1440, height: 560 });
    try {
      const { page } = browser;
      const query = encodeURIComponent("KilnPipeline='e2e-corpus'");
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`);
      // Visibility is eventually consistent: the list may need a reload before it shows a run that just ended.
      await expect
        .poll(
          async () => {
            if (await page.getByText(runId).first().isVisible()) return true;
            await page.reload();
            return page.getByText(runId).first().isVisible({ timeout: 5000 }).catch(() => false);
          },
          { timeout: 45_000, interval: 1000 },
        )
        .toBe(true);
      const row = page.getByRole('row').filter({ hasText: runId });
      await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/Completed/);
      // A reload aborts the requests still in flight (ERR_ABORTED); anything else is the UI or server failing.
      expect(browser.failedRequests.filter((r) => r.startsWith(uiUrl) && !r.endsWith('net::ERR_ABORTED'))).toEqual([]);
      await page.screenshot({ path: await screenshotPath(repoRoot, 'temporal-ui.png') });
    } finally {
      await browser.close();
    }
  });
});
