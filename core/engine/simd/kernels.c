/*
 * Netwright's own wasm SIMD (128-bit) kernels: the hot elementwise work of seq2seq-dates that
 * tfjs 4.22's wasm backend runs as scalar loops or as many small dispatches.
 *
 * Built by scripts/build-simd.mjs (clang --target=wasm32 -msimd128, wasm-ld --import-memory) and
 * instantiated on the memory of tfjs' own wasm module (core/engine/simd/index.ts): every pointer
 * below is an offset into tfjs' heap, where the tensors already are, so nothing is copied.
 *
 * Rules that make sharing the memory safe: no static data, no globals, no stack (every function is
 * a leaf over scalars and pointers; the build script refuses a module that touches its stack
 * pointer), and nothing is allocated here: buffers, scratch included, are tfjs tensors.
 */
#include "simd.h"

/* tanh of n values (n a multiple of 4), for tests of the approximation. */
EXPORT(tanh_f32)
void tanh_f32(const f32 *x, f32 *y, int n) {
  for (int i = 0; i < n; i += 4) store(y + i, v_tanh(load(x + i)));
}

EXPORT(sigmoid_f32)
void sigmoid_f32(const f32 *x, f32 *y, int n) {
  for (int i = 0; i < n; i += 4) store(y + i, v_sigmoid(load(x + i)));
}

/*
 * Additive attention scores: scores[b, i, j] = sum_u v[u] tanh(q[b, i, u] + k[b, j, u]); hidden
 * keeps the tanh values [B, Tq, Tv, U] for the backward pass. U is a multiple of 4.
 */
EXPORT(additive_scores_forward)
void additive_scores_forward(const f32 *q, const f32 *k, const f32 *v, f32 *scores, f32 *hidden,
                             int batch, int tq, int tv, int units) {
  for (int b = 0; b < batch; b++) {
    for (int i = 0; i < tq; i++) {
      const f32 *qRow = q + (b * tq + i) * units;
      int row = (b * tq + i) * tv;
      for (int j = 0; j < tv; j++) {
        const f32 *kRow = k + (b * tv + j) * units;
        f32 *h = hidden + (row + j) * units;
        v128_t acc = splat(0.0f);
        for (int u = 0; u < units; u += 4) {
          v128_t t = v_tanh(wasm_f32x4_add(load(qRow + u), load(kRow + u)));
          store(h + u, t);
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(t, load(v + u)));
        }
        scores[row + j] = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
                          wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
      }
    }
  }
}

/*
 * Its gradients: with d = dy[b, i, j] v (1 - t^2), dq[b, i] = sum_j d, dk[b, j] = sum_i d,
 * dv = sum_{b, i, j} dy t. dvPart: scratch of units floats; dv64: units doubles (8-aligned),
 * where each (b, i) row's float32 partial sum of dv is added, so the long sum stays accurate.
 */
EXPORT(additive_scores_backward)
void additive_scores_backward(const f32 *dy, const f32 *hidden, const f32 *v, f32 *dq, f32 *dk, f32 *dv,
                              f32 *dvPart, double *dv64, int batch, int tq, int tv, int units) {
  for (int u = 0; u < units; u++) dv64[u] = 0.0;
  for (int u = 0; u < batch * tv * units; u += 4) store(dk + u, splat(0.0f));
  for (int b = 0; b < batch; b++) {
    for (int i = 0; i < tq; i++) {
      f32 *dqRow = dq + (b * tq + i) * units;
      int row = (b * tq + i) * tv;
      for (int u = 0; u < units; u += 4) {
        store(dqRow + u, splat(0.0f));
        store(dvPart + u, splat(0.0f));
      }
      for (int j = 0; j < tv; j++) {
        f32 g = dy[row + j];
        if (g == 0.0f) continue; /* masked source positions: exactly zero gradient */
        v128_t gs = splat(g);
        const f32 *h = hidden + (row + j) * units;
        f32 *dkRow = dk + (b * tv + j) * units;
        for (int u = 0; u < units; u += 4) {
          v128_t t = load(h + u);
          store(dvPart + u, wasm_f32x4_add(load(dvPart + u), wasm_f32x4_mul(gs, t)));
          v128_t d = wasm_f32x4_mul(wasm_f32x4_mul(gs, load(v + u)), wasm_f32x4_sub(splat(1.0f), wasm_f32x4_mul(t, t)));
          store(dqRow + u, wasm_f32x4_add(load(dqRow + u), d));
          store(dkRow + u, wasm_f32x4_add(load(dkRow + u), d));
        }
      }
      for (int u = 0; u < units; u += 2) {
        v128_t part = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(dvPart + u));
        wasm_v128_store(dv64 + u, wasm_f64x2_add(wasm_v128_load(dv64 + u), part));
      }
    }
  }
  for (int u = 0; u < units; u++) dv[u] = (f32)dv64[u];
}

/* For tests and measurements: C = op(A) B, A [m, k] (or [k, m] with transposeA), B [k, n]. */
EXPORT(matmul_f32)
void matmul_f32(const f32 *A, const f32 *B, f32 *C, int m, int k, int n, int transposeA) {
  zero(C, m * n);
  if (transposeA) gemm_acc(A, 1, m, B, n, C, n, m, k, n);
  else gemm_acc(A, k, 1, B, n, C, n, m, k, n);
}

/*
 * A whole LSTM sequence forwards (gates i, f, g, o; sigmoid gates, tanh candidate and cell), rows
 * laid out like x: row b*time + t is step t (input order) of sample b.
 *  x [B, T, F]; kernel [F, 4U]; bias [4U] or 0; recurrent [U, 4U]; h0, c0 [B, U] or 0 (zeros);
 *  keep [B*T] int32 (0: the step is masked: states and output carried over) or 0.
 *  out [B, T + 1, U]: h after each processed step in processing order, then the final c.
 *  Kept for the backward pass: gates [B*T, 4U] (activated), cellOut = tanh(c) [B*T, U],
 *  prevC, prevH [B*T, U] (the states each step started from).
 *  Scratch: z [B, 4U], h, c [B, U].
 * Per step: z = bias + x_t W + h U (two tiled products), then the gate arithmetic.
 */
EXPORT(lstm_forward)
void lstm_forward(const f32 *x, const f32 *kernel, const f32 *bias, const f32 *recurrent, const f32 *h0, const f32 *c0,
                  const int32_t *keep, f32 *out, f32 *gates, f32 *cellOut, f32 *prevC, f32 *prevH, f32 *z, f32 *h,
                  f32 *c, int batch, int time, int features, int units, int goBackwards) {
  const int width = 4 * units;
  for (int i = 0; i < batch * units; i += 4) {
    store(h + i, h0 ? load(h0 + i) : splat(0.0f));
    store(c + i, c0 ? load(c0 + i) : splat(0.0f));
  }
  for (int s = 0; s < time; s++) {
    int t = goBackwards ? time - 1 - s : s;
    for (int b = 0; b < batch; b++) {
      f32 *zr = z + b * width;
      if (bias) {
        for (int j = 0; j < width; j += 4) store(zr + j, load(bias + j));
      } else {
        zero(zr, width);
      }
    }
    gemm_acc(x + t * features, time * features, 1, kernel, width, z, width, batch, features, width);
    gemm_acc(h, units, 1, recurrent, width, z, width, batch, units, width);
    for (int b = 0; b < batch; b++) {
      int row = b * time + t;
      f32 *hb = h + b * units, *cb = c + b * units;
      f32 *pc = prevC + row * units, *ph = prevH + row * units, *co = cellOut + row * units;
      f32 *o = out + (b * (time + 1) + s) * units;
      for (int j = 0; j < units; j += 4) {
        store(pc + j, load(cb + j));
        store(ph + j, load(hb + j));
      }
      f32 *gr = gates + row * width;
      if (keep && !keep[row]) {
        /* Masked: h and c carried over; the kept gates are never read. */
        zero(gr, width);
        for (int j = 0; j < units; j += 4) {
          store(co + j, splat(0.0f));
          store(o + j, load(hb + j));
        }
        continue;
      }
      const f32 *zr = z + b * width;
      for (int j = 0; j < units; j += 4) {
        v128_t ig = v_sigmoid(load(zr + j));
        v128_t fg = v_sigmoid(load(zr + units + j));
        v128_t gg = v_tanh(load(zr + 2 * units + j));
        v128_t og = v_sigmoid(load(zr + 3 * units + j));
        v128_t cn = wasm_f32x4_add(wasm_f32x4_mul(fg, load(cb + j)), wasm_f32x4_mul(ig, gg));
        v128_t ac = v_tanh(cn);
        v128_t hn = wasm_f32x4_mul(og, ac);
        store(gr + j, ig);
        store(gr + units + j, fg);
        store(gr + 2 * units + j, gg);
        store(gr + 3 * units + j, og);
        store(co + j, ac);
        store(cb + j, cn);
        store(hb + j, hn);
        store(o + j, hn);
      }
    }
  }
  for (int b = 0; b < batch; b++) {
    f32 *o = out + (b * (time + 1) + time) * units;
    for (int j = 0; j < units; j += 4) store(o + j, load(c + b * units + j));
  }
}

/* sums[c] = sum_r m[r, c] (cols a multiple of 4), accumulated in float64 per column (sums64: cols doubles). */
EXPORT(column_sums)
void column_sums(const f32 *m, f32 *sums, double *sums64, int rows, int cols) {
  for (int q = 0; q < cols; q++) sums64[q] = 0.0;
  for (int r = 0; r < rows; r++) {
    const f32 *row = m + r * cols;
    for (int q = 0; q < cols; q += 4) {
      v128_t x = load(row + q);
      wasm_v128_store(sums64 + q, wasm_f64x2_add(wasm_v128_load(sums64 + q), wasm_f64x2_promote_low_f32x4(x)));
      wasm_v128_store(sums64 + q + 2,
                      wasm_f64x2_add(wasm_v128_load(sums64 + q + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 0, 1))));
    }
  }
  for (int q = 0; q < cols; q++) sums[q] = (f32)sums64[q];
}

/* dst [cols, rows] = src [rows, cols]ᵀ. */
static void transpose(const f32 *src, f32 *dst, int rows, int cols) {
  for (int r = 0; r < rows; r++)
    for (int q = 0; q < cols; q++) dst[q * rows + r] = src[r * cols + q];
}

/*
 * The LSTM sequence backwards through time, from dOut [B, T + 1, U] (the packed output's gradient)
 * and what lstm_forward kept, then every parameter's gradient:
 *  dx [B, T, F] = dPre Wᵀ, dKernel [F, 4U] = xᵀ dPre, dRecurrent [U, 4U] = prevHᵀ dPre,
 *  dBias [4U] = column sums of dPre (float64), dh, dc [B, U]: the initial states' gradients.
 * Scratch: dPre [B*T, 4U] (every gate pre-activation's gradient), recurrentT [4U, U],
 * kernelT [4U, F], dhNext, pass [B, U], sums64 [4U] doubles.
 */
EXPORT(lstm_backward)
void lstm_backward(const f32 *dOut, const f32 *x, const f32 *kernel, const f32 *recurrent, const int32_t *keep,
                   const f32 *gates, const f32 *cellOut, const f32 *prevC, const f32 *prevH, f32 *dx, f32 *dKernel,
                   f32 *dRecurrent, f32 *dBias, f32 *dh, f32 *dc, f32 *dPre, f32 *recurrentT, f32 *kernelT, f32 *dhNext,
                   f32 *pass, double *sums64, int batch, int time, int features, int units, int goBackwards) {
  const int width = 4 * units;
  const int rows = batch * time;
  const v128_t one = splat(1.0f);
  transpose(recurrent, recurrentT, units, width);
  for (int b = 0; b < batch; b++) {
    const f32 *src = dOut + (b * (time + 1) + time) * units;
    for (int j = 0; j < units; j += 4) {
      store(dc + b * units + j, load(src + j));
      store(dh + b * units + j, splat(0.0f));
    }
  }
  for (int s = time - 1; s >= 0; s--) {
    int t = goBackwards ? time - 1 - s : s;
    for (int b = 0; b < batch; b++) {
      int row = b * time + t;
      const f32 *dOutRow = dOut + (b * (time + 1) + s) * units;
      f32 *dhb = dh + b * units, *dcb = dc + b * units, *passb = pass + b * units;
      f32 *dp = dPre + row * width;
      if (keep && !keep[row]) {
        /* dPre stays 0; dh (plus this step's output gradient) and dc go to the previous step. */
        zero(dp, width);
        for (int j = 0; j < units; j += 4) store(passb + j, wasm_f32x4_add(load(dhb + j), load(dOutRow + j)));
        continue;
      }
      const f32 *gr = gates + row * width;
      const f32 *co = cellOut + row * units, *pc = prevC + row * units;
      for (int j = 0; j < units; j += 4) {
        v128_t dhk = wasm_f32x4_add(load(dhb + j), load(dOutRow + j));
        v128_t ig = load(gr + j), fg = load(gr + units + j), gg = load(gr + 2 * units + j), og = load(gr + 3 * units + j);
        v128_t ac = load(co + j);
        v128_t dcT = wasm_f32x4_add(load(dcb + j), wasm_f32x4_mul(wasm_f32x4_mul(dhk, og), wasm_f32x4_sub(one, wasm_f32x4_mul(ac, ac))));
        store(dp + j, wasm_f32x4_mul(wasm_f32x4_mul(dcT, gg), wasm_f32x4_mul(ig, wasm_f32x4_sub(one, ig))));
        store(dp + units + j, wasm_f32x4_mul(wasm_f32x4_mul(dcT, load(pc + j)), wasm_f32x4_mul(fg, wasm_f32x4_sub(one, fg))));
        store(dp + 2 * units + j, wasm_f32x4_mul(wasm_f32x4_mul(dcT, ig), wasm_f32x4_sub(one, wasm_f32x4_mul(gg, gg))));
        store(dp + 3 * units + j, wasm_f32x4_mul(wasm_f32x4_mul(dhk, ac), wasm_f32x4_mul(og, wasm_f32x4_sub(one, og))));
        store(dcb + j, wasm_f32x4_mul(dcT, fg));
        store(passb + j, splat(0.0f));
      }
    }
    /* dh_prev = dPre_t U^T (+ what masked rows pass through). */
    for (int i = 0; i < batch * units; i += 4) store(dhNext + i, load(pass + i));
    gemm_acc(dPre + t * width, time * width, 1, recurrentT, units, dhNext, units, batch, width, units);
    for (int i = 0; i < batch * units; i += 4) store(dh + i, load(dhNext + i));
  }
  /* The parameters' gradients: large products over every row. */
  transpose(kernel, kernelT, features, width);
  zero(dx, rows * features);
  gemm_acc(dPre, width, 1, kernelT, features, dx, features, rows, width, features);
  zero(dKernel, features * width);
  gemm_acc(x, 1, features, dPre, width, dKernel, width, features, rows, width);
  zero(dRecurrent, units * width);
  gemm_acc(prevH, 1, units, dPre, width, dRecurrent, width, units, rows, width);
  if (dBias) column_sums(dPre, dBias, sums64, rows, width);
}


/*
 * Adam's update of one variable (n values), tfjs' AdamOptimizer arithmetic in float32 and in its
 * order (no fused multiply-add in wasm SIMD, so every op rounds as tfjs' kernels do):
 *   m' = m*beta1 + g*(1-beta1);  v' = v*beta2 + (g*g)*(1-beta2)
 *   value' = (m'/(1-beta1^t)) / (sqrt(v'/(1-beta2^t)) + eps) * -lr + value
 * c1 = 1-beta1, c2 = 1-beta2, a1 = 1-beta1^t, a2 = 1-beta2^t, negLr = -lr (as tfjs' float32 scalars).
 */
static inline f32 adam_one(f32 value, f32 m, f32 v, f32 g, f32 *outM, f32 *outV, f32 b1, f32 b2, f32 c1, f32 c2, f32 a1,
                           f32 a2, f32 eps, f32 negLr) {
  f32 mi = m * b1 + g * c1;
  f32 vi = v * b2 + (g * g) * c2;
  *outM = mi;
  *outV = vi;
  return (mi / a1) / (__builtin_sqrtf(vi / a2) + eps) * negLr + value;
}

EXPORT(adam_f32)
void adam_f32(const f32 *value, const f32 *m, const f32 *v, const f32 *g, f32 *outValue, f32 *outM, f32 *outV, int n,
              f32 b1, f32 b2, f32 c1, f32 c2, f32 a1, f32 a2, f32 eps, f32 negLr) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(load(m + i), splat(b1)), wasm_f32x4_mul(gi, splat(c1)));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(load(v + i), splat(b2)), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), splat(c2)));
    store(outM + i, mi);
    store(outV + i, vi);
    v128_t root = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, splat(a2))), splat(eps));
    v128_t step = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_div(mi, splat(a1)), root), splat(negLr));
    store(outValue + i, wasm_f32x4_add(step, load(value + i)));
  }
  for (; i < n; i++) outValue[i] = adam_one(value[i], m[i], v[i], g[i], outM + i, outV + i, b1, b2, c1, c2, a1, a2, eps, negLr);
}

/*
 * The transposed patch matrix of Conv2DBackpropFilter's im2col product (core/engine/kernels/
 * conv-filter-im2col.ts): patches [kh*kw*c, n*oh*ow], row (i, j, ch), column (b, r, q), holding
 * x[b, r*sh + i*dh - top, q*sw + j*dw - left, ch] (NHWC), zero where that falls in the padding.
 */
EXPORT(im2col_transposed)
void im2col_transposed(const f32 *x, f32 *patches, int n, int h, int w, int c, int oh, int ow, int kh, int kw, int sh, int sw,
                       int dh, int dw, int top, int left, int padded) {
  const int columns = n * oh * ow;
  if (padded) zero(patches, kh * kw * c * columns);
  int row = 0;
  for (int i = 0; i < kh; i++) {
    const int rowOffset = i * dh - top;
    /* Output rows whose input row r*sh + rowOffset falls inside [0, h). */
    int rFrom = 0;
    while (rFrom < oh && rFrom * sh + rowOffset < 0) rFrom++;
    int rTo = rFrom;
    while (rTo < oh && rTo * sh + rowOffset < h) rTo++;
    for (int j = 0; j < kw; j++) {
      const int colOffset = j * dw - left;
      int qFrom = 0;
      while (qFrom < ow && qFrom * sw + colOffset < 0) qFrom++;
      int qTo = qFrom;
      while (qTo < ow && qTo * sw + colOffset < w) qTo++;
      for (int ch = 0; ch < c; ch++, row++) {
        for (int b = 0; b < n; b++) {
          for (int r = rFrom; r < rTo; r++) {
            f32 *out = patches + row * columns + (b * oh + r) * ow;
            const f32 *in = x + ((b * h + r * sh + rowOffset) * w + qFrom * sw + colOffset) * c + ch;
            for (int q = qFrom; q < qTo; q++, in += sw * c) out[q] = *in;
          }
        }
      }
    }
  }
}

/*
 * Σ x² (or Σ (x - y)² when y is not 0) over n floats, summed in float64 (the trainer's gradient,
 * weight and update norms: NetwrightL2Norms). Four float64 lanes in two f64x2 sums.
 */
EXPORT(sum_squares_f64)
double sum_squares_f64(const f32 *x, const f32 *y, int n) {
  v128_t lo = wasm_f64x2_splat(0.0), hi = wasm_f64x2_splat(0.0);
  int i = 0;
  /* Differences in float64, as the JavaScript path took them. */
  for (; i + 4 <= n; i += 4) {
    v128_t v = load(x + i);
    v128_t a = wasm_f64x2_promote_low_f32x4(v);
    v128_t b = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    if (y) {
      v128_t w = load(y + i);
      a = wasm_f64x2_sub(a, wasm_f64x2_promote_low_f32x4(w));
      b = wasm_f64x2_sub(b, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(w, w, 2, 3, 0, 1)));
    }
    lo = wasm_f64x2_add(lo, wasm_f64x2_mul(a, a));
    hi = wasm_f64x2_add(hi, wasm_f64x2_mul(b, b));
  }
  v128_t s = wasm_f64x2_add(lo, hi);
  double sum = wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
  for (; i < n; i++) {
    double d = (double)x[i] - (y ? (double)y[i] : 0.0);
    sum += d * d;
  }
  return sum;
}
