/**
 * UnsortedSegmentSum (the gradient of gather, i.e. of Embedding): out[s] = Σ_{i: ids[i] = s} x[i].
 * Written as a scatter-add (ScatterNd sums duplicate indices on every tfjs backend), which needs
 * memory proportional to x, unlike oneHot(ids)ᵀ · x whose one-hot matrix is ids × numSegments
 * (batch·length × vocabulary: hundreds of MB for an ordinary text model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { input } from './util';

export const unsortedSegmentSum: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const x = input(inputs, 'x', 'UnsortedSegmentSum');
    const segmentIds = input(inputs, 'segmentIds', 'UnsortedSegmentSum');
    // ids may cover the leading axes of x (as in TensorFlow); each id then selects a slice.
    const idCount = segmentIds.size;
    const sliceShape = x.shape.slice(segmentIds.rank);
    const ids = tf.cast(tf.reshape(segmentIds, [idCount]), 'int32');
    // TensorFlow drops ids outside [0, numSegments): send them to one extra segment, cut below.
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const target = tf.where(valid, ids, tf.fill([idCount], numSegments, 'int32'));
    const updates = tf.reshape(x, [idCount, ...sliceShape]);
    const summed = tf.scatterND(tf.reshape(target, [idCount, 1]), updates, [numSegments + 1, ...sliceShape]);
    return tf.slice(summed, 0, numSegments);
  });
