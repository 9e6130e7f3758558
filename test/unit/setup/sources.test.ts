import { describe, expect, it } from 'vitest';

import { cudaPipCommand } from '../../../setup/cuda';
import { jarUrl, mavenRepository } from '../../../setup/maven';
import { pypiIndex } from '../../../setup/pypi-headers';

describe('where setup downloads from', () => {
  it('Maven Central by default, KILN_MAVEN_REPOSITORY when set', () => {
    expect(jarUrl(mavenRepository({}), 'linux-x86_64')).toBe(
      'https://repo1.maven.org/maven2/org/tensorflow/tensorflow-core-native/1.1.0/tensorflow-core-native-1.1.0-linux-x86_64.jar',
    );
    expect(jarUrl(mavenRepository({ KILN_MAVEN_REPOSITORY: 'http://mirror.local/maven/' }), 'linux-x86_64-gpu')).toBe(
      'http://mirror.local/maven/org/tensorflow/tensorflow-core-native/1.1.0/tensorflow-core-native-1.1.0-linux-x86_64-gpu.jar',
    );
  });

  it('PyPI by default, KILN_PYPI_INDEX before pip\'s PIP_INDEX_URL', () => {
    expect(pypiIndex({})).toBe('https://pypi.org/simple');
    expect(pypiIndex({ PIP_INDEX_URL: 'http://pip.local/simple/' })).toBe('http://pip.local/simple');
    expect(pypiIndex({ PIP_INDEX_URL: 'http://pip.local/simple', KILN_PYPI_INDEX: 'http://kiln.local/simple' })).toBe('http://kiln.local/simple');
  });
});

describe('CUDA libraries for the GPU build (their folders: cuda.test.ts)', () => {
  it("the pip command pins the 12 wheels of TensorFlow 2.18's and-cuda extra", () => {
    const command = cudaPipCommand();
    expect(command.startsWith('python3 -m pip install nvidia-cublas-cu12==12.5.3.2 ')).toBe(true);
    expect(command.match(/nvidia-[a-z-]+-cu12==[\d.]+/g)).toHaveLength(12);
    expect(command).toContain('nvidia-cudnn-cu12==9.3.0.75');
  });
});
