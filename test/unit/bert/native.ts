// Whether tests of the native TensorFlow backend run here: always where CI requires them (KILN_REQUIRE_NATIVE=1,
// after `kiln setup tensorflow`), else only when @tensorflow/tfjs-node is installed. A required backend that is
// missing makes those tests run and fail with initBackend's message, not skip.
import { createRequire } from 'node:module';

export interface NativeForTests {
  name: 'tfjs-node';
  run: boolean;
  why: string;
}

export function nativeBackendForTests(): NativeForTests {
  const required = process.env.KILN_REQUIRE_NATIVE === '1';
  let installed = true;
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
  } catch {
    installed = false;
  }
  const why = required ? 'required by KILN_REQUIRE_NATIVE' : installed ? 'installed' : 'not installed: run kiln setup tensorflow';
  return { name: 'tfjs-node', run: required || installed, why };
}
