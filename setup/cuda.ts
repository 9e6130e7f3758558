// CUDA 12 for the GPU build: TensorFlow 2.18 dlopens libcudart.so.12, cuBLAS, cuDNN 9, cuFFT, cuRAND, cuSOLVER,
// cuSPARSE and nvJitLink when it starts. They come from a system CUDA install, or from NVIDIA's PyPI wheels.
import { execFileSync } from 'node:child_process';

import { CUDA_WHEELS } from './pins';

/** The pip command that installs the CUDA libraries TensorFlow 2.18's `and-cuda` extra pins. */
export function cudaPipCommand(python = 'python3'): string {
  return `${python} -m pip install ${CUDA_WHEELS.join(' ')}`;
}

// The directories holding the shared libraries of the pinned CUDA 12 wheels that are installed (by distribution
// name, so CUDA 13 wheels another package pulled in, e.g. a recent torch's, are never offered to TensorFlow 2.18).
const LIST_LIB_DIRS = `
import importlib.metadata as md, os, sys
for name in sys.argv[1:]:
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue
    libs = {os.path.dirname(str(dist.locate_file(f))) for f in (dist.files or []) if ".so" in f.name}
    for lib in sorted(libs):
        print(lib)
`;

/**
 * The `site-packages/nvidia/<wheel>/lib` directories of `python` (NVIDIA's CUDA 12 wheels), for the loader path of a
 * process that loads tfjs-node-gpu: TensorFlow dlopens CUDA by soname, so they must be on LD_LIBRARY_PATH when
 * that process starts (or preloaded). Runs python, so call it only when a GPU backend is wanted. Empty when python
 * or the wheels are missing.
 */
export function cudaLibraryDirs(python = 'python3', env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    const names = CUDA_WHEELS.map((pin) => pin.split('==')[0]!);
    const out = execFileSync(python, ['-c', LIST_LIB_DIRS, ...names], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 });
    return [...new Set(out.split('\n').map((line) => line.trim()).filter(Boolean))];
  } catch {
    return [];
  }
}

/** What to tell the user after a GPU setup. */
export function cudaAdvice(found: string[]): string[] {
  return [
    'CUDA 12 at run time: TensorFlow 2.18 loads libcudart.so.12, cuBLAS, cuDNN 9, cuFFT, cuRAND, cuSOLVER, cuSPARSE and nvJitLink when it starts.',
    '  Either a system CUDA 12 + cuDNN 9 install the loader finds (ldconfig or LD_LIBRARY_PATH), or NVIDIA\'s wheels at the versions TensorFlow 2.18 pins:',
    `    ${cudaPipCommand()}`,
    '  then put their site-packages/nvidia/*/lib directories on the loader path of the worker that trains on the GPU:',
    found.length > 0
      ? `    export LD_LIBRARY_PATH=${found.join(':')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`
      : '    (none are installed for python3 now; run the pip command, then `kiln setup tensorflow --gpu` again prints the line)',
  ];
}
