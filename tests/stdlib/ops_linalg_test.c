/* std matmul, gemm, linear and einsum against C references in double, on
 * awkward shapes (1, primes, 0), broadcast batches, 1-D operands, strided
 * inputs and outputs, and each dtype. */
#include "stdlib/stdops_util.h"

/* Reference matmul with NumPy rules; a, b row-major via tt_get. */
static double *ref_matmul(const TT *a, const TT *b, const TT *y)
{
    int32_t ra = a->t.ndim, rb = b->t.ndim, ry = y->t.ndim;
    int64_t k = a->shape[ra - 1];
    int64_t m = ra >= 2 ? a->shape[ra - 2] : 1, n = rb >= 2 ? b->shape[rb - 1] : 1;
    int32_t nb = ry - (ra >= 2) - (rb >= 2);
    int64_t nbatch = 1;
    for (int32_t d = 0; d < nb; d++)
        nbatch *= y->shape[d];
    double *ref = calloc((size_t)(tt_numel(y) + 1), sizeof *ref);
    for (int64_t z = 0; z < nbatch; z++) {
        /* batch index -> offsets of a and b (broadcast) */
        int64_t idx[TK_MAX_RANK], rem = z, za = 0, zb = 0, sa = 1, sb = 1;
        for (int32_t d = nb - 1; d >= 0; d--) {
            idx[d] = rem % y->shape[d];
            rem /= y->shape[d];
        }
        int32_t nba = ra > 2 ? ra - 2 : 0, nbb = rb > 2 ? rb - 2 : 0;
        for (int32_t d = nba - 1; d >= 0; d--) {
            int64_t s = a->shape[d];
            za += (s == 1 ? 0 : idx[d + nb - nba]) * sa;
            sa *= s;
        }
        for (int32_t d = nbb - 1; d >= 0; d--) {
            int64_t s = b->shape[d];
            zb += (s == 1 ? 0 : idx[d + nb - nbb]) * sb;
            sb *= s;
        }
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double acc = 0;
                for (int64_t q = 0; q < k; q++)
                    acc += tt_get(a, (za * m + i) * k + q) * tt_get(b, (zb * k + q) * n + j);
                ref[(z * m + i) * n + j] = acc;
            }
    }
    return ref;
}

static void check_matmul(DType dt, int32_t ra, const int64_t *sa, int32_t rb, const int64_t *sb, bool strided)
{
    TT *a = tt_rand(dt, ra, sa, strided), *b = tt_rand(dt, rb, sb, !strided), *y = NULL;
    TT *in[2] = {a, b};
    tt_ok("matmul", NULL, 0, in, 2, &y, 1, strided);
    double *ref = ref_matmul(a, b, y);
    tt_check(y, ref, (double)a->shape[ra - 1], "matmul");
    free(ref);
    tt_free(a);
    tt_free(b);
    tt_free(y);
}

Test(stdops_linalg, matmul_shapes_and_dtypes)
{
    const DType dts[] = {DT_F32, DT_F64, DT_F16, DT_BF16, DT_I32, DT_I64};
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        check_matmul(dts[t], 2, S(3, 5), 2, S(5, 7), false);
        check_matmul(dts[t], 3, S(2, 1, 13), 2, S(13, 3), true);
    }
    check_matmul(DT_F32, 1, S(7), 1, S(7), false);              /* dot: 0-d result */
    check_matmul(DT_F32, 1, S(5), 3, S(2, 5, 3), true);          /* vector · batch */
    check_matmul(DT_F32, 3, S(2, 3, 5), 1, S(5), false);         /* batch · vector */
    check_matmul(DT_F32, 4, S(2, 1, 3, 4), 3, S(5, 4, 2), true); /* batches broadcast both ways */
    check_matmul(DT_F32, 2, S(3, 0), 2, S(0, 4), false);         /* K = 0: zeros */
    check_matmul(DT_F32, 3, S(0, 3, 2), 2, S(2, 4), false);      /* empty batch */
    check_matmul(DT_F64, 5, S(2, 1, 2, 3, 2), 4, S(3, 2, 2, 1), true);
}

Test(stdops_linalg, gemm)
{
    const DType dts[] = {DT_F32, DT_F64, DT_F16, DT_I32};
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                DType dt = dts[t];
                int64_t m = 5, k = 3, n = 7;
                TT *a = tt_rand(dt, 2, ta ? S(k, m) : S(m, k), tb);
                TT *b = tt_rand(dt, 2, tb ? S(n, k) : S(k, n), ta);
                TT *cc = tt_rand(dt, ta ? 1 : 2, ta ? S(n) : S(m, 1), true); /* broadcast c */
                TT *y = NULL, *in[3] = {a, b, cc};
                double alpha = dtype_is_float(dt) ? 0.5 : 2, beta = dtype_is_float(dt) ? -1.5 : 3;
                tk_attr at[4] = {tt_float("alpha", alpha), tt_float("beta", beta), tt_int("transA", ta),
                                 tt_int("transB", tb)};
                tt_ok("gemm", at, 4, in, 3, &y, 1, false);
                double ref[35];
                for (int64_t i = 0; i < m; i++)
                    for (int64_t j = 0; j < n; j++) {
                        double acc = 0;
                        for (int64_t q = 0; q < k; q++)
                            acc += tt_get(a, ta ? q * m + i : i * k + q) * tt_get(b, tb ? j * k + q : q * n + j);
                        ref[i * n + j] = alpha * acc + beta * tt_get(cc, ta ? j : i);
                    }
                tt_check(y, ref, 4, "gemm");
                /* without c */
                tt_ok("gemm", at, 4, in, 2, &y, 1, true);
                for (int64_t i = 0; i < m * n; i++)
                    ref[i] -= beta * tt_get(cc, ta ? i % n : i / n);
                tt_check(y, ref, 4, "gemm without c");
                tt_free(a);
                tt_free(b);
                tt_free(cc);
                tt_free(y);
            }
}

static double act_ref(const char *act, double v)
{
    if (!strcmp(act, "relu"))
        return v > 0 ? v : 0;
    if (!strcmp(act, "gelu"))
        return 0.5 * v * (1 + erf(v / sqrt(2)));
    if (!strcmp(act, "silu"))
        return v / (1 + exp(-v));
    if (!strcmp(act, "sigmoid"))
        return 1 / (1 + exp(-v));
    if (!strcmp(act, "tanh"))
        return tanh(v);
    return v;
}

Test(stdops_linalg, linear_with_activations)
{
    const char *acts[] = {"none", "relu", "gelu", "silu", "sigmoid", "tanh"};
    const DType dts[] = {DT_F32, DT_F64, DT_BF16};
    for (size_t a = 0; a < 6; a++)
        for (size_t t = 0; t < 3; t++) {
            DType dt = dts[t];
            bool strided = (a + t) % 2;
            TT *x = tt_rand(dt, 3, S(2, 3, 11), strided), *w = tt_rand(dt, 2, S(5, 11), false);
            TT *bias = a % 3 ? tt_rand(dt, 1, S(5), false) : NULL, *y = NULL;
            TT *in[3] = {x, w, bias};
            tk_attr at = tt_str("activation", acts[a]);
            tt_ok("linear", &at, 1, in, 3, &y, 1, !strided);
            double ref[30];
            for (int64_t r = 0; r < 6; r++)
                for (int64_t o = 0; o < 5; o++) {
                    double acc = bias ? tt_get(bias, o) : 0;
                    for (int64_t i = 0; i < 11; i++)
                        acc += tt_get(x, r * 11 + i) * tt_get(w, o * 11 + i);
                    ref[r * 5 + o] = act_ref(acts[a], acc);
                }
            tt_check(y, ref, 4, acts[a]);
            tt_free(x);
            tt_free(w);
            tt_free(bias);
            tt_free(y);
        }
    /* a vector x, and a rank-4 strided x whose rows cannot merge */
    TT *x = tt_rand(DT_F32, 1, S(3), false), *w = tt_rand(DT_F32, 2, S(2, 3), false), *y = NULL;
    TT *in[3] = {x, w, NULL};
    tt_ok("linear", NULL, 0, in, 3, &y, 1, false);
    cr_assert_eq(y->t.ndim, 1);
    double ref[2] = {0};
    for (int o = 0; o < 2; o++)
        for (int i = 0; i < 3; i++)
            ref[o] += tt_get(x, i) * tt_get(w, o * 3 + i);
    tt_check(y, ref, 1, "linear on a vector");
    tt_free(x);
    x = tt_rand(DT_F32, 4, S(2, 3, 2, 3), true);
    in[0] = x;
    tt_ok("linear", NULL, 0, in, 3, &y, 1, false);
    double ref4[24];
    for (int r = 0; r < 12; r++)
        for (int o = 0; o < 2; o++) {
            ref4[r * 2 + o] = 0;
            for (int i = 0; i < 3; i++)
                ref4[r * 2 + o] += tt_get(x, r * 3 + i) * tt_get(w, o * 3 + i);
        }
    tt_check(y, ref4, 1, "linear on a strided rank-4 x");
    tt_free(x);
    tt_free(w);
    tt_free(y);
}

Test(stdops_linalg, einsum)
{
    /* batched matmul with a transposed operand: bij,bkj->bik */
    TT *a = tt_rand(DT_F32, 3, S(2, 3, 5), true), *b = tt_rand(DT_F32, 3, S(2, 4, 5), false), *y = NULL;
    TT *in[3] = {a, b, NULL};
    tk_attr eq = tt_str("equation", "bij,bkj->bik");
    tt_ok("einsum", &eq, 1, in, 2, &y, 1, false);
    double ref[24];
    for (int z = 0; z < 2; z++)
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 4; k++) {
                double acc = 0;
                for (int j = 0; j < 5; j++)
                    acc += tt_get(a, (z * 3 + i) * 5 + j) * tt_get(b, (z * 4 + k) * 5 + j);
                ref[(z * 3 + i) * 4 + k] = acc;
            }
    tt_check(y, ref, 5, "einsum bij,bkj->bik");
    /* trace (a repeated letter) and an implicit output: ii */
    TT *sq = tt_rand(DT_F64, 2, S(4, 4), false);
    in[0] = sq;
    eq = tt_str("equation", "ii");
    tt_ok("einsum", &eq, 1, in, 1, &y, 1, false);
    cr_assert_eq(y->t.ndim, 0);
    double tr = 0;
    for (int i = 0; i < 4; i++)
        tr += tt_get(sq, i * 5);
    tt_check(y, &tr, 4, "einsum ii");
    /* outer product, three operands: i,j,k->ijk with i32 */
    TT *u = tt_rand(DT_I32, 1, S(2), false), *v = tt_rand(DT_I32, 1, S(3), false), *w = tt_rand(DT_I32, 1, S(1), false);
    TT *in3[3] = {u, v, w};
    eq = tt_str("equation", "i,j,k->ijk");
    tt_ok("einsum", &eq, 1, in3, 3, &y, 1, false);
    double outer[6];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            outer[i * 3 + j] = tt_get(u, i) * tt_get(v, j) * tt_get(w, 0);
    tt_check(y, outer, 1, "einsum i,j,k->ijk");
    tt_free(a);
    tt_free(b);
    tt_free(sq);
    tt_free(u);
    tt_free(v);
    tt_free(w);
    tt_free(y);
}

Test(stdops_linalg, bad_calls)
{
    TT *a = tt_rand(DT_F32, 2, S(3, 4), false), *b = tt_rand(DT_F32, 2, S(5, 2), false);
    TT *c16 = tt_rand(DT_F16, 2, S(4, 2), false);
    TT *in[3] = {a, b, NULL};
    tt_fails("matmul", NULL, 0, in, 2, 1, "a's last dim is 4 but b's second to last dim is 5");
    in[1] = c16;
    tt_fails("matmul", NULL, 0, in, 2, 1, "f16");
    TT *ba = tt_rand(DT_F32, 3, S(2, 3, 4), false), *bb = tt_rand(DT_F32, 3, S(3, 4, 2), false);
    TT *inb[2] = {ba, bb};
    tt_fails("matmul", NULL, 0, inb, 2, 1, "cannot broadcast the batch dims");
    in[1] = b;
    tk_attr t = tt_int("transB", 1);
    tt_fails("gemm", &t, 1, in, 2, 1, "op(a) is [3, 4] but op(b) is [2, 5]");
    TT *i32 = tt_rand(DT_I32, 2, S(4, 4), false), *inint[3] = {i32, i32, NULL};
    tt_fails("linear", NULL, 0, inint, 3, 1, "i32");
    tt_free(i32);
    tk_attr act = tt_str("activation", "swish");
    TT *w = tt_rand(DT_F32, 2, S(2, 4), false);
    TT *inl[3] = {a, w, NULL};
    tt_fails("linear", &act, 1, inl, 3, 1, "unknown activation 'swish'");
    tk_attr eq = tt_str("equation", "ij,jk->ik");
    tt_fails("einsum", &eq, 1, in, 2, 1, "letter 'j' is 4 in one place and 5 in input 1");
    eq = tt_str("equation", "...ij,jk->ik");
    tt_fails("einsum", &eq, 1, in, 2, 1, "'...'");
    eq = tt_str("equation", "ij,jk->iz");
    tt_fails("einsum", &eq, 1, in, 2, 1, "output letter 'z' is in no input");
    tk_attr bogus = tt_int("axis", 1);
    tt_fails("matmul", &bogus, 1, in, 2, 1, "unknown attribute 'axis'");
    tt_free(a);
    tt_free(b);
    tt_free(c16);
    tt_free(ba);
    tt_free(bb);
    tt_free(w);
}
