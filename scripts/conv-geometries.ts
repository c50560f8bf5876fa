/** The convolutions of the bundled examples that the conv benches time (LeNet's and the conv VAE's encoder). */
export interface ConvGeometry {
  name: string;
  x: [number, number, number, number];
  kernel: number;
  cout: number;
  strides: number;
  pad: 'same' | 'valid';
}

export const EXAMPLE_CONV_GEOMETRIES: ConvGeometry[] = [
  { name: 'lenet conv1', x: [64, 28, 28, 1], kernel: 5, cout: 6, strides: 1, pad: 'same' },
  { name: 'lenet conv2', x: [64, 14, 14, 6], kernel: 5, cout: 16, strides: 1, pad: 'valid' },
  { name: 'vae-conv conv1', x: [64, 28, 28, 1], kernel: 3, cout: 32, strides: 2, pad: 'same' },
  { name: 'vae-conv conv2', x: [64, 14, 14, 32], kernel: 3, cout: 64, strides: 2, pad: 'same' },
];
