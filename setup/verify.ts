// Loads a native package in a fresh `node` (a binding cannot be unloaded, and a crash must not take kiln down) and
// checks it registered TensorFlow with kiln's own tfjs-core and computes.
import { runProcess } from './exec';
import { SetupError } from './errors';
import { TENSORFLOW_VERSION } from './pins';

export interface LoadReport {
  packageVersion: string;
  /** TF_Version from the C library. */
  tensorflow: string;
  /** The backend kiln's @tensorflow/tfjs-core reports after the package loaded. */
  backend: string;
  matmul: number[];
}

// CommonJS on purpose: both packages are CommonJS, and `require` resolves from kiln's root like kiln does.
const SCRIPT = `
const name = process.argv[1];
const tf = require(name);
const core = require('@tensorflow/tfjs-core');
const a = tf.tensor2d([[1, 2], [3, 4]]);
process.stdout.write(JSON.stringify({
  packageVersion: require(name + '/package.json').version,
  tensorflow: tf.backend().binding.TF_Version,
  backend: core.getBackend(),
  matmul: Array.from(tf.matMul(a, a).dataSync()),
}));
`;

/** Loads `packageName` from `kilnRoot` in a child process; throws with the child's error line if it fails. */
export async function loadInChild(kilnRoot: string, packageName: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadReport> {
  const result = await runProcess(process.execPath, ['-e', SCRIPT, packageName], {
    cwd: kilnRoot,
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) {
    throw new SetupError(`loading ${packageName} failed: ${errorLine(result.stderr) || `exit ${result.code}`}`, 'run `kiln setup status` to see what is missing');
  }
  const report = JSON.parse(result.stdout) as LoadReport;
  const problem =
    report.tensorflow !== TENSORFLOW_VERSION
      ? `it loaded TensorFlow ${report.tensorflow}, expected ${TENSORFLOW_VERSION}`
      : report.backend !== 'tensorflow'
        ? `kiln's @tensorflow/tfjs-core reports backend '${report.backend}', not 'tensorflow' (two copies of tfjs-core?)`
        : report.matmul.join(',') !== '7,10,15,22'
          ? `a 2x2 matmul gave [${report.matmul.join(', ')}], expected [7, 10, 15, 22]`
          : undefined;
  if (problem) throw new SetupError(`${packageName} loaded, but ${problem}`, 'run the setup again with --force');
  return report;
}

/** The line that says what went wrong: Node's `Error: ...` line (not the source line it echoes), else the first. */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => /^[A-Za-z]*Error\b/u.test(line)) ?? lines[0] ?? '';
}
