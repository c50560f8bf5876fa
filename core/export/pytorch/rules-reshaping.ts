/**
 * Rules of the PyTorch export for the weightless layers that move, repeat, pad, crop or resize
 * values (Permute, RepeatVector, ZeroPadding2D, Cropping2D, UpSampling2D): each written to compute
 * exactly what tfjs-layers 4.22 computes.
 */
import type { Shape } from '../../shapes/shape';
import { toSides } from '../../catalogue/layers/pooling/sides';
import { asChannelsFirst, asChannelsLast, empty, ints, num, one, pair, pyTuple, type LayerRule } from './rules';

const permute: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const y = ctx.out('out');
    // Keras' dims are 1-based without the batch axis, as torch's permute after the batch.
    e.forward.push(`${y} = ${asChannelsLast(x)}.permute(0, ${ints(ctx.params, 'dims').join(', ')})`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const repeatVector: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const y = ctx.out('out');
    e.forward.push(`${y} = ${asChannelsLast(x)}.unsqueeze(1).repeat(1, ${num(ctx.params, 'n')}, 1)`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const zeroPadding2d: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const [[top, bottom], [left, right]] = toSides(ints(ctx.params, 'padding'));
    const y = ctx.out('out');
    // F.pad lists the last axis (width) first.
    e.forward.push(`${y} = F.pad(${asChannelsFirst(x)}, ${pyTuple([left, right, top, bottom])})`);
    e.outputs['out'] = { expr: y, channelsFirst: true, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

/** A Python slice dropping `before` items at the start and `after` at the end. */
function trim(before: number, after: number): string {
  return `${before}:${after > 0 ? -after : ''}`;
}

const cropping2d: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const [[top, bottom], [left, right]] = toSides(ints(ctx.params, 'cropping'));
    const y = ctx.out('out');
    e.forward.push(`${y} = ${asChannelsFirst(x)}[:, :, ${trim(top, bottom)}, ${trim(left, right)}]`);
    e.outputs['out'] = { expr: y, channelsFirst: true, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const upSampling2d: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const [sh, sw] = pair(ints(ctx.params, 'size'));
    const y = ctx.out('out');
    const input = asChannelsFirst(x);
    if (ctx.params['interpolation'] === 'bilinear') {
      e.helpers.push('tf_resize_bilinear');
      e.forward.push(`${y} = tf_resize_bilinear(${input}, ${sh}, ${sw})`);
    } else {
      // tfjs' nearest neighbour with an integer factor repeats each pixel.
      e.forward.push(`${y} = ${input}.repeat_interleave(${sh}, dim=2).repeat_interleave(${sw}, dim=3)`);
    }
    e.outputs['out'] = { expr: y, channelsFirst: true, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

export const RESHAPING_HELPERS: Readonly<Record<string, string>> = {
  tf_resize_bilinear: `def tf_resize_bilinear(x, scale_h, scale_w):
    """tf.image.resizeBilinear as tfjs' UpSampling2D calls it (align_corners=False, half_pixel_centers=False):
    output pixel i reads input position i / scale, which F.interpolate (half-pixel centres) does not."""
    def axis(size, scale):
        pos = torch.arange(size * scale, dtype=torch.float32) * (1.0 / scale)
        low = pos.floor().long().clamp(max=size - 1)
        high = (low + 1).clamp(max=size - 1)
        return low, high, pos - low.float()

    top, bottom, fy = axis(x.shape[2], scale_h)
    left, right, fx = axis(x.shape[3], scale_w)
    fx = fx.view(1, 1, 1, -1)
    rows_top, rows_bottom = x[:, :, top], x[:, :, bottom]
    upper = rows_top[..., left] + (rows_top[..., right] - rows_top[..., left]) * fx
    lower = rows_bottom[..., left] + (rows_bottom[..., right] - rows_bottom[..., left]) * fx
    return upper + (lower - upper) * fy.view(1, 1, -1, 1)`,
};

export const RESHAPING_RULES: Readonly<Record<string, LayerRule>> = {
  Permute: permute,
  RepeatVector: repeatVector,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  UpSampling2D: upSampling2d,
};
