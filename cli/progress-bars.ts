import cliProgress from 'cli-progress';

/** What a bar shows beside itself: its name, `value/total`, and a line of details. */
export interface BarText {
  id: string;
  progress: string;
  details: string;
}

/** Redrawn progress bars on a terminal, one per key, created on first sight: the live views of runs and sweeps. */
export class ProgressBars {
  private readonly multibar: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(barsize: number) {
    this.multibar = new cliProgress.MultiBar(
      {
        format: ' {id} {bar} {progress}  {details}',
        barsize,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  set(key: string, total: number, value: number, text: BarText): void {
    const bar = this.bars.get(key);
    if (bar) {
      bar.setTotal(total);
      bar.update(value, text);
    } else {
      this.bars.set(key, this.multibar.create(total, value, text));
    }
  }

  stop(): void {
    this.multibar.stop();
  }
}
