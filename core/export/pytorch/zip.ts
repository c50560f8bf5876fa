/**
 * The project as one zip (the app's download), its files under `folder/`, with the dataset's
 * splits streamed in as data/<split>.npz (see data.ts): rows gathered a chunk at a time, deflated
 * by the platform's zlib, so the whole dataset is never in memory, only the compressed zip.
 * Progress is reported per chunk; an AbortSignal stops it between chunks.
 */
import { Zip, ZipPassThrough, type FlateError } from 'fflate';
import { concatBytes } from '../../data/bytes';
import type { Dataset } from '../../data/types';
import { dataFiles, splitDataBytes, splitNpz, type ExportProgress } from './data';
import type { PytorchProject } from './project';

/** fflate's error shape (a code; 0 is not one of fflate's own). */
const flateError = (message: string): FlateError => Object.assign(new Error(message), { code: 0 });

/**
 * A zip entry deflated by the platform's zlib through CompressionStream('deflate-raw') (browsers,
 * Electron's renderer and workers, Node >= 18), the way fflate documents custom compression
 * (ZipPassThrough with process() overridden). Measured on MNIST's train.npz (173 MB) in Node: 1.4 s
 * of CPU against 4.5 s for fflate's JavaScript deflate at level 6, both 14.6 MB.
 * `push` must not be called again before `ready` resolves (that is the backpressure).
 */
export class NativeZipDeflate extends ZipPassThrough {
  private readonly writer: WritableStreamDefaultWriter<BufferSource>;
  /** Resolves once the compressor has taken the chunks pushed so far; rejects if it failed. */
  ready: Promise<void> = Promise.resolve();

  constructor(filename: string) {
    super(filename);
    this.compression = 8;
    let stream: CompressionStream;
    try {
      stream = new CompressionStream('deflate-raw');
    } catch (err) {
      throw new Error(`zip: this runtime cannot deflate ${filename} (CompressionStream 'deflate-raw' is missing: ${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    this.writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const pump = async (): Promise<void> => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.ondata(null, value, false);
      }
      this.ondata(null, new Uint8Array(0), true);
    };
    pump().catch((err: unknown) => this.ondata(flateError(`zip: deflating ${filename} failed: ${err instanceof Error ? err.message : String(err)}`), new Uint8Array(0), true));
  }

  protected override process(chunk: Uint8Array<ArrayBuffer>, final: boolean): void {
    const written = chunk.byteLength > 0 ? this.writer.write(chunk) : this.writer.ready;
    this.ready = final ? written.then(() => this.writer.close()) : written;
  }

  /** Called by Zip.terminate(): drop what is queued. */
  terminate = (): void => {
    this.writer.abort().catch(() => undefined);
  };
}

/** Thrown when the export was cancelled through its AbortSignal. */
export class ExportCancelled extends Error {
  constructor() {
    super('the export was cancelled');
    this.name = 'ExportCancelled';
  }
}

export interface ZipProjectOptions {
  /** Also data/<split>.npz: every non-empty split of this dataset, whole. */
  dataset?: Dataset;
  onProgress?: ExportProgress;
  signal?: AbortSignal;
  /** Rows gathered per chunk (tests use small ones to cross chunk boundaries). */
  chunkRows?: number;
}

/** Lets the event loop run (messages such as a cancel reach the worker) at most every this many ms. */
const YIELD_EVERY_MS = 50;

const rowsText = (n: number) => n.toLocaleString('en-US');

export async function zipProject(project: PytorchProject, folder: string, options: ZipProjectOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const { onProgress, signal } = options;
  const parts: Uint8Array[] = [];
  let failure: Error | null = null;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else parts.push(chunk);
    if (err || final) finish();
  });
  const data = options.dataset ? dataFiles(options.dataset) : [];
  const dataBytes = data.map((d) => splitDataBytes(d.split));
  const total = [...project.files.values()].reduce((n, b) => n + b.byteLength, 0) + dataBytes.reduce((n, b) => n + b, 0);
  let done = 0;
  let lastYield = Date.now();
  const checkpoint = async (): Promise<void> => {
    if (failure) throw failure;
    if (Date.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = Date.now();
    }
    if (signal?.aborted) throw new ExportCancelled();
  };

  try {
    for (const [path, bytes] of project.files) {
      const entry = new NativeZipDeflate(`${folder}/${path}`);
      zip.add(entry);
      entry.push(bytes, true);
      await entry.ready;
      done += bytes.byteLength;
      onProgress?.(total === 0 ? 1 : done / total, `compressing ${path}`);
      await checkpoint();
    }
    for (const [i, { path, split }] of data.entries()) {
      const entry = new NativeZipDeflate(`${folder}/${path}`);
      zip.add(entry);
      const before = done;
      for (const chunk of splitNpz(split, options.chunkRows)) {
        entry.push(chunk.bytes);
        await entry.ready;
        done = before + ((dataBytes[i] ?? 0) * chunk.rows) / split.size;
        onProgress?.(done / total, `compressing ${path} (${rowsText(chunk.rows)} of ${rowsText(split.size)} rows)`);
        await checkpoint();
      }
      entry.push(new Uint8Array(0), true);
      await entry.ready;
    }
    zip.end();
    await finished;
    if (failure) throw failure;
  } catch (err) {
    zip.terminate();
    throw err;
  }
  onProgress?.(1, 'done');
  return concatBytes(parts);
}
