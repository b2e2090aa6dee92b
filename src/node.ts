// Node-only API (file system and network): MNIST loading, IDX files, PNG digits, your own tables (CSV, .npy).
// `import { loadMnist } from 'exprgrad/node'`. The main entry ('exprgrad') stays browser-safe.

export { loadMnist, MNIST_FILES, MNIST_MIRRORS, type Mnist, type MnistSplit, type LoadMnistOptions } from './data/mnist.js';
export { readIdx, writeIdx } from './data/idx.js';
export { readPngDigit } from './data/png.js';
export { mnistFromGray } from './data/digit.js';
export { readTable, parseCsv, toDataset, type Table, type Dataset, type DatasetOptions } from './data/tabular.js';
export { parseNpy } from './data/npy.js';
export { FILE_LIMITS, readFileLimited } from './data/read-limited.js';
export { loadFashionMnist, imageDataset, IMAGE_DATASETS, DATASET_NAMES, FASHION_MNIST, type DatasetName, type ImageDatasetInfo } from './data/mnist.js';
