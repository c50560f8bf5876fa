import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expect, it } from 'vitest';
import { compileSeeded } from '../../../core/engine/run';
import { GraphBuilder } from '../../../core/graph';

it("building and running a Reshape leaves the document's targetShape as written (-1 stays -1)", async () => {
  await tf.setBackend('cpu');
  const g = new GraphBuilder('reshape');
  g.add('Reshape', { targetShape: [3, -1] }, g.add('Input', { shape: [12] }), 'reshape');
  const graph = g.build();
  const compiled = compileSeeded(graph);
  const x = tf.zeros([2, 12]);
  const y = compiled.model.predict(x) as tf.Tensor;
  expect(y.shape).toEqual([2, 3, 4]);
  expect(graph.nodes.find((n) => n.id === 'reshape')?.params['targetShape']).toEqual([3, -1]);
  tf.dispose([x, y]);
  compiled.model.dispose();
});
