import { describe, expect, it } from 'vitest';

import { consoleReporter, describe as describeBytes } from '../../../setup/progress';

describe('download meter', () => {
  it('prints a line per quarter when the output is not a terminal', () => {
    let text = '';
    const meter = consoleReporter({ write: (s: string) => (text += s) }).meter('lib.jar');
    for (let bytes = 0; bytes <= 100e6; bytes += 5e6) meter.update(bytes, 100e6);
    meter.done();
    expect(text.split('\n').filter(Boolean).map((line) => line.replace(/ {2}[\d.]+ MB\/s$/, ''))).toEqual([
      '  lib.jar  25%  25.0 / 100.0 MB',
      '  lib.jar  50%  50.0 / 100.0 MB',
      '  lib.jar  75%  75.0 / 100.0 MB',
      '  lib.jar  100%  100.0 / 100.0 MB',
    ]);
  });

  it('redraws one line in place on a terminal and ends it with a newline', () => {
    let text = '';
    const meter = consoleReporter({ write: (s: string) => (text += s), isTTY: true }).meter('lib.jar');
    meter.update(100e6, 100e6);
    meter.done();
    expect(text).toMatch(/^\r\x1b\[K {2}lib\.jar {2}100% {2}100\.0 \/ 100\.0 MB( {2}[\d.]+ MB\/s)?\n$/);
  });

  it('describes progress without a known total', () => {
    expect(describeBytes(12_345_678, null, 0)).toBe('12.3 MB');
    expect(describeBytes(50e6, 200e6, 1000)).toBe('25%  50.0 / 200.0 MB  50.0 MB/s');
  });
});
