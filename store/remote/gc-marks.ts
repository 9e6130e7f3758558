// How old is "unreferenced"? ObjectStore's listings carry no modification times, and a content-addressed object
// that already exists is not written again, so its age would not say whether a step has just reused it anyway.
// `kiln store gc` on a shared store therefore marks what it finds unreferenced, in `gc/marks.json`, with the time
// it first found it so; an object is deleted only by a gc that finds it still unreferenced when its mark is older
// than the grace period. A mark goes as soon as a gc finds the object referenced again.
import { ObjectConflictError, type ObjectStore } from './object-store';

export const MARKS_KEY = 'gc/marks.json';
const FORMAT = 'kiln/gc-marks@1';

export class GcMarks {
  private readonly next = new Map<string, number>();

  private constructor(
    private readonly since: ReadonlyMap<string, number>,
    private readonly etag: string | null,
    private readonly now: number,
  ) {}

  static async read(objects: ObjectStore, now: number): Promise<GcMarks> {
    const found = await objects.getBytes(MARKS_KEY);
    const since = new Map<string, number>();
    if (found) {
      try {
        const parsed = JSON.parse(found.bytes.toString('utf8')) as { format?: string; marks?: Record<string, string> };
        for (const [key, at] of Object.entries(parsed.format === FORMAT ? (parsed.marks ?? {}) : {})) {
          const ms = Date.parse(at);
          if (Number.isFinite(ms)) since.set(key, Math.min(ms, now));
        }
      } catch {
        // A damaged marks file only means waiting one grace period more.
      }
    }
    return new GcMarks(since, found?.etag ?? null, now);
  }

  /** Marks `key` unreferenced (keeping an earlier mark); true when its mark is at least `graceMs` old. */
  unreferenced(key: string, graceMs: number): boolean {
    const since = this.since.get(key) ?? this.now;
    this.next.set(key, since);
    return since <= this.now - graceMs;
  }

  /** The object is gone (deleted, or referenced again after all): no mark. */
  forget(key: string): void {
    this.next.delete(key);
  }

  /** Whether no earlier gc had marked `key`. */
  isNew(key: string): boolean {
    return !this.since.has(key);
  }

  /**
   * Stores the marks, replacing the ones read. A gc that ran meanwhile wins (compare-and-swap): its marks are as
   * true as ours, and the next gc marks again whatever they lack.
   */
  async write(objects: ObjectStore): Promise<void> {
    const marks = Object.fromEntries([...this.next].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, ms]) => [key, new Date(ms).toISOString()]));
    try {
      await objects.putBytes(MARKS_KEY, Buffer.from(JSON.stringify({ format: FORMAT, marks }, null, 2) + '\n'), { ifMatch: this.etag });
    } catch (error) {
      if (!(error instanceof ObjectConflictError)) throw error;
    }
  }
}
