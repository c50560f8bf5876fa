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

/* Input channels below which the forward pass and the filter gradient use direct products (see direct_row). */
#define DIRECT_MAX_CHANNELS 4

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

/* D[rows, ldd] = dy rows [p0, p0 + rows) (cout columns), masked by y > 0 when relu; columns past cout zero. */
static void masked_rows(const f32 *dy, const f32 *y, f32 *D, int ldd, int p0, int rows, int cout, int relu) {
  const int c4 = cout & ~3;
  for (int t = 0; t < rows; t++) {
    const f32 *d = dy + (p0 + t) * cout, *yy = y + (p0 + t) * cout;
    f32 *o = D + t * ldd;
    int q = 0;
    if (relu) {
      for (; q < c4; q += 4) store(o + q, v_relu_mask(load(d + q), load(yy + q)));
      for (; q < cout; q++) o[q] = yy[q] > 0.0f ? d[q] : 0.0f;
    } else {
      for (; q < c4; q += 4) store(o + q, load(d + q));
      for (; q < cout; q++) o[q] = d[q];
    }
    for (; q < ldd; q++) o[q] = 0.0f;
  }
}

/*
 * Direct products for few input channels (LeNet's first layer: cin 1, a patch row of 25 floats),
 * where building patch rows costs more than the product: for each output row, each kernel row i
 * multiplies the input pixels as they lie in x. For the output pixels whose window is inside the
 * image horizontally ("interior"), kernel row i's taps of consecutive pixels are rows of x at stride
 * sw·cin: a matrix with leading dimension sw·cin, kw·cin wide (dilation 1; else one tap j at a time,
 * cin wide). The few border pixels are single-row products over their taps inside the image.
 */
static inline int interior_from(const ConvGeo *g) {
  int q = 0;
  while (q < g->ow && q * g->sw - g->left < 0) q++;
  return q;
}
static inline int interior_to(const ConvGeo *g, int from) {
  int q = from;
  while (q < g->ow && q * g->sw - g->left + (g->kw - 1) * g->dw < g->w) q++;
  return q;
}

/*
 * Output row (b, r): C[q, :] += Σ_i Σ_j x[b, xr_i, q·sw + j·dw - left, :] · w[i, j] (filterT = 0), or
 * the filter gradient (filterT = 1): W[(i, j, ch), :] += Σ_q x[...] · C[q, :]. wp/C [.., cp].
 */
static void direct_row(const f32 *x, f32 *wp, f32 *C, int b, int r, int qa, int qb, const ConvGeo *g, int cp, int filterT) {
  const int c = g->c, kw = g->kw, step = g->sw * c;
  for (int i = 0; i < g->kh; i++) {
    const int xr = r * g->sh + i * g->dh - g->top;
    if (xr < 0 || xr >= g->h) continue;
    const f32 *xrow = x + (b * g->h + xr) * g->w * c;
    f32 *wi = wp + i * kw * c * cp;
    /* Interior pixels [qa, qb). */
    if (qb > qa) {
      const f32 *x0 = xrow + (qa * g->sw - g->left) * c;
      f32 *c0 = C + qa * cp;
      if (g->dw == 1) {
        if (filterT) gemm_acc(x0, 1, step, c0, cp, wi, cp, kw * c, qb - qa, cp);
        else gemm_acc(x0, step, 1, wi, cp, c0, cp, qb - qa, kw * c, cp);
      } else {
        for (int j = 0; j < kw; j++) {
          if (filterT) gemm_acc(x0 + j * g->dw * c, 1, step, c0, cp, wi + j * c * cp, cp, c, qb - qa, cp);
          else gemm_acc(x0 + j * g->dw * c, step, 1, wi + j * c * cp, cp, c0, cp, qb - qa, c, cp);
        }
      }
    }
    /* Border pixels, one at a time over their taps inside the image. */
    for (int q = 0; q < g->ow; q++) {
      if (q == qa) q = qb > qa ? qb : qa;
      if (q >= g->ow) break;
      const int base = q * g->sw - g->left;
      f32 *cq = C + q * cp;
      for (int j = 0; j < kw; j++) {
        const int xc = base + j * g->dw;
        if (xc < 0 || xc >= g->w) continue;
        const f32 *a = xrow + xc * c;
        f32 *wj = wi + j * c * cp;
        for (int ch = 0; ch < c; ch++, wj += cp) {
          const v128_t av = splat(a[ch]);
          for (int k = 0; k < cp; k += 4) {
            if (filterT) store(wj + k, wasm_f32x4_add(load(wj + k), wasm_f32x4_mul(av, load(cq + k))));
            else store(cq + k, wasm_f32x4_add(load(cq + k), wasm_f32x4_mul(av, load(wj + k))));
          }
        }
      }
    }
  }
}

/*
 * y [n·oh·ow, cout] = patches · w (+ bias) (relu), w [K, cout].
 * Scratch: wp [K + 1, round4(cout)], P [block, K], Y [max(block, ow), round4(cout)].
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
  if (g->c < DIRECT_MAX_CHANNELS) {
    const int qa = interior_from(g), qb = interior_to(g, qa), ow = g->ow, c4 = cout & ~3;
    for (int row = 0; row < g->n * g->oh; row++) {
      f32 *C = direct ? y + row * ow * cout : Y;
      for (int t = 0; t < ow; t++) copy_f32(C + t * cp, bp, cp);
      direct_row(x, wp, C, row / g->oh, row % g->oh, qa, qb, g, cp, 0);
      for (int t = 0; t < ow; t++) {
        f32 *o = y + (row * ow + t) * cout;
        const f32 *src = C + t * cp;
        int q = 0;
        if (relu) {
          for (; q < c4; q += 4) store(o + q, v_relu(load(src + q)));
          for (; q < cout; q++) o[q] = src[q] < 0.0f ? 0.0f : src[q];
        } else if (!direct) {
          copy_f32(o, src, cout);
        }
      }
    }
    return;
  }
  for (int p0 = 0; p0 < M; p0 += block) {
    const int rows = M - p0 < block ? M - p0 : block;
    patches(x, P, K, p0, rows, g, 0);
    f32 *C = direct ? y + p0 * cout : Y;
    for (int t = 0; t < rows; t++) copy_f32(C + t * cp, bp, cp);
    gemm_acc(P, K, 1, wp, cp, C, cp, rows, K, cp);
    const int c4 = cout & ~3;
    for (int t = 0; t < rows; t++) {
      f32 *o = y + (p0 + t) * cout;
      const f32 *src = C + t * cp;
      int q = 0;
      if (relu) {
        for (; q < c4; q += 4) store(o + q, v_relu(load(src + q)));
        for (; q < cout; q++) o[q] = src[q] < 0.0f ? 0.0f : src[q];
      } else if (!direct) {
        copy_f32(o, src, cout);
      }
    }
  }
}

/*
 * dw [K, cout] = patchesᵀ · dy' (dy' = dy, times (y > 0) when relu), accumulated over blocks.
 * Scratch: acc [K, round4(cout)], P [block, K], D [max(block, ow), round4(cout)].
 */
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(f32 *x, const f32 *dy, const f32 *y, f32 *dw, const ConvGeo *g, int relu, f32 *acc, f32 *P, f32 *D) {
  const int K = g->kh * g->kw * g->c, cout = g->cout, cp = round4(cout);
  const int block = block_rows(K);
  int M = g->n * g->oh * g->ow;
  zero(acc, K * cp);
  if (g->c < DIRECT_MAX_CHANNELS) {
    const int qa = interior_from(g), qb = interior_to(g, qa);
    for (int row = 0; row < g->n * g->oh; row++) {
      masked_rows(dy, y, D, cp, row * g->ow, g->ow, cout, relu);
      direct_row(x, acc, D, row / g->oh, row % g->oh, qa, qb, g, cp, 1);
    }
    M = 0; /* done */
  }
  for (int p0 = 0; p0 < M; p0 += block) {
    const int rows = M - p0 < block ? M - p0 : block;
    patches(x, P, K, p0, rows, g, 0);
    masked_rows(dy, y, D, cp, p0, rows, cout, relu);
    gemm_acc(P, 1, K, D, cp, acc, cp, K, rows, cp);
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
    masked_rows(dy, y, D, cp, p0, rows, cout, relu);
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
