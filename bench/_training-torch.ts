// bench/training.ts's PyTorch anchors: the first Python that imports torch, the BLAS set-up it runs fastest
// with, and the command line of one measurement (bench/torch_bert.py).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cpuFlags } from './_training-machine';
import { BERT_SIZES, SHAPE, ruleArgs, type BertSize, type Child, type TimingRule } from './_training-shape';

const SCRIPT = fileURLToPath(new URL('torch_bert.py', import.meta.url));

/** What `torch_bert.py --probe` prints, or why it could not run. */
export interface PythonProbe {
  python: string;
  torch?: string;
  torch_error?: string;
  blas?: string;
  blas_library?: string | null;
  transformers?: string;
  transformers_error?: string;
}

/** KILN_BENCH_PYTHON, else `python3` then Debian's `/usr/bin/python3`: probed until one imports torch. */
export function probePythons(): PythonProbe[] {
  const candidates = process.env.KILN_BENCH_PYTHON ? [process.env.KILN_BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  const probes: PythonProbe[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, [SCRIPT, '--probe'], { encoding: 'utf8', timeout: 120_000 });
    const line = r.stdout?.trim().split('\n').pop();
    const probe = r.status === 0 && line ? { ...(JSON.parse(line) as PythonProbe), python } : { python, torch_error: r.error?.message ?? r.stderr?.trim().split('\n').pop() };
    probes.push(probe);
    if (probe.torch) break;
  }
  return probes;
}

/** What every PyTorch child gets besides its thread counts; what is wrong and cannot be fixed goes into `notes`. */
export function blasEnv(probe: PythonProbe, notes: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (probe.blas !== 'openblas') return env; // the PyPI wheel: MKL, linked in
  // Debian's OpenBLAS 0.3.21 does not know this CPU and picks its slowest kernels (reference/TFJS-WASM.md).
  if (!process.env.OPENBLAS_CORETYPE && cpuFlags().includes('avx512f')) env.OPENBLAS_CORETYPE = 'SkylakeX';
  // Debian's torch threads with OpenMP; OpenBLAS's pthread build adds a second pool of spinning threads, and at 2
  // threads the two fight over the cores (5-9× slower, measured). Its OpenMP build shares torch's pool.
  const lib = probe.blas_library;
  if (lib?.includes('/openblas-pthread/')) {
    const openmp = path.dirname(lib).replace('/openblas-pthread', '/openblas-openmp');
    if (fs.existsSync(path.join(openmp, path.basename(lib)))) {
      env.LD_LIBRARY_PATH = [openmp, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    } else {
      notes.push(`${probe.python}: torch uses OpenBLAS's pthread build, which oversubscribes the cores beyond 1 thread; install its OpenMP build (Debian: libopenblas0-openmp)`);
    }
  }
  return env;
}

/** One PyTorch measurement: `impl` is 'eager' (kiln's model, written out) or 'hf' (BertForPreTraining). */
export function torchChild(probe: PythonProbe, blas: NodeJS.ProcessEnv, impl: 'eager' | 'hf', config: BertSize, threads: number, rule: TimingRule): Child {
  const c = BERT_SIZES[config];
  const dims = { vocab: SHAPE.vocab, hidden: c.hidden_size, layers: c.num_layers, heads: c.num_heads, intermediate: c.intermediate_size };
  const shape = { batch: SHAPE.batch, seq: SHAPE.seq, predictions: SHAPE.predictions };
  const args = [SCRIPT, '--impl', impl, '--threads', String(threads), ...ruleArgs(rule)];
  for (const [k, v] of Object.entries({ ...dims, ...shape })) args.push(`--${k}`, String(v));
  const n = String(threads);
  return { command: probe.python, args, env: { ...process.env, ...blas, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n } };
}
