/** One sample of the inspection split as the dataset holds it: its image, text and label. */
import { imageTiles } from '../picture';
import { defineView } from '../view';
import { toImages } from '../session';

export const sampleView = defineView({
  kind: 'sample',
  title: 'Sample',
  available: () => true,
  request: (_s, options) => ({ kind: 'sample', sample: options.sample ?? 0 }),
  compute(s, { sample }) {
    const split = s.inspectionSplit();
    const row = Math.min(sample, split.size - 1);
    const batch = split.gather([row]);
    const imageSpec = s.imageFeature();
    const image = imageSpec ? batch.features[imageSpec.name] : undefined;
    const [h, w, c] = (imageSpec?.shape ?? [0, 0, 0]) as [number, number, number];
    // A class label by name; else a regression target (a forecast's next values) as numbers.
    const label = s.labelFeature() ?? s.dataset.spec.labels.find((f) => f.role === 'label' && f.dtype === 'float32') ?? null;
    const labelValues = label ? batch.features[label.name]?.data : undefined;
    const labelValue = labelValues?.[0];
    const text = s.dataset.texts?.[split.name]?.[row];
    return {
      kind: 'sample',
      sample: row,
      image: image && imageSpec ? toImages(image.data, 1, h, w, c, imageSpec.valueRange ?? null) : null,
      text: text ? (text.target ? `${text.source} → ${text.target}` : text.source) : null,
      label: label && labelValues && labelValue !== undefined ? (label.classNames ? (label.classNames[labelValue] ?? String(labelValue)) : Array.from(labelValues, (v) => v.toFixed(3)).join(', ')) : null,
    };
  },
  transfers: (result) => (result.image ? [result.image.values.buffer] : []),
  picture: (result) => [result.image ? imageTiles(result.image) : []],
});
