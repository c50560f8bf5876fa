/*
 * Conv2D (NHWC) forwards and its three gradients, and MaxPool2D's gradient, for the fused
 * convolution op (core/catalogue/layers/convolution/fused-conv2d.ts). Same rules as kernels.c: tfjs'
 * heap, no static data, no globals, no stack; scratch comes from the caller.
 *
 * The convolution is a matrix product over blocks of output pixels: the block's patch rows
 * P [rows, K] (im2col, K = kh·kw·cin in (i, j, ch) order, the filter's own [kh, kw, cin, cout] row
 * order) times the filter [K, cout]. Blocks keep P in cache (rows·K ≤ ~16k floats). cout is padded
 * to a multiple of 4 (zero columns) so every product runs in whole vectors: LeNet's 6 filters cost
 * 8 columns' work, which is still much less than single columns in scalar code.
 */
#include "simd.h"

/* The convolution's geometry, written by the caller into a small int32 buffer on the heap. */
typedef struct {
  int32_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, cout;
} ConvGeo;

/* Input channels below which the forward pass and the filter gradient use transposed patches (see patches_t). */
#define TRANSPOSED_MAX_CHANNELS 4

static inline int round4(int x) { return (x + 3) & ~3; }

/* Rows per block: P [rows, K] within ~64 KB, at least 16 and at most 256 rows, a multiple of 4. */
static inline int block_rows(int k) {
  int rows = 16384 / (k > 0 ? k : 1);
  if (rows > 256) rows = 256;
  if (rows < 16) rows = 16;
  return rows & ~3;
}

static void copy_f32(f32 *dst, const f32 *src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) store(dst + i, load(src + i));
  for (; i < n; i++) dst[i] = src[i];
}

static void add_f32(f32 *dst, const f32 *src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) store(dst + i, wasm_f32x4_add(load(dst + i), load(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}

/*
 * Patch rows of output pixels [p0, p0 + rows) into P (leading dimension ld ≥ K): P[p, (i, j, ch)] =
 * x[b, r·sh + i·dh - top, q·sw + j·dw - left, ch], zero in the padding. (add = 0)
 * Or the reverse (add = 1, col2im): every P entry is added to the x position it came from.
 * Pixels are walked in order (b, r, q) without divisions; with dilation 1 a kernel row's taps
 * inside the image are one contiguous run of x.
 */
static void patches(f32 *x, f32 *P, int ld, int p0, int rows, const ConvGeo *g, int add) {
  const int c = g->c, kw = g->kw, perImage = g->oh * g->ow;
  int b = p0 / perImage, r = (p0 % perImage) / g->ow, q = p0 % g->ow;
  for (int t = 0; t < rows; t++) {
    /* Kernel columns whose input column falls inside [0, w): [jFrom, jTo). */
    const int base = q * g->sw - g->left;
    int jFrom = 0;
    while (jFrom < kw && base + jFrom * g->dw < 0) jFrom++;
    int jTo = jFrom;
    while (jTo < kw && base + jTo * g->dw < g->w) jTo++;
    f32 *row = P + t * ld;
    for (int i = 0; i < g->kh; i++) {
      f32 *dst = row + i * kw * c;
      const int xr = r * g->sh + i * g->dh - g->top;
      if (xr < 0 || xr >= g->h) {
        if (!add) zero(dst, kw * c);
        continue;
      }
      f32 *src = x + ((b * g->h + xr) * g->w + base) * c;
      if (!add && (jFrom > 0 || jTo < kw)) {
        zero(dst, jFrom * c);
        zero(dst + jTo * c, (kw - jTo) * c);
      }
      if (g->dw == 1) {
        if (add) add_f32(src + jFrom * c, dst + jFrom * c, (jTo - jFrom) * c);
        else copy_f32(dst + jFrom * c, src + jFrom * c, (jTo - jFrom) * c);
      } else {
        for (int j = jFrom; j < jTo; j++) {
          if (add) add_f32(src + j * g->dw * c, dst + j * c, c);
          else copy_f32(dst + j * c, src + j * g->dw * c, c);
        }
      }
    }
    if (++q == g->ow) {
      q = 0;
      if (++r == g->oh) {
        r = 0;
        b++;
      }
    }
  }
}

/* x < 0 ? 0 : x, as tfjs' relu (NaN stays NaN). */
static inline v128_t v_relu(v128_t v) {
  return wasm_v128_bitselect(splat(0.0f), v, wasm_f32x4_lt(v, splat(0.0f)));
}

/* dy where y > 0, else 0 (the gradient through a ReLU; y is its output). */
static inline v128_t v_relu_mask(v128_t d, v128_t y) {
  return wasm_v128_and(d, wasm_f32x4_gt(y, splat(0.0f)));
}

/*
 * D[rows, ldd] = dy rows [p0, p0 + rows) of [M, cout], masked by y > 0 when relu; columns past cout
 * zero (ldd = round4(cout)). Whole vectors: a row's last vector reads into the next row and its
 * lanes past cout are cleared; the last row of dy is read one value at a time.
 */
static void masked_rows(const f32 *dy, const f32 *y, f32 *D, int ldd, int p0, int rows, int cout, int M, int relu) {
  const int c4 = cout & ~3, tail = cout - c4;
  /* Lanes of the last vector that are columns of this row. */
  const v128_t keep = wasm_i32x4_gt(wasm_i32x4_splat(tail), wasm_i32x4_make(0, 1, 2, 3));
  const int last = p0 + rows == M ? rows - 1 : rows;
  for (int t = 0; t < last; t++) {
    const f32 *d = dy + (p0 + t) * cout, *yy = y + (p0 + t) * cout;
    f32 *o = D + t * ldd;
    for (int q = 0; q < ldd; q += 4) {
      v128_t v = relu ? v_relu_mask(load(d + q), load(yy + q)) : load(d + q);
      store(o + q, q < c4 ? v : wasm_v128_and(v, keep));
    }
  }
  for (int t = last; t < rows; t++) {
    const f32 *d = dy + (p0 + t) * cout, *yy = y + (p0 + t) * cout;
    f32 *o = D + t * ldd;
    for (int q = 0; q < ldd; q++) o[q] = q < cout && (!relu || yy[q] > 0.0f) ? d[q] : 0.0f;
  }
}

/*
 * For few input channels (LeNet's first layer: cin 1, a patch row of 25 floats) patch rows cost
 * more to build than the product, so the patches are built transposed instead: PT [K, pixels] of
 * whole output rows [row0, row0 + rows) (row = b·oh + r), where each (i, j, ch) row is, per output
 * row, a run of ow input values at stride sw·cin: one contiguous copy when sw·cin is 1.
 */
static void patches_t(const f32 *x, f32 *PT, int row0, int rows, const ConvGeo *g) {
  const int c = g->c, ow = g->ow, ld = rows * ow, step = g->sw * c;
  int k = 0;
  for (int i = 0; i < g->kh; i++) {
    for (int j = 0; j < g->kw; j++) {
      const int colOffset = j * g->dw - g->left;
      /* Output columns whose input column q·sw + colOffset falls inside [0, w): [qFrom, qTo). */
      int qFrom = 0;
      while (qFrom < ow && qFrom * g->sw + colOffset < 0) qFrom++;
      int qTo = qFrom;
      while (qTo < ow && qTo * g->sw + colOffset < g->w) qTo++;
      for (int ch = 0; ch < c; ch++, k++) {
        f32 *dst = PT + k * ld;
        for (int t = 0; t < rows; t++, dst += ow) {
          const int row = row0 + t, b = row / g->oh, r = row % g->oh;
          const int xr = r * g->sh + i * g->dh - g->top;
          if (xr < 0 || xr >= g->h) {
            zero(dst, ow);
            continue;
          }
          zero(dst, qFrom);
          zero(dst + qTo, ow - qTo);
          const f32 *src = x + ((b * g->h + xr) * g->w + qFrom * g->sw + colOffset) * c + ch;
          if (step == 1) copy_f32(dst + qFrom, src, qTo - qFrom);
          else for (int q = qFrom; q < qTo; q++, src += step) dst[q] = *src;
        }
      }
    }
  }
}

/* Output rows per block of transposed patches: PT [K, rows·ow] within ~64 KB, at least one row. */
static inline int block_out_rows(int k, int ow) {
  int pixels = 16384 / (k > 0 ? k : 1);
  return pixels / ow > 0 ? pixels / ow : 1;
}

/*
 * y [n·oh·ow, cout] = patches · w (+ bias) (relu), w [K, cout].
 * Scratch: wp [K + 1, round4(cout)], P [max(block, pixels), K], Y [max(block, pixels), round4(cout)],
 * pixels = block_out_rows(K, ow) · ow (the transposed patches' block).
 */
EXPORT(conv2d_forward)
void conv2d_forward(f32 *x, const f32 *w, const f32 *bias, f32 *y, const ConvGeo *g, int relu, f32 *wp, f32 *P, f32 *Y) {
  const int K = g->kh * g->kw * g->c, cout = g->cout, cp = round4(cout);
  const int M = g->n * g->oh * g->ow, block = block_rows(K);
  for (int k = 0; k < K; k++) {
    for (int q = 0; q < cp; q++) wp[k * cp + q] = q < cout ? w[k * cout + q] : 0.0f;
  }
  /* The bias padded to cp columns, in the last row of wp's scratch (wp has K + 1 rows). */
  f32 *bp = wp + K * cp;
  for (int q = 0; q < cp; q++) bp[q] = bias && q < cout ? bias[q] : 0.0f;
  const int direct = cp == cout; /* whole vectors: the product writes y itself */
  const int transposed = g->c < TRANSPOSED_MAX_CHANNELS, outRows = block_out_rows(K, g->ow);
  for (int p0 = 0; p0 < M;) {
    int rows;
    f32 *C;
    if (transposed) {
      const int row0 = p0 / g->ow, n = g->n * g->oh - row0 < outRows ? g->n * g->oh - row0 : outRows;
      rows = n * g->ow;
      patches_t(x, P, row0, n, g);
      C = direct ? y + p0 * cout : Y;
      for (int t = 0; t < rows; t++) copy_f32(C + t * cp, bp, cp);
      gemm_acc(P, 1, rows, wp, cp, C, cp, rows, K, cp);
    } else {
      rows = M - p0 < block ? M - p0 : block;
      patches(x, P, K, p0, rows, g, 0);
      C = direct ? y + p0 * cout : Y;
      for (int t = 0; t < rows; t++) copy_f32(C + t * cp, bp, cp);
      gemm_acc(P, K, 1, wp, cp, C, cp, rows, K, cp);
    }
    if (relu || !direct) {
      /*
       * Whole vectors: a row's last vector also writes (zeros) over the start of the next row,
       * which is written afterwards; only the output's last row stops at cout.
       */
      const int last = p0 + rows == M ? rows - 1 : rows;
      for (int t = 0; t < last; t++) {
        f32 *o = y + (p0 + t) * cout;
        const f32 *src = C + t * cp;
        for (int q = 0; q < cp; q += 4) store(o + q, relu ? v_relu(load(src + q)) : load(src + q));
      }
      for (int t = last; t < rows; t++) {
        f32 *o = y + (p0 + t) * cout;
        const f32 *src = C + t * cp;
        for (int q = 0; q < cout; q++) o[q] = relu && src[q] < 0.0f ? 0.0f : src[q];
      }
    }
    p0 += rows;
  }
}

/*
 * dw [K, cout] = patchesᵀ · dy' (dy' = dy, times (y > 0) when relu), accumulated over blocks.
 * Scratch: acc [K, round4(cout)], P [max(block, pixels), K], D [max(block, pixels), round4(cout)] (as conv2d_forward).
 */
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(f32 *x, const f32 *dy, const f32 *y, f32 *dw, const ConvGeo *g, int relu, f32 *acc, f32 *P, f32 *D) {
  const int K = g->kh * g->kw * g->c, cout = g->cout, cp = round4(cout);
  const int block = block_rows(K);
  const int M = g->n * g->oh * g->ow;
  zero(acc, K * cp);
  const int transposed = g->c < TRANSPOSED_MAX_CHANNELS, outRows = block_out_rows(K, g->ow);
  for (int p0 = 0; p0 < M;) {
    int rows;
    if (transposed) {
      const int row0 = p0 / g->ow, n = g->n * g->oh - row0 < outRows ? g->n * g->oh - row0 : outRows;
      rows = n * g->ow;
      patches_t(x, P, row0, n, g);
      masked_rows(dy, y, D, cp, p0, rows, cout, M, relu);
      gemm_acc(P, rows, 1, D, cp, acc, cp, K, rows, cp);
    } else {
      rows = M - p0 < block ? M - p0 : block;
      patches(x, P, K, p0, rows, g, 0);
      masked_rows(dy, y, D, cp, p0, rows, cout, M, relu);
      gemm_acc(P, 1, K, D, cp, acc, cp, K, rows, cp);
    }
    p0 += rows;
  }
  for (int k = 0; k < K; k++) {
    for (int q = 0; q < cout; q++) dw[k * cout + q] = acc[k * cp + q];
  }
}

/*
 * dx [n, h, w, cin] = col2im(dy' · wᵀ). Scratch: wt [cout, round4(K)], D [block, round4(cout)],
 * P [block, round4(K)].
 */
EXPORT(conv2d_backprop_input)
void conv2d_backprop_input(const f32 *dy, const f32 *y, const f32 *w, f32 *dx, const ConvGeo *g, int relu, f32 *wt, f32 *D, f32 *P) {
  const int K = g->kh * g->kw * g->c, kp = round4(K), cout = g->cout, cp = round4(cout);
  const int M = g->n * g->oh * g->ow, block = block_rows(kp);
  for (int q = 0; q < cout; q++) {
    for (int k = 0; k < kp; k++) wt[q * kp + k] = k < K ? w[k * cout + q] : 0.0f;
  }
  zero(dx, g->n * g->h * g->w * g->c);
  for (int p0 = 0; p0 < M; p0 += block) {
    const int rows = M - p0 < block ? M - p0 : block;
    masked_rows(dy, y, D, cp, p0, rows, cout, M, relu);
    zero(P, rows * kp);
    gemm_acc(D, cp, 1, wt, kp, P, kp, rows, cout, kp);
    patches(dx, P, kp, p0, rows, g, 1);
  }
}

/*
 * db [cout] = column sums of dy' [rows, cout] (dy masked by y > 0 when relu). The flat array is read
 * in groups of L = lcm(cout, 4) floats (L / cout rows), so each vector lane keeps one column;
 * float32 partial sums over chunks of 1024 groups go into float64 totals.
 * Scratch: part [L] floats, sums64 [cout] doubles.
 */
EXPORT(conv2d_bias_grad)
void conv2d_bias_grad(const f32 *dy, const f32 *y, f32 *db, f32 *part, double *sums64, int rows, int cout, int relu) {
  const int L = cout % 4 == 0 ? cout : cout % 2 == 0 ? 2 * cout : 4 * cout;
  const int groupRows = L / cout, groups = rows / groupRows;
  for (int q = 0; q < cout; q++) sums64[q] = 0.0;
  for (int g0 = 0; g0 < groups; g0 += 1024) {
    const int g1 = groups - g0 < 1024 ? groups : g0 + 1024;
    for (int v = 0; v < L; v += 4) {
      v128_t acc = splat(0.0f);
      const f32 *d = dy + g0 * L + v, *yy = y + g0 * L + v;
      if (relu) {
        for (int k = g0; k < g1; k++, d += L, yy += L) acc = wasm_f32x4_add(acc, v_relu_mask(load(d), load(yy)));
      } else {
        for (int k = g0; k < g1; k++, d += L) acc = wasm_f32x4_add(acc, load(d));
      }
      store(part + v, acc);
    }
    for (int e = 0; e < L; e++) sums64[e % cout] += part[e];
  }
  for (int r = groups * groupRows; r < rows; r++) {
    for (int q = 0; q < cout; q++) {
      if (!relu || y[r * cout + q] > 0.0f) sums64[q] += dy[r * cout + q];
    }
  }
  for (int q = 0; q < cout; q++) db[q] = (f32)sums64[q];
}

/*
 * MaxPool (NHWC), the cpu backend's rule: the largest value of the window's in-bounds positions
 * (padding never counts; NaN never wins; a window with nothing above -Infinity gives -Infinity).
 * Four channels at a time as in maxpool_grad (whose maximum it is), the last group overlapping.
 */
EXPORT(maxpool_forward)
void maxpool_forward(const f32 *x, f32 *y, int n, int h, int w, int c, int oh, int ow, int fh, int fw, int sh, int sw, int top,
                     int left) {
  for (int b = 0; b < n; b++) {
    for (int r = 0; r < oh; r++) {
      const int r0 = r * sh - top;
      const int rFrom = r0 > 0 ? r0 : 0, rTo = r0 + fh < h ? r0 + fh : h;
      for (int q = 0; q < ow; q++) {
        const int q0 = q * sw - left;
        const int qFrom = q0 > 0 ? q0 : 0, qTo = q0 + fw < w ? q0 + fw : w;
        f32 *o = y + ((b * oh + r) * ow + q) * c;
        if (c >= 4) {
          for (int ch0 = 0; ch0 < c; ch0 += 4) {
            const int start = ch0 + 4 <= c ? ch0 : c - 4;
            v128_t best = splat(-__builtin_inff());
            for (int i = rFrom; i < rTo; i++) {
              const f32 *xi = x + ((b * h + i) * w + qFrom) * c + start;
              for (int j = qFrom; j < qTo; j++, xi += c) {
                const v128_t v = load(xi);
                best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
              }
            }
            store(o + start, best);
          }
          continue;
        }
        for (int ch = 0; ch < c; ch++) {
          f32 best = -__builtin_inff();
          for (int i = rFrom; i < rTo; i++) {
            for (int j = qFrom; j < qTo; j++) {
              const f32 v = x[((b * h + i) * w + j) * c + ch];
              if (v > best) best = v;
            }
          }
          o[ch] = best;
        }
      }
    }
  }
}

/*
 * MaxPoolGrad (NHWC): each output's gradient goes to the first maximum of its window in row-major
 * window order (the cpu backend's rule, which also settles ties such as windows of ReLU zeros);
 * padding never wins; a window with nothing above -Infinity (all -Infinity or NaN) sends it to
 * its first in-bounds position. The same rule as the JavaScript kernel in
 * core/engine/kernels/pool-resize-grads.ts, which runs when this module is not loaded.
 */
EXPORT(maxpool_grad)
void maxpool_grad(const f32 *x, const f32 *dy, f32 *dx, int n, int h, int w, int c, int oh, int ow, int fh, int fw, int sh,
                  int sw, int top, int left) {
  zero(dx, n * h * w * c);
  for (int b = 0; b < n; b++) {
    for (int r = 0; r < oh; r++) {
      const int r0 = r * sh - top;
      const int rFrom = r0 > 0 ? r0 : 0, rTo = r0 + fh < h ? r0 + fh : h;
      for (int q = 0; q < ow; q++) {
        const int q0 = q * sw - left;
        const int qFrom = q0 > 0 ? q0 : 0, qTo = q0 + fw < w ? q0 + fw : w;
        if (rFrom >= rTo || qFrom >= qTo) continue;
        const f32 *d = dy + ((b * oh + r) * ow + q) * c;
        if (c >= 4) {
          /*
           * Four channels at a time, without branches on the data: the running maximum and its
           * position per lane. The last group overlaps the previous one when c is not a multiple
           * of 4 (LeNet: 6 channels); its lanes already done are skipped when scattering.
           */
          for (int ch0 = 0; ch0 < c; ch0 += 4) {
            const int start = ch0 + 4 <= c ? ch0 : c - 4, skip = ch0 - start;
            const int first = ((b * h + rFrom) * w + qFrom) * c + start;
            v128_t best = splat(-__builtin_inff());
            v128_t at = wasm_i32x4_add(wasm_i32x4_splat(first), wasm_i32x4_make(0, 1, 2, 3));
            for (int i = rFrom; i < rTo; i++) {
              for (int j = qFrom; j < qTo; j++) {
                const int index = ((b * h + i) * w + j) * c + start;
                const v128_t v = load(x + index);
                const v128_t greater = wasm_f32x4_gt(v, best);
                best = wasm_v128_bitselect(v, best, greater);
                at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(index), wasm_i32x4_make(0, 1, 2, 3)), at, greater);
              }
            }
            if (skip <= 0) dx[wasm_i32x4_extract_lane(at, 0)] += d[start];
            if (skip <= 1) dx[wasm_i32x4_extract_lane(at, 1)] += d[start + 1];
            if (skip <= 2) dx[wasm_i32x4_extract_lane(at, 2)] += d[start + 2];
            dx[wasm_i32x4_extract_lane(at, 3)] += d[start + 3];
          }
          continue;
        }
        for (int ch = 0; ch < c; ch++) {
          const int first = ((b * h + rFrom) * w + qFrom) * c + ch;
          f32 best = -__builtin_inff();
          int at = first;
          for (int i = rFrom; i < rTo; i++) {
            for (int j = qFrom; j < qTo; j++) {
              const int index = ((b * h + i) * w + j) * c + ch;
              if (x[index] > best) {
                best = x[index];
                at = index;
              }
            }
          }
          dx[at] += d[ch];
        }
      }
    }
  }
}
