// Sweeps: a pipeline with `matrix:` (or `--matrix`) -> one Plan per combination of the swept params,
// each compiled exactly as `kiln run --set` would compile it.
import { canonicalJson, sha256Hex } from './canonical';
import { checkPipelineSource, dedupe, readPipelineFile, type CompileOptions } from './compile';
import { CompileError, SET_FILE, sortDiagnostics, type Diagnostic } from './errors';
import { loadYaml, type LoadedYaml } from './load';
import { asObject, checkMatrix, type JsonObject, type MatrixSpec } from './matrix-check';
import type { Json } from '../contract/json';
import type { Plan } from './types';
import { paramsText } from '../contract/params-text';

/** More runs than this needs `yes: true` (`--yes`): a typo in a list should not start a thousand trainings. */
export const MAX_RUNS_WITHOUT_YES = 256;
/** Combinations before `exclude`, even with `--yes`: past this the grid itself would not fit in memory for long. */
export const MAX_COMBINATIONS = 10_000;

export interface SweepRun {
  /** Only the swept params, in matrix order. */
  params: { [name: string]: Json };
  plan: Plan;
}

export interface Sweep {
  pipeline: string;
  runs: SweepRun[];
  maxParallel: number;
  failFast: boolean;
  /** sha256 over the plans' hashes, in run order; 16 hex digits. */
  sweepHash: string;
}

export interface SweepOptions extends CompileOptions {
  /** `--matrix name=v1,v2` lists, values unparsed: each replaces the file's list of that param, or adds one. */
  matrix?: Record<string, string[]>;
  /** Allow more than MAX_RUNS_WITHOUT_YES runs (`--yes`). */
  yes?: boolean;
}

export { paramsText };

/**
 * The sweep of a pipeline file; undefined when it has no `matrix:` and no `options.matrix` (compile one Plan then).
 * Throws CompileError with every problem, of the matrix and of each run's plan.
 */
export async function compileSweepFile(file: string, options: SweepOptions = {}): Promise<Sweep | undefined> {
  const read = await readPipelineFile(file);
  if ('diagnostics' in read) throw new CompileError(read.diagnostics);
  const result = checkSweepSource(read.text, file, options, read.bytes);
  if (result.diagnostics.length > 0) throw new CompileError(result.diagnostics);
  return result.sweep;
}

/** Like checkPipelineSource, for a sweep: the Sweep (undefined when there is no matrix), or every diagnostic. */
export function checkSweepSource(text: string, file: string, options: SweepOptions = {}, bytes?: Uint8Array): { sweep?: Sweep; diagnostics: Diagnostic[] } {
  const { matrix: cli, yes, ...compile } = options;
  const base = (): Diagnostic[] => checkPipelineSource(text, file, compile, bytes).diagnostics;
  const yaml = loadYaml(text, file);
  const root = asObject(yaml.value);
  const hasCli = cli !== undefined && Object.keys(cli).length > 0;
  // A file that does not parse may or may not hold a matrix: its own errors come first either way.
  if (!root) return { diagnostics: base() };
  if (root.matrix === undefined && !hasCli) return { diagnostics: [] };

  const fail = (more: Diagnostic[]): { diagnostics: Diagnostic[] } => ({ diagnostics: sortDiagnostics(dedupe([...base(), ...more])) });
  const checked = checkMatrix(yaml, root, cli, compile.set);
  if (!checked.spec) return fail(checked.diagnostics);
  const grid = expandGrid(checked.spec, yaml, yes === true);
  if ('diagnostics' in grid) return fail(grid.diagnostics);

  const defaults = asObject(root.params) ?? {};
  const runs: SweepRun[] = [];
  // Each problem once: a problem of every run as it is, one that only some runs have with the first such run.
  const problems = new Map<string, { diagnostic: Diagnostic; runs: number[] }>();
  grid.combinations.forEach((params, i) => {
    const set = { ...compile.set, ...setTexts(params, defaults) };
    const result = checkPipelineSource(text, file, { ...compile, set }, bytes);
    if (result.plan) runs.push({ params, plan: result.plan });
    for (const diagnostic of result.diagnostics) {
      const key = canonicalJson(diagnostic as unknown as Json);
      const seen = problems.get(key) ?? { diagnostic, runs: [] };
      seen.runs.push(i);
      problems.set(key, seen);
    }
  });
  if (problems.size > 0) {
    const n = grid.combinations.length;
    const diagnostics = [...problems.values()].map(({ diagnostic, runs: which }) => {
      if (which.length === n) return diagnostic;
      const first = which[0]!;
      const others = which.length > 1 ? ` and ${which.length - 1} more` : '';
      return { ...diagnostic, message: `${diagnostic.message} (in run ${first + 1}, ${paramsText(grid.combinations[first]!)}${others})` };
    });
    return { diagnostics: sortDiagnostics(diagnostics) };
  }
  const sweepHash = sha256Hex(canonicalJson(runs.map((r) => r.plan.planHash))).slice(0, 16);
  const pipeline = runs[0]!.plan.pipeline;
  return { sweep: { pipeline, runs, maxParallel: checked.spec.maxParallel, failFast: checked.spec.failFast, sweepHash }, diagnostics: [] };
}

/** Values as `--set` text that converts back to exactly the value (a string param takes its text as it is). */
function setTexts(params: JsonObject, defaults: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    out[name] = typeof value === 'string' && typeof defaults[name] === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

function matches(combination: JsonObject, entry: JsonObject): boolean {
  return Object.entries(entry).every(([k, v]) => canonicalJson(combination[k]!) === canonicalJson(v));
}

/**
 * The runs, as GitHub Actions orders a matrix: the cartesian product with the first param varying slowest, less
 * the combinations an `exclude` entry matches, then each `include` that is not already there.
 */
export function expandGrid(spec: MatrixSpec, yaml: LoadedYaml, yes: boolean): { combinations: JsonObject[] } | { diagnostics: Diagnostic[] } {
  const fromFile = spec.axes.some((a) => a.path);
  const atMatrix = (message: string, hint: string): Diagnostic =>
    fromFile ? yaml.diagnostic(['matrix'], message, hint, 'key') : { file: SET_FILE, line: 0, col: 0, path: '', message: `in --matrix: ${message}`, hint };
  const product = spec.axes.reduce((n, a) => n * a.values.length, 1);
  if (product > MAX_COMBINATIONS) {
    return { diagnostics: [atMatrix(`the matrix makes ${product} combinations, more than ${MAX_COMBINATIONS}`, 'sweep fewer values, or split the sweep into several')] };
  }
  let grid: JsonObject[] = [{}];
  for (const axis of spec.axes) grid = grid.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.name]: v })));
  grid = grid.filter((c) => !spec.exclude.some(({ entry }) => matches(c, entry)));
  const seen = new Set(grid.map((c) => canonicalJson(c)));
  for (const { entry } of spec.include) {
    const combination = Object.fromEntries(spec.axes.map((a) => [a.name, entry[a.name]!]));
    const key = canonicalJson(combination);
    if (!seen.has(key)) grid.push(combination);
    seen.add(key);
  }
  if (grid.length === 0) {
    const hint = 'each exclude entry removes every combination that matches all of its keys: narrow or remove one';
    return { diagnostics: [yaml.diagnostic(['matrix_options', 'exclude'], 'every combination of the matrix is excluded: the sweep has no runs', hint, 'key')] };
  }
  if (grid.length > MAX_RUNS_WITHOUT_YES && !yes) {
    return { diagnostics: [atMatrix(`the matrix makes ${grid.length} runs, more than ${MAX_RUNS_WITHOUT_YES}`, 'pass --yes to start them all, or sweep fewer values')] };
  }
  return { combinations: grid };
}
