// What `kiln setup` prints while it works: lines, and a download meter that redraws in place on a terminal and
// prints a line per quarter otherwise (CI logs stay short).

export interface ProgressMeter {
  update(bytes: number, total: number | null): void;
  /** Ends the meter; on a terminal the last redraw stays as a line. */
  done(): void;
}

export interface SetupReporter {
  line(text: string): void;
  meter(label: string): ProgressMeter;
}

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function consoleReporter(out: Output = process.stdout): SetupReporter {
  return {
    line: (text) => out.write(`${text}\n`),
    meter: (label) => (out.isTTY ? terminalMeter(out, label) : plainMeter(out, label)),
  };
}

/** Collects lines for tests; meters are silent. */
export function collectingReporter(lines: string[]): SetupReporter {
  return { line: (text) => lines.push(text), meter: () => ({ update: () => undefined, done: () => undefined }) };
}

function terminalMeter(out: Output, label: string): ProgressMeter {
  const started = Date.now();
  let last = 0;
  let text = '';
  return {
    update(bytes, total) {
      const now = Date.now();
      if (now - last < 100 && bytes !== total) return;
      last = now;
      text = `  ${label}  ${describe(bytes, total, now - started)}`;
      out.write(`\r\x1b[K${text}`);
    },
    done() {
      if (text) out.write('\n');
    },
  };
}

function plainMeter(out: Output, label: string): ProgressMeter {
  const started = Date.now();
  let quarter = 0;
  return {
    update(bytes, total) {
      if (!total) return;
      const reached = Math.floor((4 * bytes) / total);
      if (reached <= quarter) return;
      quarter = reached;
      out.write(`  ${label}  ${describe(bytes, total, Date.now() - started)}\n`);
    },
    done: () => undefined,
  };
}

export function describe(bytes: number, total: number | null, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `  ${mb((bytes * 1000) / elapsedMs)} MB/s` : '';
  if (!total) return `${mb(bytes)} MB${rate}`;
  return `${Math.floor((100 * bytes) / total)}%  ${mb(bytes)} / ${mb(total)} MB${rate}`;
}

export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** "812.4 MB", "76.5 GB". */
export function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${mb(bytes)} MB`;
}
