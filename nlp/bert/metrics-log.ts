// The training metrics as JSONL, one record per line: `split: "train"` lines average `log_every` steps,
// `split: "validation"` lines are evaluation passes. On resume the file is cut back to the checkpoint's
// step, so it reads as if training had never stopped.
import fs from 'node:fs';

import type { EvalMetrics } from './evaluate';

export interface TrainRecord {
  split: 'train';
  step: number;
  loss: number;
  mlm_loss: number;
  mlm_accuracy: number;
  nsp_loss: number;
  nsp_accuracy: number;
  learning_rate: number; // of the window's last update
  grad_norm: number; // before clipping
  tokens_per_sec: number; // batch × seq_length per second of training (padding included)
  elapsed: number; // seconds of training, over all attempts
}

/** An evaluation pass as its JSONL line: the metrics of evaluate.ts, when (step) and after how long. */
export interface EvalRecord extends EvalMetrics {
  split: 'validation';
  step: number;
  elapsed: number; // seconds of training, over all attempts
}

export type MetricsRecord = TrainRecord | EvalRecord;

/** Any metrics line: fine-tuning writes other fields, every line has its step. */
export interface StepRecord {
  step: number;
}

function parseLines<R extends StepRecord>(text: string): R[] {
  const records: R[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as R;
      if (Number.isSafeInteger(record?.step)) records.push(record);
    } catch {
      // A line torn by a crash: the records after it were not reached either.
      break;
    }
  }
  return records;
}

export function readMetrics<R extends StepRecord = MetricsRecord>(file: string): R[] {
  if (!fs.existsSync(file)) return [];
  return parseLines<R>(fs.readFileSync(file, 'utf8'));
}

export class MetricsLog<R extends StepRecord = MetricsRecord> {
  private fd: number;

  /** Opens `file` for appending, first dropping records after `keepThroughStep` (and any torn line). */
  constructor(
    readonly file: string,
    keepThroughStep: number,
  ) {
    const kept = readMetrics<R>(file).filter((r) => r.step <= keepThroughStep);
    fs.writeFileSync(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    this.fd = fs.openSync(file, 'a');
  }

  append(record: R): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
  }

  /** Called before each checkpoint: the lines it accounts for must survive a crash too. */
  sync(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}
