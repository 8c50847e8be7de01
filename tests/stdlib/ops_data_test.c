/* std data movement operators against C references written with explicit
 * multi-indices: negative axes and steps, size 0 and 1 dims, strided
 * inputs and outputs, integer and bool dtypes. */
#include "stdlib/stdops_util.h"

static void unravel(int64_t i, const int64_t *shape, int32_t rank, int64_t *idx)
{
    for (int32_t d = rank - 1; d >= 0; d--) {
        idx[d] = shape[d] ? i % shape[d] : 0;
        i = shape[d] ? i / shape[d] : 0;
    }
}

static int64_t ravel(const int64_t *idx, const int64_t *shape, int32_t rank)
{
    int64_t i = 0;
    for (int32_t d = 0; d < rank; d++)
        i = i * shape[d] + idx[d];
    return i;
}

/* The reference output of a pure index map: ref[i] = x[map(i)] or fill. */
typedef bool (*IndexMap)(const int64_t *yi, int64_t *xi, const void *arg);

static void check_map(const TT *x, const TT *y, IndexMap map, const void *arg, double fill, const char *what)
{
    int64_t n = tt_numel(y), yi[TK_MAX_RANK], xi[TK_MAX_RANK];
    double *ref = calloc((size_t)n + 1, sizeof *ref);
    for (int64_t i = 0; i < n; i++) {
        unravel(i, y->shape, y->t.ndim, yi);
        ref[i] = map(yi, xi, arg) ? tt_get(x, ravel(xi, x->shape, x->t.ndim)) : fill;
    }
    tt_check(y, ref, 1, what);
    free(ref);
}

static bool map_transpose(const int64_t *yi, int64_t *xi, const void *arg)
{
    const int32_t *perm = arg;
    for (int d = 0; d < 4; d++)
        xi[perm[d]] = yi[d];
    return true;
}

Test(stdops_data, transpose)
{
    const DType dts[] = {DT_F32, DT_I8, DT_BOOL, DT_F16, DT_I64};
    for (size_t t = 0; t < 5; t++) {
        TT *x = tt_rand(dts[t], 4, S(2, 3, 1, 5), t % 2), *y = NULL, *in[1] = {x};
        tk_attr p = tt_ints("perm", 4, S(3, -4, 1, 2));
        y = tt_new(dts[t], 0, NULL, false); /* keeps bool's dtype */
        tt_ok("transpose", &p, 1, in, 1, &y, 1, !(t % 2));
        cr_assert_eq(y->shape[0], 5);
        static const int32_t perm[4] = {3, 0, 1, 2};
        check_map(x, y, map_transpose, perm, 0, "transpose");
        tt_free(x);
        tt_free(y);
    }
}

typedef struct PadArg {
    int64_t b[4], n[4];
    int mode;
} PadArg;

static bool map_pad(const int64_t *yi, int64_t *xi, const void *arg)
{
    const PadArg *p = arg;
    for (int d = 0; d < 4; d++) {
        int64_t j = yi[d] - p->b[d], n = p->n[d];
        if (j < 0 || j >= n) {
            if (p->mode == 0)
                return false;
            if (p->mode == 1)
                j = j < 0 ? -j : 2 * (n - 1) - j;
            else
                j = j < 0 ? 0 : n - 1;
        }
        xi[d] = j;
    }
    return true;
}

Test(stdops_data, pad_modes)
{
    const char *modes[] = {"constant", "reflect", "edge"};
    const DType dts[] = {DT_F32, DT_I32, DT_BF16};
    for (int m = 0; m < 3; m++)
        for (int t = 0; t < 3; t++) {
            TT *x = tt_rand(dts[t], 4, S(2, 3, 4, 5), m % 2), *y = NULL, *in[1] = {x};
            PadArg a = {{0, 1, 2, 3}, {2, 3, 4, 5}, m};
            tk_attr at[3] = {tt_ints("pads", 8, S(0, 1, 2, 3, 1, 2, 0, 1)), tt_str("mode", modes[m]),
                             tt_float("value", 3)};
            tt_ok("pad", at, 3, in, 1, &y, 1, true);
            cr_assert_eq(y->shape[3], 9);
            check_map(x, y, map_pad, &a, 3, modes[m]);
            tt_free(x);
            tt_free(y);
        }
    /* negative pads crop; axes select dims, counted from the end */
    TT *x = tt_rand(DT_F64, 2, S(4, 6), false), *y = NULL, *in[1] = {x};
    tk_attr at[2] = {tt_ints("pads", 2, S(-1, 2)), tt_ints("axes", 1, S(-1))};
    tt_ok("pad", at, 2, in, 1, &y, 1, false);
    cr_assert_eq(y->shape[1], 7);
    for (int64_t i = 0; i < 4; i++)
        for (int64_t j = 0; j < 7; j++)
            cr_assert_eq(tt_get(y, i * 7 + j), j < 5 ? tt_get(x, i * 6 + j + 1) : 0);
    tt_free(x);
    tt_free(y);
}

typedef struct SliceArg {
    int64_t start[3], step[3];
} SliceArg;

static bool map_slice(const int64_t *yi, int64_t *xi, const void *arg)
{
    const SliceArg *s = arg;
    for (int d = 0; d < 3; d++)
        xi[d] = s->start[d] + yi[d] * s->step[d];
    return true;
}

Test(stdops_data, slice_steps)
{
    TT *x = tt_rand(DT_I16, 3, S(5, 7, 4), true), *y = NULL, *in[1] = {x};
    /* axis 1: from -1 back to 1 by -2 -> 6, 4, 2; axis 2 (as -1): 1..huge by 2 -> 1, 3 */
    tk_attr at[4] = {tt_ints("starts", 2, S(-1, 1)), tt_ints("ends", 2, S(1, INT64_MAX)), tt_ints("axes", 2, S(1, -1)),
                     tt_ints("steps", 2, S(-2, 2))};
    tt_ok("slice", at, 4, in, 1, &y, 1, false);
    cr_assert_eq(y->shape[0], 5);
    cr_assert_eq(y->shape[1], 3);
    cr_assert_eq(y->shape[2], 2);
    SliceArg a = {{0, 6, 1}, {1, -2, 2}};
    check_map(x, y, map_slice, &a, 0, "slice");
    /* an empty slice and a full reverse */
    tk_attr e[3] = {tt_ints("starts", 1, S(3)), tt_ints("ends", 1, S(3)), tt_ints("axes", 1, S(0))};
    tt_ok("slice", e, 3, in, 1, &y, 1, false);
    cr_assert_eq(y->shape[0], 0);
    tk_attr r[4] = {tt_ints("starts", 1, S(-1)), tt_ints("ends", 1, S(INT64_MIN)), tt_ints("axes", 1, S(0)),
                    tt_ints("steps", 1, S(-1))};
    tt_ok("slice", r, 4, in, 1, &y, 1, true);
    SliceArg b = {{4, 0, 0}, {-1, 1, 1}};
    check_map(x, y, map_slice, &b, 0, "slice reversed");
    tt_free(x);
    tt_free(y);
}

Test(stdops_data, concat_and_split)
{
    TT *a = tt_rand(DT_F32, 3, S(2, 3, 4), true), *b = tt_rand(DT_F32, 3, S(2, 0, 4), false);
    TT *c = tt_rand(DT_F32, 3, S(2, 5, 4), false), *y = NULL, *in[3] = {a, b, c};
    tk_attr ax = tt_int("axis", -2);
    tt_ok("concat", &ax, 1, in, 3, &y, 1, true);
    cr_assert_eq(y->shape[1], 8);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 8; j++)
            for (int64_t k = 0; k < 4; k++)
                cr_assert_eq(tt_get(y, (i * 8 + j) * 4 + k),
                             j < 3 ? tt_get(a, (i * 3 + j) * 4 + k) : tt_get(c, (i * 5 + j - 3) * 4 + k));
    /* split y back: sizes 3, 0, 5 */
    TT *parts[3] = {NULL, NULL, NULL}, *iny[1] = {y};
    tk_attr at[2] = {tt_int("axis", 1), tt_ints("split", 3, S(3, 0, 5))};
    tt_ok("split", at, 2, iny, 1, parts, 3, false);
    cr_assert_eq(parts[1]->shape[1], 0);
    for (int64_t i = 0; i < tt_numel(a); i++)
        cr_assert_eq(tt_get(parts[0], i), tt_get(a, i));
    for (int64_t i = 0; i < tt_numel(c); i++)
        cr_assert_eq(tt_get(parts[2], i), tt_get(c, i));
    /* num_outputs: 8 -> 3, 3, 2 */
    tk_attr eq[2] = {tt_int("axis", 1), tt_int("num_outputs", 3)};
    tt_ok("split", eq, 2, iny, 1, parts, 3, true);
    cr_assert_eq(parts[2]->shape[1], 2);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 2; j++)
            for (int64_t k = 0; k < 4; k++)
                cr_assert_eq(tt_get(parts[2], (i * 2 + j) * 4 + k), tt_get(y, (i * 8 + 6 + j) * 4 + k));
    for (int i = 0; i < 3; i++)
        tt_free(parts[i]);
    tt_free(a);
    tt_free(b);
    tt_free(c);
    tt_free(y);
}

static bool map_tile(const int64_t *yi, int64_t *xi, const void *arg)
{
    const int64_t *n = arg;
    for (int d = 0; d < 3; d++)
        xi[d] = yi[d] % n[d];
    return true;
}

static bool map_broadcast(const int64_t *yi, int64_t *xi, const void *arg)
{
    const int64_t *n = arg; /* x is [3, 1] seen in a [2, 3, 4] output */
    xi[0] = yi[1] % n[0];
    xi[1] = 0;
    return true;
}

Test(stdops_data, tile_and_broadcast_to)
{
    const DType dts[] = {DT_F32, DT_U8, DT_I64};
    for (int t = 0; t < 3; t++) {
        TT *x = tt_rand(dts[t], 3, S(2, 1, 3), t % 2), *y = NULL, *in[1] = {x};
        tk_attr r = tt_ints("repeats", 3, S(2, 3, 1));
        tt_ok("tile", &r, 1, in, 1, &y, 1, false);
        cr_assert_eq(y->shape[0], 4);
        cr_assert_eq(y->shape[1], 3);
        check_map(x, y, map_tile, S(2, 1, 3), 0, "tile");
        tt_free(x);
        tt_free(y);
    }
    TT *x = tt_rand(DT_I32, 2, S(3, 1), true), *y = NULL, *in[1] = {x};
    tk_attr s = tt_ints("shape", 3, S(2, 1, 4));
    tt_ok("broadcast_to", &s, 1, in, 1, &y, 1, true);
    cr_assert_eq(y->t.ndim, 3);
    cr_assert_eq(y->shape[1], 3);
    check_map(x, y, map_broadcast, S(3), 0, "broadcast_to");
    tt_free(x);
    tt_free(y);
}

Test(stdops_data, gather_and_elements)
{
    const DType its[] = {DT_I32, DT_I64};
    for (int t = 0; t < 2; t++) {
        TT *x = tt_rand(DT_F32, 3, S(2, 5, 3), t), *idx = tt_new(its[t], 2, S(2, 2), !t), *y = NULL;
        const int64_t iv[4] = {4, -1, 0, -5};
        for (int i = 0; i < 4; i++)
            tt_set(idx, i, (double)iv[i]);
        TT *in[2] = {x, idx};
        tk_attr ax = tt_int("axis", -2);
        tt_ok("gather", &ax, 1, in, 2, &y, 1, t == 0);
        cr_assert_eq(y->t.ndim, 4);
        for (int64_t a = 0; a < 2; a++)
            for (int64_t m = 0; m < 4; m++)
                for (int64_t b = 0; b < 3; b++)
                    cr_assert_eq(tt_get(y, (a * 4 + m) * 3 + b), tt_get(x, (a * 5 + (iv[m] + 5) % 5) * 3 + b));
        /* gather_elements along axis 1: idx [2, 4, 3] */
        TT *ie = tt_new(its[t], 3, S(2, 4, 3), t);
        for (int64_t i = 0; i < 24; i++)
            tt_set(ie, i, (double)((i * 7) % 10 - 5));
        TT *ine[2] = {x, ie};
        tk_attr a1 = tt_int("axis", 1);
        tt_ok("gather_elements", &a1, 1, ine, 2, &y, 1, false);
        for (int64_t a = 0; a < 2; a++)
            for (int64_t m = 0; m < 4; m++)
                for (int64_t b = 0; b < 3; b++) {
                    int64_t k = (int64_t)tt_get(ie, (a * 4 + m) * 3 + b);
                    cr_assert_eq(tt_get(y, (a * 4 + m) * 3 + b), tt_get(x, (a * 5 + (k + 5) % 5) * 3 + b));
                }
        tt_free(x);
        tt_free(idx);
        tt_free(ie);
        tt_free(y);
    }
    /* a 0-d index removes the axis */
    TT *x = tt_rand(DT_BOOL, 2, S(3, 4), false), *i0 = tt_new(DT_I64, 0, NULL, false), *y = tt_new(DT_BOOL, 0, NULL, false);
    tt_set(i0, 0, 2);
    TT *in[2] = {x, i0};
    tk_attr ax = tt_int("axis", 1);
    tt_ok("gather", &ax, 1, in, 2, &y, 1, false);
    cr_assert_eq(y->t.ndim, 1);
    for (int64_t i = 0; i < 3; i++)
        cr_assert_eq(tt_get(y, i), tt_get(x, i * 4 + 2));
    tt_free(x);
    tt_free(i0);
    tt_free(y);
}

Test(stdops_data, scatter_elements)
{
    TT *x = tt_rand(DT_F64, 3, S(2, 6, 3), true), *idx = tt_new(DT_I64, 3, S(2, 2, 3), false);
    TT *upd = tt_rand(DT_F64, 3, S(2, 2, 3), true), *y = NULL;
    /* distinct per line: (0, -1), (5, 2), ... */
    const int64_t iv[12] = {0, 5, 1, -1, 2, 3, 4, 0, -6, 1, 3, 2};
    for (int i = 0; i < 12; i++)
        tt_set(idx, i, (double)iv[i]);
    TT *in[3] = {x, idx, upd};
    tk_attr ax = tt_int("axis", -2);
    tt_ok("scatter_elements", &ax, 1, in, 3, &y, 1, false);
    double ref[36];
    for (int i = 0; i < 36; i++)
        ref[i] = tt_get(x, i);
    for (int a = 0; a < 2; a++)
        for (int m = 0; m < 2; m++)
            for (int b = 0; b < 3; b++) {
                int64_t k = iv[(a * 2 + m) * 3 + b];
                ref[(a * 6 + (k + 6) % 6) * 3 + b] = tt_get(upd, (a * 2 + m) * 3 + b);
            }
    tt_check(y, ref, 1, "scatter_elements");
    tt_set(idx, 3, 0); /* now line (0, b = 0) has index 0 twice */
    tt_fails("scatter_elements", &ax, 1, in, 3, 1, "index 0 appears twice along axis 1");
    tt_free(x);
    tt_free(idx);
    tt_free(upd);
    tt_free(y);
}

Test(stdops_data, one_hot)
{
    TT *idx = tt_new(DT_I32, 2, S(2, 3), true), *vals = tt_new(DT_F32, 1, S(2), false), *y = NULL;
    const int iv[6] = {0, 3, -1, 4, -4, 7}; /* 7 and -5 are outside depth 4: all off */
    for (int i = 0; i < 6; i++)
        tt_set(idx, i, iv[i]);
    tt_set(vals, 0, -2);
    tt_set(vals, 1, 5);
    TT *in[2] = {idx, vals};
    for (int axis = -3; axis < 3; axis++) {
        tk_attr at[2] = {tt_int("depth", 4), tt_int("axis", axis)};
        tt_ok("one_hot", at, 2, in, 2, &y, 1, axis % 2);
        int32_t ax = axis < 0 ? axis + 3 : axis;
        cr_assert_eq(y->shape[ax], 4);
        int64_t yi[3];
        for (int64_t i = 0; i < 24; i++) {
            unravel(i, y->shape, 3, yi);
            int64_t d = yi[ax], rest[2], r = 0;
            for (int k = 0; k < 3; k++)
                if (k != ax)
                    rest[r++] = yi[k];
            int64_t k = iv[rest[0] * 3 + rest[1]];
            cr_assert_eq(tt_get(y, i), (k < 0 ? k + 4 : k) == d ? 5 : -2, "one_hot axis %d element %lld", axis,
                         (long long)i);
        }
    }
    tt_free(idx);
    tt_free(vals);
    tt_free(y);
}

Test(stdops_data, cumsum)
{
    const DType dts[] = {DT_F32, DT_I32, DT_F64, DT_I8};
    for (int t = 0; t < 4; t++)
        for (int mode = 0; mode < 4; mode++) {
            bool excl = mode & 1, rev = mode & 2;
            TT *x = tt_rand(dts[t], 3, S(3, 7, 2), mode % 2), *y = NULL, *in[1] = {x};
            tk_attr at[3] = {tt_int("axis", -2), tt_int("exclusive", excl), tt_int("reverse", rev)};
            tt_ok("cumsum", at, 3, in, 1, &y, 1, t % 2);
            double ref[42];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 2; b++) {
                    double acc = 0;
                    for (int s = 0; s < 7; s++) {
                        int i = rev ? 6 - s : s;
                        double v = tt_get(x, (a * 7 + i) * 2 + b);
                        if (!excl)
                            acc += v;
                        ref[(a * 7 + i) * 2 + b] = acc;
                        if (excl)
                            acc += v;
                    }
                }
            tt_check(y, ref, 7, "cumsum");
            tt_free(x);
            tt_free(y);
        }
}

static bool map_identity(const int64_t *yi, int64_t *xi, const void *arg)
{
    const int64_t *k = arg; /* k[0]: k, k[1]: upper */
    memcpy(xi, yi, 3 * sizeof *xi);
    int64_t diff = yi[2] - yi[1];
    return k[1] ? diff >= k[0] : diff <= k[0];
}

Test(stdops_data, trilu)
{
    for (int upper = 0; upper < 2; upper++)
        for (int64_t k = -2; k <= 3; k += 5) {
            TT *x = tt_rand(upper ? DT_BOOL : DT_F32, 3, S(2, 4, 5), true), *y = tt_new(x->dt, 0, NULL, false);
            TT *in[1] = {x};
            tk_attr at[2] = {tt_int("upper", upper), tt_int("k", k)};
            tt_ok("trilu", at, 2, in, 1, &y, 1, false);
            int64_t arg[2] = {k, upper};
            check_map(x, y, map_identity, arg, 0, "trilu");
            tt_free(x);
            tt_free(y);
        }
}

typedef struct BlockArg {
    int64_t b, c;
    bool crd, s2d;
} BlockArg;

static bool map_blocks(const int64_t *yi, int64_t *xi, const void *arg)
{
    const BlockArg *a = arg;
    int64_t b = a->b;
    xi[0] = yi[0];
    if (a->s2d) { /* y[n, (bh * b + bw) * C + c, h, w] = x[n, c, h * b + bh, w * b + bw] */
        int64_t blk = yi[1] / a->c;
        xi[1] = yi[1] % a->c;
        xi[2] = yi[2] * b + blk / b;
        xi[3] = yi[3] * b + blk % b;
        return true;
    }
    int64_t bh = yi[2] % b, bw = yi[3] % b; /* a->c: y's channels */
    xi[1] = a->crd ? yi[1] * b * b + bh * b + bw : (bh * b + bw) * a->c + yi[1];
    xi[2] = yi[2] / b;
    xi[3] = yi[3] / b;
    return true;
}

Test(stdops_data, depth_to_space_and_back)
{
    for (int crd = 0; crd < 2; crd++) {
        TT *x = tt_rand(DT_F16, 4, S(2, 12, 2, 3), crd), *y = NULL, *in[1] = {x};
        tk_attr at[2] = {tt_int("blocksize", 2), tt_str("mode", crd ? "CRD" : "DCR")};
        tt_ok("depth_to_space", at, 2, in, 1, &y, 1, false);
        cr_assert_eq(y->shape[1], 3);
        cr_assert_eq(y->shape[2], 4);
        BlockArg a = {2, 3, crd, false};
        check_map(x, y, map_blocks, &a, 0, crd ? "depth_to_space CRD" : "depth_to_space DCR");
        tt_free(x);
        tt_free(y);
    }
    TT *x = tt_rand(DT_I32, 4, S(1, 2, 6, 3), true), *y = NULL, *in[1] = {x};
    tk_attr b = tt_int("blocksize", 3);
    tt_ok("space_to_depth", &b, 1, in, 1, &y, 1, true);
    cr_assert_eq(y->shape[1], 18);
    BlockArg a = {3, 2, false, true};
    check_map(x, y, map_blocks, &a, 0, "space_to_depth");
    tt_free(x);
    tt_free(y);
}

Test(stdops_data, reshapes)
{
    for (int strided = 0; strided < 4; strided++) {
        TT *x = tt_rand(DT_F32, 3, S(2, 3, 4), strided & 1), *y = NULL, *in[1] = {x};
        bool ys = strided & 2;
        tk_attr sh = tt_ints("shape", 3, S(4, 0, -1));
        tt_ok("reshape", &sh, 1, in, 1, &y, 1, ys);
        cr_assert_eq(y->shape[0], 4);
        cr_assert_eq(y->shape[1], 3);
        cr_assert_eq(y->shape[2], 2);
        for (int64_t i = 0; i < 24; i++)
            cr_assert_eq(tt_get(y, i), tt_get(x, i));
        tk_attr fl = tt_int("axis", -1);
        tt_ok("flatten", &fl, 1, in, 1, &y, 1, ys);
        cr_assert_eq(y->shape[0], 6);
        for (int64_t i = 0; i < 24; i++)
            cr_assert_eq(tt_get(y, i), tt_get(x, i));
        tk_attr un = tt_ints("axes", 2, S(0, -1));
        tt_ok("unsqueeze", &un, 1, in, 1, &y, 1, ys);
        cr_assert_eq(y->t.ndim, 5);
        cr_assert_eq(y->shape[4], 1);
        TT *iny[1] = {y}, *z = NULL;
        tt_ok("squeeze", NULL, 0, iny, 1, &z, 1, false);
        cr_assert_eq(z->t.ndim, 3);
        for (int64_t i = 0; i < 24; i++)
            cr_assert_eq(tt_get(z, i), tt_get(x, i));
        tt_free(z);
        tt_free(x);
        tt_free(y);
    }
}

Test(stdops_data, bad_calls)
{
    TT *x = tt_rand(DT_F32, 2, S(3, 4), false), *in[2] = {x, NULL};
    tk_attr p = tt_ints("perm", 2, S(0, 0));
    tt_fails("transpose", &p, 1, in, 1, 1, "perm is not a permutation");
    tk_attr pads[2] = {tt_ints("pads", 4, S(3, 0, 0, 0)), tt_str("mode", "reflect")};
    tt_fails("pad", pads, 2, in, 1, 1, "reflect pads of dim 0 (3 and 0) must be below its size 3");
    tk_attr st[3] = {tt_ints("starts", 1, S(0)), tt_ints("ends", 1, S(2)), tt_ints("steps", 1, S(0))};
    tt_fails("slice", st, 3, in, 1, 1, "steps[0] is 0");
    tk_attr sh = tt_ints("shape", 2, S(5, -1));
    tt_fails("reshape", &sh, 1, in, 1, 1, "cannot infer shape[1]");
    TT *idx = tt_new(DT_I64, 1, S(1), false);
    tt_set(idx, 0, 3);
    in[1] = idx;
    tt_fails("gather", NULL, 0, in, 2, 1, "index 3 (element 0 of indices) is outside [-3, 3)");
    TT *fidx = tt_new(DT_F32, 1, S(1), false);
    in[1] = fidx;
    tt_fails("gather", NULL, 0, in, 2, 1, "f32");
    tk_attr sq = tt_ints("axes", 1, S(0));
    tt_fails("squeeze", &sq, 1, in, 1, 1, "dim 0 has size 3, not 1");
    tk_attr ax = tt_int("axis", 2);
    tt_fails("cumsum", &ax, 1, in, 1, 1, "axis");
    tt_fails("split", NULL, 0, in, 1, 2, "give split (the sizes) or num_outputs");
    tt_free(x);
    tt_free(idx);
    tt_free(fidx);
}
