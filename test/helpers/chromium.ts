// Headless Chromium for tests that look at pages (the run report, the Temporal UI), through playwright-core and
// the system's Chromium: no browser download. Every console error and request is recorded for assertions.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';

/** False where no Chromium is installed: tests that need one skip themselves. */
export const hasChromium = fs.existsSync(CHROMIUM);

export interface OpenedPage {
  page: Page;
  consoleErrors: string[];
  requests: string[];
  failedRequests: string[];
  close(): Promise<void>;
}

// Without the background-networking flags Chromium keeps calling home and floods the log with refused connections.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function openPage(viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  const opened: OpenedPage = {
    page,
    consoleErrors: [],
    requests: [],
    failedRequests: [],
    close: async () => {
      await context.close();
      await fsp.rm(profile, { recursive: true, force: true });
    },
  };
  page.on('console', (m) => {
    if (m.type() === 'error') opened.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => opened.consoleErrors.push(e.message));
  page.on('request', (r) => opened.requests.push(r.url()));
  page.on('requestfailed', (r) => opened.failedRequests.push(`${r.url()}: ${r.failure()?.errorText ?? '?'}`));
  return opened;
}

/** Where screenshots go: docs/ when KILN_UPDATE_SCREENSHOTS=1 (tracked files change only on purpose), else a temp dir. */
export async function screenshotPath(repoRoot: string, name: string): Promise<string> {
  if (process.env.KILN_UPDATE_SCREENSHOTS === '1') return path.join(repoRoot, 'docs', name);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-screenshot-'));
  return path.join(dir, name);
}
