/*
 * Sparse softmax cross-entropy from logits, per row, and its gradient: one pass each instead of
 * tfjs' log-softmax, one-hot, product, sum and negation (about 25 kernels forwards and backwards).
 * logits [rows, c] row-major; labels one class id per row, int32 or float32 (`labels_int`); a
 * label outside [0, c) gives loss 0 and gradient 0, as tfjs' one-hot row of zeros does.
 * loss = max + log Σ exp(x - max) - x[label]; d loss / dx = softmax(x) - onehot(label).
 */
#include "simd.h"

/* log(x) for x >= 1 (a sum of exponentials whose largest term is 1): Cephes' logf. */
static f32 log_f32(f32 x) {
  uint32_t bits = __builtin_bit_cast(uint32_t, x);
  int e = (int)((bits >> 23) & 0xff) - 126;
  f32 m = __builtin_bit_cast(f32, (bits & 0x007fffffu) | 0x3f000000u); /* x = m·2^e, m in [0.5, 1) */
  if (m < 0.707106781186547524f) {
    e -= 1;
    m = m + m - 1.0f;
  } else {
    m = m - 1.0f;
  }
  f32 z = m * m;
  f32 y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  y += -2.12194440e-4f * (f32)e;
  y += -0.5f * z;
  return m + y + 0.693359375f * (f32)e;
}

static inline f32 exp_f32(f32 x) { return wasm_f32x4_extract_lane(v_exp(splat(x)), 0); }

/* The row's class id, or -1 when it is not in [0, c) (NaN included). */
static inline int label_of(const void *labels, int labels_int, int r, int c) {
  if (labels_int) {
    int l = ((const int32_t *)labels)[r];
    return l >= 0 && l < c ? l : -1;
  }
  f32 v = ((const f32 *)labels)[r];
  return v > -1.0f && v < (f32)c ? (int)v : -1; /* truncated toward 0, as tfjs casts */
}

static f32 row_max(const f32 *row, int c) {
  int j = 0;
  f32 best = row[0];
  if (c >= 4) {
    v128_t m = load(row);
    for (j = 4; j + 4 <= c; j += 4) m = wasm_f32x4_max(m, load(row + j));
    m = wasm_f32x4_max(m, wasm_i32x4_shuffle(m, m, 2, 3, 0, 1));
    m = wasm_f32x4_max(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
    best = wasm_f32x4_extract_lane(m, 0);
  }
  for (; j < c; j++) best = row[j] > best ? row[j] : best;
  return best;
}

/* Σ exp(row - max). */
static f32 row_exp_sum(const f32 *row, int c, f32 max) {
  v128_t s = splat(0.0f), mx = splat(max);
  int j = 0;
  for (; j + 4 <= c; j += 4) s = wasm_f32x4_add(s, v_exp(wasm_f32x4_sub(load(row + j), mx)));
  s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 2, 3, 0, 1));
  s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
  f32 sum = wasm_f32x4_extract_lane(s, 0);
  for (; j < c; j++) sum += exp_f32(row[j] - max);
  return sum;
}

/* loss [rows] = log Σ exp(x) - x[label] per row. */
EXPORT(sparse_xent_forward)
void sparse_xent_forward(const f32 *logits, const void *labels, int labels_int, f32 *loss, int rows, int c) {
  for (int r = 0; r < rows; r++) {
    const f32 *row = logits + r * c;
    const int label = label_of(labels, labels_int, r, c);
    if (label < 0) {
      loss[r] = 0.0f;
      continue;
    }
    const f32 max = row_max(row, c);
    loss[r] = max + log_f32(row_exp_sum(row, c, max)) - row[label];
  }
}

/* dlogits [rows, c] = dloss[r]·(softmax(x) - onehot(label)) per row. */
EXPORT(sparse_xent_backward)
void sparse_xent_backward(const f32 *logits, const void *labels, int labels_int, const f32 *dloss, f32 *dlogits, int rows, int c) {
  for (int r = 0; r < rows; r++) {
    const f32 *row = logits + r * c;
    f32 *out = dlogits + r * c;
    const int label = label_of(labels, labels_int, r, c);
    if (label < 0) {
      zero(out, c);
      continue;
    }
    const f32 max = row_max(row, c);
    const f32 scale = dloss[r] / row_exp_sum(row, c, max);
    const v128_t mx = splat(max), sc = splat(scale);
    int j = 0;
    for (; j + 4 <= c; j += 4) store(out + j, wasm_f32x4_mul(v_exp(wasm_f32x4_sub(load(row + j), mx)), sc));
    for (; j < c; j++) out[j] = exp_f32(row[j] - max) * scale;
    out[label] -= dloss[r];
  }
}
