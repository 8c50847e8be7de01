/* Seeded randomized schedules: for each test kernel (softmax, layernorm,
 * matmul, conv2d, pooling, stencil, attention, transpose) random legal
 * schedules are generated as .tk text, applied, evaluated with the IR
 * evaluator on small random shapes and compared with the reference
 * interpreter. Besides split/tile/reorder/fuse, the annotations and the
 * placements they use reorders across a reduction's init, rfactor (with
 * the partial results vectorized or unrolled), cache_write of an output
 * into its outer loop, and cache_read of an input at the root or at an
 * output's outer loop, double-buffered. A failure prints the schedule and the shape for replay.
 * TK_SCHED_SEED overrides the seed; TK_SCHED_COUNT the schedules per kernel. */
#include "tests/sched/sched_gen.h"
#include "tests/sched/sched_util.h"

static const KDesc kernels[] = {
    {"softmax",
     "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n m[n] = max(x[n, d] for d);\n e[n, d] = exp(x[n, d] - m[n]);\n"
     " s[n] = sum(e[n, d] for d);\n y[n, d] = e[n, d] / s[n];\n}\n",
     {"N", "D"}, 4,
     {{"m", {"n"}, {"d"}, {-1}, false, false, NULL, false, false}, {"e", {"n", "d"}, {0}, {0, -1}, false, true, NULL, false, false},
      {"s", {"n"}, {"d"}, {1, -1}, false, false, NULL, false, false}, {"y", {"n", "d"}, {0}, {1, 2, -1}, true, false, NULL, false, false}}},
    {"layernorm",
     "kernel layernorm(x: f32[N, D], g: f32[D], b: f32[D], eps: f32) -> (y: f32[N, D], mean: f32[N], rstd: f32[N]) {\n"
     " mean[n] = sum(x[n, d] for d) / f32(D);\n var[n] = sum((x[n, d] - mean[n]) * (x[n, d] - mean[n]) for d) / f32(D);\n"
     " rstd[n] = rsqrt(var[n] + eps);\n y[n, d] = (x[n, d] - mean[n]) * rstd[n] * g[d] + b[d];\n}\n",
     {"N", "D"}, 4,
     {{"mean", {"n"}, {"d"}, {-1}, true, false, NULL, true, false}, {"var", {"n"}, {"d"}, {0, -1}, false, false, NULL, true, false},
      {"rstd", {"n"}, {0}, {1, -1}, true, false, NULL, false, false}, {"y", {"n", "d"}, {0}, {0, 2, -1}, true, false, "g", false, false}}},
    {"matmul", "kernel matmul(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n c[i, j] = sum(a[i, k] * b[k, j] for k);\n}\n",
     {"M", "K", "N"}, 1, {{"c", {"i", "j"}, {"k"}, {-1}, true, false, "a", false, false}}},
    {"conv2d",
     "kernel conv2d(x: f32[C, H, W], wt: f32[F, C, 3, 3]) -> y: f32[F, H, W] {\n"
     " y[f, h, w] = sum((x[c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s] for c, r in 0..3, s in 0..3);\n}\n",
     {"C", "H", "W", "F"}, 1, {{"y", {"f", "h", "w"}, {"c", "r", "s"}, {-1}, true, false, "wt", false, false}}},
    {"pool",
     "kernel pool(x: f32[H, W]) -> y: f32[H / 2, W / 2] {\n t[h, w] = x[h, w] * 0.5;\n"
     " y[i, j] = max(max(t[2 * i, 2 * j], t[2 * i, 2 * j + 1]), max(t[2 * i + 1, 2 * j], t[2 * i + 1, 2 * j + 1]));\n}\n",
     {"H", "W"}, 2, {{"t", {"h", "w"}, {0}, {-1}, false, true, NULL, false, false}, {"y", {"i", "j"}, {0}, {0, -1}, true, false, NULL, false, false}}},
    {"stencil",
     "kernel stencil(x: f32[N]) -> y: f32[N] {\n t[i] = x[i] * 2.0;\n"
     " y[i] = 0.25 * (t[i - 1] ?? 0.0) + 0.5 * t[i] + 0.25 * (t[i + 1] ?? 0.0);\n}\n",
     {"N"}, 2, {{"t", {"i"}, {0}, {-1}, false, true, NULL, false, false}, {"y", {"i"}, {0}, {0, -1}, true, false, NULL, false, false}}},
    {"attention",
     "kernel attention(q: f32[S, E], k: f32[T, E], v: f32[T, E]) -> o: f32[S, E] {\n"
     " sc[i, j] = sum(q[i, e] * k[j, e] for e) * rsqrt(f32(E));\n mx[i] = max(sc[i, j] for j);\n"
     " p[i, j] = exp(sc[i, j] - mx[i]);\n z[i] = sum(p[i, j] for j);\n o[i, e] = sum(p[i, j] * v[j, e] for j) / z[i];\n}\n",
     {"S", "E", "T"}, 5,
     {{"sc", {"i", "j"}, {"e"}, {-1}, false, false, NULL, true, false}, {"mx", {"i"}, {"j"}, {0, -1}, false, false, NULL, false, false},
      {"p", {"i", "j"}, {0}, {0, 1, -1}, false, true, NULL, false, false}, {"z", {"i"}, {"j"}, {2, -1}, false, false, NULL, false, false},
      {"o", {"i", "e"}, {"j"}, {2, 3, -1}, true, false, "v", true, false}}},
    {"transpose",
     "kernel transpose(x: f32[M, N]) -> y: f32[N, M] {\n t[i, j] = x[i, j] + 1.0;\n y[j, i] = t[i, j];\n}\n",
     {"M", "N"}, 2, {{"t", {"i", "j"}, {0}, {-1}, false, true, NULL, false, false}, {"y", {"j", "i"}, {0}, {0, -1}, true, false, NULL, false, false}}},
};

Test(random, schedules_agree_with_the_interpreter, .timeout = 600)
{
    const char *se = getenv("TK_SCHED_SEED"), *ce = getenv("TK_SCHED_COUNT");
    uint64_t seed = se ? strtoull(se, NULL, 10) : 20240611;
    int per = ce ? atoi(ce) : 64;
    int total = 0, failed = 0;
    Rng r = {seed};
    for (size_t ki = 0; ki < sizeof kernels / sizeof *kernels; ki++) {
        const KDesc *d = &kernels[ki];
        for (int n = 0; n < per; n++) {
            static char src[16384];
            size_t n0 = (size_t)snprintf(src, sizeof src, "%s", d->src);
            sched_gen(&r, d, src + n0, sizeof src - n0);
            total++;
            SchedCase t;
            char *err = NULL;
            if (!sched_case_load(&t, src, d->name, &err)) {
                failed++;
                cr_expect(false, "seed %llu: schedule rejected:\n%s\n%s", (unsigned long long)seed, src,
                          err ? err : "");
                free(err);
                ctx_free(&t.ctx);
                continue;
            }
            static const int64_t sizes[] = {1, 2, 3, 5, 7, 8, 13, 16, 17};
            for (int sh = 0; sh < 2; sh++) {
                Binds b = {{0}, {0}, 0};
                for (int i = 0; i < 4 && d->dims[i]; i++) {
                    b.name[b.n] = d->dims[i];
                    b.value[b.n++] = sizes[rnd(&r, 9)] + (!strcmp(d->name, "pool") ? 1 : 0);
                }
                char msg[1024], shs[256];
                if (!sched_case_compare(&t, &b, msg, sizeof msg)) {
                    failed++;
                    cr_expect(false, "seed %llu, shape %s: %s\nschedule (replay with this .tk):\n%s",
                              (unsigned long long)seed, binds_str(&b, shs, sizeof shs), msg, src);
                    break;
                }
            }
            ctx_free(&t.ctx);
        }
    }
    cr_expect_geq(total, 500, "only %d random schedules", total);
    cr_log_info("%d random schedules, %d failed", total, failed);
}
