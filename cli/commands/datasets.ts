import type { Command } from 'commander';
import { listDatasets, type DatasetSpec, type FeatureSpec } from '../../core/data';
import type { SetExitCode } from '../report';

function shapeText(feature: FeatureSpec): string {
  return `${feature.name}[${feature.shape.join(',')}]${feature.dtype === 'int32' ? ':int32' : ''}`;
}

interface DatasetRow {
  readonly id: string;
  readonly task: string;
  readonly title: string;
  readonly version: number;
  readonly sizes: DatasetSpec['sizes'];
  readonly features: { name: string; role: string; shape: readonly number[]; dtype: string; classes?: number; vocabulary?: number }[];
  readonly labels: DatasetRow['features'];
  readonly files: readonly string[];
  readonly source: string;
  readonly license: string;
}

function describeFeature(spec: DatasetSpec, f: FeatureSpec): DatasetRow['features'][number] {
  const vocabulary = f.vocabulary ? spec.vocabularies[f.vocabulary] : undefined;
  return {
    name: f.name,
    role: f.role,
    shape: f.shape,
    dtype: f.dtype,
    ...(f.classNames ? { classes: f.classNames.length } : {}),
    ...(vocabulary ? { vocabulary: vocabulary.tokens.length } : {}),
  };
}

function rows(): DatasetRow[] {
  return listDatasets().map((spec) => ({
    id: spec.id,
    task: spec.task,
    title: spec.title,
    version: spec.version,
    sizes: spec.sizes,
    features: spec.features.map((f) => describeFeature(spec, f)),
    labels: spec.labels.map((f) => describeFeature(spec, f)),
    files: spec.files,
    source: spec.origin.package,
    license: spec.origin.license,
  }));
}

function table(specs: readonly DatasetSpec[]): string {
  const header = ['id', 'task', 'train', 'val', 'test', 'features', 'labels'];
  const body = specs.map((s) => [
    s.id,
    s.task,
    String(s.sizes.train),
    String(s.sizes.validation),
    String(s.sizes.test),
    s.features.map(shapeText).join(' '),
    s.labels.map(shapeText).join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const numeric = new Set([2, 3, 4]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function registerDatasets(program: Command, setExitCode: SetExitCode): void {
  program
    .command('datasets')
    .description('List the bundled datasets: id, task, split sizes and feature shapes (reads no data).')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => {
      if (opts.json) process.stdout.write(`${JSON.stringify(rows(), null, 2)}\n`);
      else process.stdout.write(`${table(listDatasets())}\n`);
      setExitCode(0);
    });
}
