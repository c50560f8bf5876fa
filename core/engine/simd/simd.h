/*
 * What Netwright's SIMD kernel files share: types, the export attribute, vector helpers (exp, tanh,
 * sigmoid), and the tiled matrix product of gemm.c. Every kernel runs on tfjs' heap (see
 * kernels.c): no static data, no globals, no stack.
 */
#ifndef NETWRIGHT_SIMD_H
#define NETWRIGHT_SIMD_H

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

static inline v128_t splat(f32 x) { return wasm_f32x4_splat(x); }

/* exp(x), float32 (Cephes' expf: range reduction by ln 2, degree-5 polynomial; relative error ~1e-7). */
static inline v128_t v_exp(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, splat(-87.3f)), splat(88.3f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, splat(-2.12194440e-4f)));
  v128_t p = splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r), splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

/*
 * tanh(x) as Eigen's rational approximation x·P(x²)/Q(x²) (degrees 13/6), x clamped at ±7.9053
 * (where it reaches 1 in float32): no exp, one division; error a few float32 ulps (tested against
 * Math.tanh in test/unit/engine/simd-kernels.test.ts).
 */
static inline v128_t v_tanh(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, splat(-7.90531110763549805f)), splat(7.90531110763549805f));
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(5.12229709037114e-08f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(1.48572235717979e-05f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(6.37261928875436e-04f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(4.89352455891786e-03f));
  p = wasm_f32x4_mul(p, x);
  v128_t q = splat(1.19825839466702e-06f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, z), splat(1.18534705686654e-04f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, z), splat(2.26843463243900e-03f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, z), splat(4.89352518554385e-03f));
  return wasm_f32x4_div(p, q);
}

static inline v128_t v_sigmoid(v128_t x) {
  return wasm_f32x4_div(splat(1.0f), wasm_f32x4_add(splat(1.0f), v_exp(wasm_f32x4_neg(x))));
}

static inline v128_t load(const f32 *p) { return wasm_v128_load(p); }
static inline void store(f32 *p, v128_t v) { wasm_v128_store(p, v); }

/*
 * The 4x8 register tile every product here uses (XNNPACK's "splat" scheme): s[0..7] (rows 0-3, two
 * 4-lane halves each) += a(r, p)·B[p, 0..7] over p < k, a rows a0..a3 read every acs floats, B's
 * rows every ldb floats. Inlined, s lives in registers.
 */
static inline void tile4x8(const f32 *a0, const f32 *a1, const f32 *a2, const f32 *a3, int acs, const f32 *bp, int ldb, int k, v128_t *s) {
  for (int p = 0, q = 0; p < k; p++, q += acs, bp += ldb) {
    v128_t b0 = load(bp), b1 = load(bp + 4);
    v128_t x0 = splat(a0[q]), x1 = splat(a1[q]), x2 = splat(a2[q]), x3 = splat(a3[q]);
    s[0] = wasm_f32x4_add(s[0], wasm_f32x4_mul(x0, b0));
    s[1] = wasm_f32x4_add(s[1], wasm_f32x4_mul(x0, b1));
    s[2] = wasm_f32x4_add(s[2], wasm_f32x4_mul(x1, b0));
    s[3] = wasm_f32x4_add(s[3], wasm_f32x4_mul(x1, b1));
    s[4] = wasm_f32x4_add(s[4], wasm_f32x4_mul(x2, b0));
    s[5] = wasm_f32x4_add(s[5], wasm_f32x4_mul(x2, b1));
    s[6] = wasm_f32x4_add(s[6], wasm_f32x4_mul(x3, b0));
    s[7] = wasm_f32x4_add(s[7], wasm_f32x4_mul(x3, b1));
  }
}

/* C[m, n] += a(A)[m, k] B[k, n]; see gemm.c. */
void gemm_acc(const f32 *A, int ars, int acs, const f32 *B, int ldb, f32 *C, int ldc, int m, int k, int n);
void zero(f32 *p, int n);

#endif
