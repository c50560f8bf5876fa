/**
 * Convolution layers whose dilation rate is above 1, made trainable. tfjs-core 4.22's conv2D,
 * fused conv2D and depthwise gradients refuse dilation > 1 on every backend, so the stock layers
 * run forward but cannot train. These subclasses compute the same convolution as dilation 1 on
 * `dilateFilter(kernel, rate)` (zeros between the taps), whose gradients exist everywhere.
 * Weights, weight names, shapes and `getConfig` are the stock layer's (the dilation rate is saved
 * and reloaded as is); only the class name differs, so the nodes use them only when a rate is
 * above 1 and saved models stay loadable by stock tfjs otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dilateFilter } from '../../../engine/kernels/dilated-filter';
import { fusedConv2d, fusedConv2dApplies } from './fused-conv2d';

export type ConvArgs = NonNullable<Parameters<typeof tfl.layers.conv2d>[0]>;
export type SeparableConvArgs = NonNullable<Parameters<typeof tfl.layers.separableConv2d>[0]>;
type StockConv2D = ReturnType<typeof tfl.layers.conv2d>;
type StockConv1D = ReturnType<typeof tfl.layers.conv1d>;
type StockSeparableConv2D = ReturnType<typeof tfl.layers.separableConv2d>;

/** tfjs exports the layers' factories but not their classes; a class is reached through an instance. */
type StockClass<Args, Instance> = (new (args: Args) => Instance) & Pick<typeof tfl.layers.Layer, 'fromConfig'>;
function stockClass<Args, Instance>(factory: (args: Args) => Instance, probe: Args): StockClass<Args, Instance> {
  return Object.getPrototypeOf(factory(probe)).constructor as StockClass<Args, Instance>;
}
const TfjsConv2D = stockClass<ConvArgs, StockConv2D>(tfl.layers.conv2d, { filters: 1, kernelSize: 1 });
const TfjsConv1D = stockClass<ConvArgs, StockConv1D>(tfl.layers.conv1d, { filters: 1, kernelSize: 1 });
const TfjsSeparableConv2D = stockClass<SeparableConvArgs, StockSeparableConv2D>(tfl.layers.separableConv2d, { filters: 1, kernelSize: 1 });

function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined) throw new Error('a convolution layer takes one input tensor');
  return x;
}

/** The nodes build channels-last layers only; channels-first would need transposes not written here. */
function requireChannelsLast(format: string | undefined, layer: string): void {
  if (format !== undefined && format !== 'channelsLast') {
    throw new Error(`${layer} with dilation supports only channelsLast data, got ${format}`);
  }
}

/** The stock Conv2D plus `fusedCall`: its convolution as one fused op where that applies (see fused-conv2d.ts). */
class FusableConv2D extends TfjsConv2D {
  /** The fused op's result (wasm with the SIMD module, ReLU or no activation), or null. */
  protected fusedCall(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | null {
    const x = oneTensor(inputs);
    const activation = this.activation?.getClassName() ?? 'linear';
    if (!fusedConv2dApplies(x, activation, this.dataFormat)) return null;
    const [sh, sw] = this.strides;
    const rates = typeof this.dilationRate === 'number' ? [this.dilationRate, this.dilationRate] : this.dilationRate;
    return tf.tidy(() =>
      fusedConv2d(
        x as tf.Tensor4D,
        this.kernel.read() as tf.Tensor4D,
        this.bias ? (this.bias.read() as tf.Tensor1D) : null,
        [sh ?? 1, sw ?? sh ?? 1],
        this.padding === 'same' ? 'same' : 'valid',
        [rates[0] ?? 1, rates[1] ?? rates[0] ?? 1],
        activation,
      ),
    );
  }
}

/**
 * The stock Conv2D, whose convolution runs as one fused op where that applies (see fused-conv2d.ts).
 * Same class name, config, weights and names: saved models load as the stock layer.
 */
export class Conv2DFused extends FusableConv2D {
  static readonly className = 'Conv2D';
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    return this.fusedCall(inputs) ?? super.call(inputs, kwargs);
  }
}

/** Conv2D with dilation > 1: a dilation-1 convolution with the dilated filter, then bias and activation. */
export class NetwrightDilatedConv2D extends FusableConv2D {
  static readonly className = 'NetwrightDilatedConv2D';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    requireChannelsLast(this.dataFormat, 'Conv2D');
    const fused = this.fusedCall(inputs);
    if (fused) return fused;
    return tf.tidy(() => {
      const x = oneTensor(inputs) as tf.Tensor4D;
      const filter = dilateFilter(this.kernel.read() as tf.Tensor4D, this.dilationRate);
      let y: tf.Tensor = tf.conv2d(x, filter, this.strides as [number, number], this.padding as 'valid' | 'same', 'NHWC', 1);
      // Bias on the channel (last) axis, as the stock layer's biasAdd for channels-last.
      if (this.bias != null) y = tf.add(y, this.bias.read());
      return this.activation != null ? this.activation.apply(y) : y;
    });
  }
}
serialization.registerClass(NetwrightDilatedConv2D, 'Netwright');

/** Conv1D with dilation > 1 (tfjs computes conv1d as conv2d on an added axis, with dilation [1, rate]). */
export class NetwrightDilatedConv1D extends TfjsConv1D {
  static readonly className = 'NetwrightDilatedConv1D';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs) as tf.Tensor3D;
      const filter = dilateFilter(this.kernel.read() as tf.Tensor3D, this.dilationRate[0] ?? 1);
      const pad = this.padding === 'same' ? 'same' : 'valid';
      let y: tf.Tensor = tf.conv1d(x, filter, this.strides[0] ?? 1, pad, 'NWC', 1);
      if (this.bias != null) y = tf.add(y, this.bias.read());
      return this.activation != null ? this.activation.apply(y) : y;
    });
  }
}
serialization.registerClass(NetwrightDilatedConv1D, 'Netwright');

/**
 * SeparableConv2D with dilation > 1: the depthwise filter [kh, kw, c, m] is dilated, the 1x1
 * pointwise step is unchanged. Also saves `depthMultiplier`, which tfjs 4.22 leaves out of the
 * stock layer's config (see SeparableConv2DWithDepthMultiplier).
 */
export class NetwrightDilatedSeparableConv2D extends TfjsSeparableConv2D {
  static readonly className = 'NetwrightDilatedSeparableConv2D';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    requireChannelsLast(this.dataFormat, 'SeparableConv2D');
    return tf.tidy(() => {
      const x = oneTensor(inputs) as tf.Tensor4D;
      const depthwise = dilateFilter(this.depthwiseKernel.read() as tf.Tensor4D, this.dilationRate);
      const pointwise = this.pointwiseKernel.read() as tf.Tensor4D;
      let y: tf.Tensor = tf.separableConv2d(x, depthwise, pointwise, this.strides as [number, number], this.padding as 'valid' | 'same', [1, 1], 'NHWC');
      if (this.bias != null) y = tf.add(y, this.bias.read());
      return this.activation != null ? this.activation.apply(y) : y;
    });
  }
  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier };
  }
}
serialization.registerClass(NetwrightDilatedSeparableConv2D, 'Netwright');

export const isDilated = (rates: readonly number[]): boolean => rates.some((r) => r > 1);

/** The stock layer for dilation 1 (portable saved models), the trainable subclass otherwise. */
export function conv2dLayer(args: ConvArgs & { dilationRate: [number, number] }): StockConv2D {
  return isDilated(args.dilationRate) ? new NetwrightDilatedConv2D(args) : new Conv2DFused(args);
}

export function conv1dLayer(args: ConvArgs & { dilationRate: number }): StockConv1D {
  return args.dilationRate > 1 ? new NetwrightDilatedConv1D(args) : tfl.layers.conv1d(args);
}

export function dilatedSeparableConv2dLayer(args: SeparableConvArgs): StockSeparableConv2D {
  return new NetwrightDilatedSeparableConv2D(args);
}
