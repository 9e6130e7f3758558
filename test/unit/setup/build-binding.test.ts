import fs from 'node:fs/promises';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { buildBinding, findNodeGyp, nodeHeadersPrefix } from '../../../setup/build-binding';
import { collectingReporter } from '../../../setup/progress';
import { fakeSetup, type FakeSetup } from './fake-setup';

let fake: FakeSetup | undefined;
afterEach(async () => {
  await fake?.cleanup();
  fake = undefined;
});

describe('buildBinding', () => {
  it('a failed compile quotes the end of build.log and names it', async () => {
    fake = await fakeSetup();
    await fs.writeFile(path.join(fake.layout.packageDir, 'binding.gyp'), "{ 'targets': [{ 'target_name': 'tfjs_binding', 'sources': ['binding/missing.cc'] }] }\n");
    const lines: string[] = [];
    const attempt = buildBinding({ layout: fake.layout, napiVersion: fake.napiVersion, env: process.env, reporter: collectingReporter(lines) });
    if (!findNodeGyp() || !nodeHeadersPrefix()) {
      // Without npm's node-gyp or Node's headers the build stops before compiling, saying which is missing.
      await expect(attempt).rejects.toThrow(/^(npm's node-gyp was not found|no Node\.js headers next to )/);
      return;
    }
    await expect(attempt).rejects.toThrow(new RegExp(`^building tfjs_binding failed \\(node-gyp exited 1\\); the last lines of ${fake.layout.buildLog.replace(/[.]/g, '\\.')}:\\n {2}\\| `));
    expect(lines).toEqual([`  compiling tfjs_binding (napi-v${fake.napiVersion}) with node-gyp; log: ${fake.layout.buildLog}`]);
    const log = await fs.readFile(fake.layout.buildLog, 'utf8');
    expect(log.split('\n')[0]).toMatch(/^\$ cd .* && .*node-gyp\.js rebuild --nodedir=\S+ --napi_build_version=\d+ --module_name=tfjs_binding /);
    expect(log).toContain("No rule to make target 'Release/obj.target/tfjs_binding/binding/missing.o'");
  });
});
