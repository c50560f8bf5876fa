/*
 * The Dense layer (y = act(x·W + b)) forward and its three gradients, for the fused Dense op
 * (core/catalogue/layers/core/fused-dense.ts, kernels in dense-kernels.ts). x [m, k], W [k, n],
 * b [n], y and dy [m, n], all row-major; n need not be a multiple of 4 (10 logits). Activation
 * codes (dense-kernels.ts): 0 linear, 1 relu, 2 sigmoid, 3 tanh. The gradients read act'(z) from
 * y, as tfjs' gradients do: relu dy·(y > 0), sigmoid dy·y(1 - y), tanh dy·(1 - y²).
 */
#include "simd.h"

enum { LINEAR = 0, RELU = 1, SIGMOID = 2, TANH = 3 };

static inline v128_t activate4(v128_t z, int act) {
  switch (act) {
    case RELU: return wasm_f32x4_max(z, splat(0.0f));
    case SIGMOID: return v_sigmoid(z);
    case TANH: return v_tanh(z);
    default: return z;
  }
}

/* dy·act'(z), from y = act(z). */
static inline v128_t activation_grad4(v128_t dy, v128_t y, int act) {
  switch (act) {
    case RELU: return wasm_v128_and(dy, wasm_f32x4_gt(y, splat(0.0f)));
    case SIGMOID: return wasm_f32x4_mul(dy, wasm_f32x4_mul(y, wasm_f32x4_sub(splat(1.0f), y)));
    case TANH: return wasm_f32x4_mul(dy, wasm_f32x4_sub(splat(1.0f), wasm_f32x4_mul(y, y)));
    default: return dy;
  }
}

/* The tails use lane 0 of the vector function, so every element gets the same arithmetic. */
static inline f32 activation_grad1(f32 dy, f32 y, int act) {
  return wasm_f32x4_extract_lane(activation_grad4(splat(dy), splat(y), act), 0);
}

/* dz[i] = dy[i]·act'(y[i]) over count values. */
static void activation_grad(const f32 *dy, const f32 *y, f32 *dz, int count, int act) {
  int i = 0;
  for (; i + 4 <= count; i += 4) store(dz + i, activation_grad4(load(dy + i), load(y + i), act));
  for (; i < count; i++) dz[i] = activation_grad1(dy[i], y[i], act);
}

/* The first `count` (1 to 3) lanes of v to dst; lanes are compile-time indices, hence the cases. */
static inline void store_lanes(f32 *dst, v128_t v, int count) {
  dst[0] = wasm_f32x4_extract_lane(v, 0);
  if (count > 1) dst[1] = wasm_f32x4_extract_lane(v, 1);
  if (count > 2) dst[2] = wasm_f32x4_extract_lane(v, 2);
}

/* Columns j0.. of a row from two vectors (8 columns, `width` of them inside the matrix). */
static inline void store8(f32 *dst, v128_t lo, v128_t hi, int width) {
  if (width >= 4) {
    store(dst, lo);
    if (width == 8) store(dst + 4, hi);
    else if (width > 4) store_lanes(dst + 4, hi, width - 4);
  } else {
    store_lanes(dst, lo, width);
  }
}

/* 8 values of b from j0 (zeros past n, and all zeros without b), as two vectors. */
static inline void bias8(const f32 *b, int j0, int n, v128_t *lo, v128_t *hi) {
  if (!b) {
    *lo = *hi = splat(0.0f);
  } else if (n - j0 >= 8) {
    *lo = load(b + j0);
    *hi = load(b + j0 + 4);
  } else {
    const int r = n - j0;
    *lo = wasm_f32x4_make(b[j0], r > 1 ? b[j0 + 1] : 0, r > 2 ? b[j0 + 2] : 0, r > 3 ? b[j0 + 3] : 0);
    *hi = wasm_f32x4_make(r > 4 ? b[j0 + 4] : 0, r > 5 ? b[j0 + 5] : 0, r > 6 ? b[j0 + 6] : 0, 0.0f);
  }
}

/*
 * The right operand B [k, n] of a product as panels of 8 columns, each k rows of 8 contiguous
 * values (zeros past n): the product then reads B sequentially, 32 bytes per step, from a panel
 * that stays in cache while every row tile of the left operand passes over it (XNNPACK packs its
 * weights the same way; here the packing is redone at every call, as the weights change every
 * step). B(p, j) = src[p·rs + j·cs], so Wᵀ packs straight from W (rs 1, cs n): no transposed copy.
 */
static void pack_panels(const f32 *src, int rs, int cs, f32 *packed, int k, int n) {
  for (int j0 = 0; j0 < n; j0 += 8) {
    f32 *dst = packed + j0 * k;
    const int width = n - j0 < 8 ? n - j0 : 8;
    for (int p = 0; p < k; p++, dst += 8) {
      const f32 *row = src + p * rs + j0 * cs;
      if (width == 8 && cs == 1) {
        store(dst, load(row));
        store(dst + 4, load(row + 4));
        continue;
      }
      int q = 0;
      for (; q < width; q++) dst[q] = row[q * cs];
      for (; q < 8; q++) dst[q] = 0.0f;
    }
  }
}

/* As pack_panels for dz = dy·act'(y) (both [k, n] row-major), computed while packing. */
static void pack_activation_grad(const f32 *dy, const f32 *y, f32 *packed, int k, int n, int act) {
  for (int j0 = 0; j0 < n; j0 += 8) {
    f32 *dst = packed + j0 * k;
    const int width = n - j0 < 8 ? n - j0 : 8;
    for (int p = 0; p < k; p++, dst += 8) {
      const f32 *d = dy + p * n + j0, *v = y + p * n + j0;
      if (width == 8) {
        store(dst, activation_grad4(load(d), load(v), act));
        store(dst + 4, activation_grad4(load(d + 4), load(v + 4), act));
        continue;
      }
      int q = 0;
      for (; q < width; q++) dst[q] = activation_grad1(d[q], v[q], act);
      for (; q < 8; q++) dst[q] = 0.0f;
    }
  }
}

/*
 * C [m, n] = act(a·B + b), B packed by pack_panels, a(i, p) = A[i·ars + p·acs] (acs = 1: A
 * row-major; ars = 1: A read transposed, for xᵀ·dz); b may be 0. 4x8 tiles: 8 accumulators, two
 * panel loads and four splatted values of a per step (15 vector registers of x64's 16), bias and
 * activation applied to the tile before its one store.
 */
static void panel_product(const f32 *A, int ars, int acs, const f32 *packed, f32 *C, int m, int k, int n, const f32 *b, int act) {
  const int m4 = m & ~3;
  for (int j0 = 0; j0 < n; j0 += 8) {
    const int width = n - j0 < 8 ? n - j0 : 8;
    const f32 *panel = packed + j0 * k;
    v128_t blo, bhi;
    bias8(b, j0, n, &blo, &bhi);
    for (int i = 0; i < m4; i += 4) {
      const f32 *a0 = A + i * ars, *a1 = a0 + ars, *a2 = a1 + ars, *a3 = a2 + ars;
      v128_t s[8] = {blo, bhi, blo, bhi, blo, bhi, blo, bhi};
      tile4x8(a0, a1, a2, a3, acs, panel, 8, k, s);
      f32 *c = C + i * n + j0;
      store8(c, activate4(s[0], act), activate4(s[1], act), width);
      store8(c + n, activate4(s[2], act), activate4(s[3], act), width);
      store8(c + 2 * n, activate4(s[4], act), activate4(s[5], act), width);
      store8(c + 3 * n, activate4(s[6], act), activate4(s[7], act), width);
    }
    for (int i = m4; i < m; i++) {
      const f32 *a0 = A + i * ars;
      v128_t s00 = blo, s01 = bhi;
      const f32 *bp = panel;
      for (int p = 0, q = 0; p < k; p++, q += acs, bp += 8) {
        v128_t x0 = splat(a0[q]);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x0, load(bp)));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x0, load(bp + 4)));
      }
      store8(C + i * n + j0, activate4(s00, act), activate4(s01, act), width);
    }
  }
}

/* y [m, n] = act(x [m, k]·W [k, n] + b); b may be 0 (no bias); packed: k·⌈n/8⌉·8 floats. */
EXPORT(dense_forward)
void dense_forward(const f32 *x, const f32 *w, const f32 *b, f32 *y, f32 *packed, int m, int k, int n, int act) {
  pack_panels(w, n, 1, packed, k, n);
  panel_product(x, k, 1, packed, y, m, k, n, b, act);
}

/* dW [k, n] = xᵀ·(dy·act'(y)), x read transposed in place; packed: m·⌈n/8⌉·8 floats. */
EXPORT(dense_grad_kernel)
void dense_grad_kernel(const f32 *x, const f32 *dy, const f32 *y, f32 *packed, f32 *dw, int m, int k, int n, int act) {
  pack_activation_grad(dy, y, packed, m, n, act);
  panel_product(x, 1, k, packed, dw, k, m, n, 0, LINEAR);
}

/* dx [m, k] = (dy·act'(y))·Wᵀ; dz: m·n floats (unused when linear), packed: n·⌈k/8⌉·8 floats. */
EXPORT(dense_grad_input)
void dense_grad_input(const f32 *dy, const f32 *y, const f32 *w, f32 *dz, f32 *packed, f32 *dx, int m, int k, int n, int act) {
  if (act != LINEAR) activation_grad(dy, y, dz, m * n, act);
  pack_panels(w, 1, n, packed, n, k);
  panel_product(act == LINEAR ? dy : dz, n, 1, packed, dx, m, n, k, 0, LINEAR);
}

/* db [n] = column sums of dy·act'(y), accumulated in float32 row by row (as tfjs' Sum). */
EXPORT(dense_grad_bias)
void dense_grad_bias(const f32 *dy, const f32 *y, f32 *db, int m, int n, int act) {
  const int n4 = n & ~3;
  zero(db, n);
  for (int i = 0; i < m; i++) {
    const f32 *d = dy + i * n, *v = y + i * n;
    int j = 0;
    for (; j < n4; j += 4) store(db + j, wasm_f32x4_add(load(db + j), activation_grad4(load(d + j), load(v + j), act)));
    for (; j < n; j++) db[j] += activation_grad1(d[j], v[j], act);
  }
}
