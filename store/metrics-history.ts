// Metrics histories: `$KILN_HOME/metrics/NAME.jsonl`, one JSON record per line, oldest first. Lines are only ever
// appended (and fsynced), never rewritten, so a bad night stays on record. A per-name lock keeps concurrent
// recorders from interleaving, and (run, step) is recorded once, so an activity retry does not append twice.
import fs from 'node:fs/promises';
import path from 'node:path';

import { withFileLock } from '../system/file-lock';
import { ObjectConflictError, type ObjectStore } from './remote/object-store';
import { fsyncPath } from './atomic';
import { HISTORY_NAME_PATTERN, HistoryError, type HistoryRecord } from './metrics-history-types';
import { kilnHome } from './paths';

const SUFFIX = '.jsonl';
const RECORD_HINT = 'history lines are written only by metrics/record@v1; fix or delete that line (the others stay valid)';

export interface Appended {
  /** The record now in the history: the new one, or the one an earlier attempt of the same (run, step) wrote. */
  record: HistoryRecord;
  /** The records before it, oldest first: what it is compared with. */
  earlier: HistoryRecord[];
  /** False when (run, step) was already recorded and nothing was written. */
  appended: boolean;
}

/** With a shared store (`remote`), each history is the object `metrics/NAME.jsonl` there, appended by compare-and-swap. */
export class MetricsHistory {
  constructor(
    readonly root: string = path.join(kilnHome(), 'metrics'),
    readonly remote?: ObjectStore,
  ) {}

  private remoteKey(name: string): string {
    checkHistoryName(name);
    return `metrics/${name}${SUFFIX}`;
  }

  fileOf(name: string): string {
    checkHistoryName(name);
    return path.join(this.root, name + SUFFIX);
  }

  /** Names of the histories that exist, sorted. */
  async names(): Promise<string[]> {
    if (this.remote) {
      const names: string[] = [];
      for await (const object of this.remote.list('metrics/')) {
        const name = object.key.slice('metrics/'.length, -SUFFIX.length);
        if (object.key.endsWith(SUFFIX) && HISTORY_NAME_PATTERN.test(name)) names.push(name);
      }
      return names.sort();
    }
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch(ignoreMissing);
    return (entries ?? [])
      .filter((e) => e.isFile() && e.name.endsWith(SUFFIX) && HISTORY_NAME_PATTERN.test(e.name.slice(0, -SUFFIX.length)))
      .map((e) => e.name.slice(0, -SUFFIX.length))
      .sort();
  }

  /** Every record of `name`, oldest first; throws HistoryError for an unknown name or a corrupt line. */
  async read(name: string): Promise<HistoryRecord[]> {
    const records = await this.readIfExists(name);
    if (records === undefined) {
      const known = await this.names();
      throw new HistoryError(
        'unknown-history',
        `no metrics history named '${name}' in ${this.remote ? this.remote.uri : this.root}`,
        known.length > 0 ? `existing histories: ${known.join(', ')}` : 'none exists yet; a metrics/record@v1 step starts one',
      );
    }
    return records;
  }

  /** Appends `record` unless its (run, step) is already recorded; either way returns it with the records before it. */
  async append(name: string, record: HistoryRecord): Promise<Appended> {
    if (this.remote) return this.appendShared(name, record);
    const file = this.fileOf(name);
    await fs.mkdir(this.root, { recursive: true });
    const lock = path.join(this.root, `.${name}.lock`);
    return withFileLock(lock, { waitMs: 60_000, staleMs: 600_000, what: `to finish recording into ${file}` }, async () => {
      const records = (await this.readIfExists(name)) ?? [];
      const index = records.findIndex((r) => r.run === record.run && r.step === record.step);
      if (index >= 0) return { record: records[index]!, earlier: records.slice(0, index), appended: false };
      await appendLine(file, JSON.stringify(record));
      return { record, earlier: records, appended: true };
    });
  }

  /** Two machines recording at once: the compare-and-swap makes the later one read and append again. */
  private async appendShared(name: string, record: HistoryRecord): Promise<Appended> {
    const key = this.remoteKey(name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const found = await this.remote!.getBytes(key);
      const text = found?.bytes.toString('utf8') ?? '';
      const records = parseHistory(text, this.where(name));
      const index = records.findIndex((r) => r.run === record.run && r.step === record.step);
      if (index >= 0) return { record: records[index]!, earlier: records.slice(0, index), appended: false };
      const next = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${JSON.stringify(record)}\n`;
      try {
        await this.remote!.putBytes(key, Buffer.from(next), { ifMatch: found?.etag ?? null });
        return { record, earlier: records, appended: true };
      } catch (error) {
        if (!(error instanceof ObjectConflictError)) throw error;
      }
    }
    throw new HistoryError('corrupt', `could not append to ${this.where(name)}: it keeps changing`, 'too many runs are recording into it at once; run the step again');
  }

  /** Where a history lives, for messages. */
  where(name: string): string {
    return this.remote ? `${this.remote.uri.replace(/\/+$/u, '')}/${this.remoteKey(name)}` : this.fileOf(name);
  }

  private async readIfExists(name: string): Promise<HistoryRecord[] | undefined> {
    if (this.remote) {
      const found = await this.remote.getBytes(this.remoteKey(name));
      return found && parseHistory(found.bytes.toString('utf8'), this.where(name));
    }
    const file = this.fileOf(name);
    const text = await fs.readFile(file, 'utf8').catch(ignoreMissing);
    return text === undefined ? undefined : parseHistory(text, file);
  }
}

export function checkHistoryName(name: string): void {
  if (!HISTORY_NAME_PATTERN.test(name)) {
    throw new HistoryError('invalid-name', `invalid metrics history name ${JSON.stringify(name)}`, 'names are lowercase letters, digits and dashes, starting with a letter');
  }
}

/** The records of a history file's text; a line that is not a record throws naming `file:line`. Blank lines are skipped. */
export function parseHistory(text: string, file: string): HistoryRecord[] {
  const records: HistoryRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new HistoryError('corrupt', `${file}:${i + 1}: not a JSON line (${(error as Error).message})`, RECORD_HINT);
    }
    const problem = recordProblem(value);
    if (problem) throw new HistoryError('corrupt', `${file}:${i + 1}: not a metrics record: ${problem}`, RECORD_HINT);
    records.push(value as HistoryRecord);
  });
  return records;
}

function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object';
  const r = value as Record<string, unknown>;
  for (const key of ['at', 'run', 'step'] as const) if (typeof r[key] !== 'string') return `"${key}" must be a string`;
  if (Number.isNaN(Date.parse(r.at as string))) return `"at" is not a time (${JSON.stringify(r.at)})`;
  if (typeof r.metrics !== 'object' || r.metrics === null || Array.isArray(r.metrics)) return '"metrics" must be an object';
  for (const [k, v] of Object.entries(r.metrics)) if (typeof v !== 'number' || !Number.isFinite(v)) return `metrics.${k} must be a number`;
  return undefined;
}

/** One write of the whole line with O_APPEND, then fsync: a crash leaves the line whole or absent. */
async function appendLine(file: string, line: string): Promise<void> {
  const before = await fs.stat(file).catch(ignoreMissing);
  // A hand-edited file may lack its final newline: start on a line of our own.
  const needsBreak = before !== undefined && before.size > 0 && !(await endsWithNewline(file, before.size));
  const handle = await fs.open(file, 'a');
  try {
    await handle.write(`${needsBreak ? '\n' : ''}${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (before === undefined) await fsyncPath(path.dirname(file));
}

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
