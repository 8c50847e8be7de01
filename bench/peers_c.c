/* Careful hand-written C peers: restrict pointers, loops gcc vectorizes,
 * `omp simd` reductions (vectorized without -ffast-math), a branch-free
 * polynomial expf so softmax vectorizes without libmvec, rows on OpenMP
 * threads (OMP_NUM_THREADS). No intrinsics: what a performance engineer
 * writes in portable C.
 *
 * Compiled twice (bench/CMakeLists.txt) with a different symbol prefix:
 *   PEER_PREFIX=c_     -O3 -march=native -fopenmp   (gcc prefers 256-bit vectors)
 *   PEER_PREFIX=c512_  ... -mprefer-vector-width=512 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define CAT2(a, b) a##b
#define CAT(a, b)  CAT2(a, b)
#define FN(name)   CAT(PEER_PREFIX, name)

void FN(add)(const float *restrict x, const float *restrict y, float *restrict z, int64_t n)
{
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++)
        z[i] = x[i] + y[i];
}

/* A compare-select vectorizes without -ffast-math (fmaxf does not). */
void FN(bias_relu)(const float *restrict x, const float *restrict b, float *restrict y, int64_t n)
{
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float v = x[i] * 2.0f + b[i];
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

/* exp(x) for x <= 0 (softmax after the max is subtracted), about 2 ulp:
 * Cody-Waite reduction and a degree-6 polynomial (Cephes coefficients). */
static inline float exp_nonpos(float x)
{
    x = x < -87.0f ? -87.0f : x;
    float t = x * 1.44269504088896341f + 12582912.0f; /* round to nearest */
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)n + 127) << 23;
    float s;
    memcpy(&s, &e, 4);
    return p * s;
}

static void softmax_row(const float *restrict x, float *restrict y, int64_t d)
{
    float m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int64_t j = 0; j < d; j++)
        m = x[j] > m ? x[j] : m;
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < d; j++) {
        float e = exp_nonpos(x[j] - m);
        y[j] = e;
        s += e;
    }
    float inv = 1.0f / s;
    for (int64_t j = 0; j < d; j++)
        y[j] *= inv;
}

void FN(softmax)(const float *restrict x, float *restrict y, int64_t n, int64_t d)
{
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n; r++)
        softmax_row(x + r * d, y + r * d, d);
}

/* Two passes (mean, then the centred variance) for accuracy; the row is
 * in cache for the second. */
static void layernorm_row(const float *restrict x, const float *restrict g, const float *restrict b, float eps,
                          float *restrict y, int64_t d)
{
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < d; j++)
        s += x[j];
    float mean = s / (float)d;
    float v = 0.f;
#pragma omp simd reduction(+ : v)
    for (int64_t j = 0; j < d; j++)
        v += (x[j] - mean) * (x[j] - mean);
    float rstd = 1.0f / sqrtf(v / (float)d + eps);
    for (int64_t j = 0; j < d; j++)
        y[j] = (x[j] - mean) * rstd * g[j] + b[j];
}

void FN(layernorm)(const float *restrict x, const float *restrict g, const float *restrict b, float eps,
                   float *restrict y, int64_t n, int64_t d)
{
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n; r++)
        layernorm_row(x + r * d, g, b, eps, y + r * d, d);
}

void FN(rmsnorm)(const float *restrict x, const float *restrict g, float eps, float *restrict y, int64_t n,
                 int64_t d)
{
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n; r++) {
        const float *restrict xr = x + r * d;
        float *restrict yr = y + r * d;
        float ss = 0.f;
#pragma omp simd reduction(+ : ss)
        for (int64_t j = 0; j < d; j++)
            ss += xr[j] * xr[j];
        float rs = 1.0f / sqrtf(ss / (float)d + eps);
        for (int64_t j = 0; j < d; j++)
            yr[j] = xr[j] * rs * g[j];
    }
}

/* i-k-j order blocked over k and j: the inner j loop is a vectorized axpy on
 * a row of c that stays in cache across the k block. */
void FN(gemm)(const float *restrict a, const float *restrict b, float *restrict c, int64_t m, int64_t k, int64_t n)
{
    enum { KB = 256, NB = 512 };
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < m; i++) {
        float *restrict cr = c + i * n;
        for (int64_t j = 0; j < n; j++)
            cr[j] = 0.f;
        for (int64_t k0 = 0; k0 < k; k0 += KB)
            for (int64_t j0 = 0; j0 < n; j0 += NB) {
                int64_t kend = k0 + KB < k ? k0 + KB : k, jend = j0 + NB < n ? j0 + NB : n;
                for (int64_t kk = k0; kk < kend; kk++) {
                    float av = a[i * k + kk];
                    const float *restrict br = b + kk * n;
                    for (int64_t j = j0; j < jend; j++)
                        cr[j] += av * br[j];
                }
            }
    }
}

/* Direct NCHW convolution, stride 1, zero padding `pad`: per output row, an
 * axpy over the row for each input channel and filter tap, the borders
 * clipped out of the inner loop so it vectorizes. */
void FN(conv2d)(const float *restrict x, const float *restrict w, float *restrict y, int64_t batch, int64_t c,
                int64_t h, int64_t wd, int64_t f, int64_t r, int64_t pad)
{
    int64_t oh = h + 2 * pad - r + 1, ow = wd + 2 * pad - r + 1;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t nb = 0; nb < batch; nb++)
        for (int64_t fo = 0; fo < f; fo++)
            for (int64_t i = 0; i < oh; i++) {
                float *restrict yr = y + ((nb * f + fo) * oh + i) * ow;
                for (int64_t j = 0; j < ow; j++)
                    yr[j] = 0.f;
                for (int64_t ci = 0; ci < c; ci++)
                    for (int64_t u = 0; u < r; u++) {
                        int64_t ii = i + u - pad;
                        if (ii < 0 || ii >= h)
                            continue;
                        const float *restrict xr = x + ((nb * c + ci) * h + ii) * wd;
                        for (int64_t v = 0; v < r; v++) {
                            float wv = w[((fo * c + ci) * r + u) * r + v];
                            int64_t j0 = pad - v > 0 ? pad - v : 0;
                            int64_t j1 = wd + pad - v < ow ? wd + pad - v : ow;
                            const float *restrict xs = xr + v - pad;
                            for (int64_t j = j0; j < j1; j++)
                                yr[j] += wv * xs[j];
                        }
                    }
            }
}
