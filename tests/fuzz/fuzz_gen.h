/* Random valid TK programs for the differential fuzzer (header-only; see
 * docs/robustness.md). A kernel is a small model, written out as .tk text
 * while it is drawn:
 *
 * - a few axes, each with an extent that is a shape symbol (A..D, maybe one
 *   symbol for two axes) or a small literal; the variable of axis a is `ia`;
 * - inputs over subsets of the axes in any order (the first over all of
 *   them; the others broadcast), of the kernel's dtype or another one (read
 *   through a cast), and scalar parameters;
 * - stages in definition order: intermediate stages over the axes of a
 *   tensor already defined (which one of their accesses reads unshifted, so
 *   that sema infers their extents), then outputs over any subset of the
 *   axes (0-d included) whose dimensions are the axes' extents or, now and
 *   then, `0`, `E - E`, `E - 1`, `min(E, 3)`;
 * - expressions of arithmetic, min/max/abs/floor/select/sqrt/sigmoid, casts,
 *   reductions (sum/prod/max/min over one or several variables, with implied
 *   or explicit ranges `0..E` or `1..3`), accesses shifted or flipped with a
 *   `??` default where they may leave the tensor.
 *
 * Values stay exact where the order of a float reduction may change: a
 * stage that divides, takes a square root or a sigmoid (or reads one that
 * does) is "inexact", and only exact float sums may be rfactored or have
 * their reduction loops reordered by the random schedule, so CPU and
 * interpreter agree within the documented tolerance (the fuzzer gives such
 * kernels no special values: an infinity or a huge value makes any sum
 * depend on its order). Each kernel gets a random legal cpu schedule (tests/sched/
 * sched_gen.h) or none (the automatic schedule). */
#ifndef TK_TEST_FUZZ_GEN_H
#define TK_TEST_FUZZ_GEN_H

#include "support/dtype.h"
#include "tests/sched/sched_gen.h"

enum { FZ_MAXAX = 4, FZ_MAXIN = 4, FZ_MAXT = FZ_MAXIN + MAXST, FZ_MAXRED = 16 };

typedef struct FzTensor {
    char  name[16];
    DType t;
    int   ax[FZ_MAXAX], rank; /* the kernel axes of its dimensions, in order */
    bool  input, readable;    /* readable: later stages may index it by its axes */
    bool  exact;              /* its values are exact (see above) */
} FzTensor;

typedef struct FzKernel {
    char     name[16];
    int      nax;
    char     ext[FZ_MAXAX][4];      /* extent of each axis: "A" or "3" */
    FzTensor t[FZ_MAXT];            /* inputs, then stages */
    int      nt, nin;
    char     scal[2][16];
    DType    scal_t[2];
    int      nscal, nred;
    bool     reorders_floats; /* its schedule may change the order of a float reduction */
} FzKernel;

/* The variables in scope while an expression is drawn. */
typedef struct FzScope {
    char var[FZ_MAXAX][8];        /* "" when the axis has no variable here */
    bool needs_default[FZ_MAXAX]; /* its range may leave the axis (an explicit 1..3) */
} FzScope;

/* What drawing one stage's expression found. */
typedef struct FzStage {
    bool exact;
    int  nreductions;
    bool reads[FZ_MAXT];
    char red_vars[FZ_MAXAX][8];   /* the variables of the last top-level reduction */
    int  nred_vars;
    char op[8];                   /* its operator */
} FzStage;

typedef struct FzGen {
    Rng      *r;
    FzKernel *k;
    FzStage  *st;
    char     *b;
    size_t    len;
} FzGen;

static const DType fz_dtypes[] = {DT_F32, DT_F32, DT_F32, DT_F64, DT_F16, DT_BF16, DT_I32, DT_I64, DT_I8, DT_I16, DT_U8};
#define FZ_NDTYPES (sizeof fz_dtypes / sizeof *fz_dtypes)

static inline DType fz_dtype(Rng *r) { return fz_dtypes[rnd(r, FZ_NDTYPES)]; }

static inline bool fz_in_scope(const FzScope *s, const FzTensor *t)
{
    for (int d = 0; d < t->rank; d++)
        if (!s->var[t->ax[d]][0])
            return false;
    return true;
}

static void fz_expr(FzGen *g, const FzScope *s, DType t, int depth);

static inline void fz_literal(FzGen *g, DType t)
{
    static const char *const fl[] = {"0.5", "2.0", "1.25", "3.0", "0.0", "0.75"};
    static const char *const il[] = {"1", "2", "3", "7", "0", "5"};
    out(&g->b, &g->len, "%s", dtype_is_float(t) ? fl[rnd(g->r, 6)] : il[rnd(g->r, 6)]);
}

/* One index of an access: the variable, maybe shifted or flipped. Sets
 * *need when the index may leave the dimension. */
static inline void fz_index(FzGen *g, const FzScope *s, int a, bool plain, bool *need)
{
    const char *v = s->var[a];
    *need |= s->needs_default[a];
    int how = plain ? 0 : (int)rnd(g->r, 8);
    if (how == 1 || how == 2) {
        static const int shifts[] = {-2, -1, 1, 2};
        int c = shifts[rnd(g->r, 4)];
        out(&g->b, &g->len, "%s %c %d", v, c < 0 ? '-' : '+', c < 0 ? -c : c);
        *need = true;
    } else if (how == 3) {
        out(&g->b, &g->len, "%s - 1 - %s", g->k->ext[a], v);
    } else {
        out(&g->b, &g->len, "%s", v);
    }
}

/* An access of tensor ti (all of its axes in scope) read as dtype t:
 * plain (unshifted, for extent inference) or with random shifts, with a
 * `??` default where an index may leave the tensor. */
static inline void fz_access(FzGen *g, const FzScope *s, int ti, DType t, bool plain)
{
    const FzTensor *x = &g->k->t[ti];
    g->st->reads[ti] = true;
    g->st->exact &= x->exact;
    bool cast = x->t != t;
    if (cast && !x->input && !dtype_is_float(x->t) && dtype_is_float(t)) /* a large integer is rounded */
        g->st->exact = false;
    if (cast)
        out(&g->b, &g->len, "%s(", dtype_name(t));
    else
        out(&g->b, &g->len, "(");
    out(&g->b, &g->len, "%s[", x->name);
    bool need = false;
    for (int d = 0; d < x->rank; d++) {
        if (d)
            out(&g->b, &g->len, ", ");
        fz_index(g, s, x->ax[d], plain, &need);
    }
    out(&g->b, &g->len, "]");
    if (need || rnd(g->r, 16) == 0) {
        out(&g->b, &g->len, " ?? ");
        fz_literal(g, x->t);
    }
    out(&g->b, &g->len, ")");
}

/* A readable tensor whose axes are all in scope, or -1; stages rather
 * than inputs two times in three, so that stages have consumers. */
static inline int fz_pick_tensor(FzGen *g, const FzScope *s)
{
    int cand[FZ_MAXT], n = 0, nstages = 0;
    for (int i = 0; i < g->k->nt; i++)
        if (g->k->t[i].readable && fz_in_scope(s, &g->k->t[i])) {
            cand[n++] = i;
            nstages += !g->k->t[i].input;
        }
    if (nstages && rnd(g->r, 3))
        return cand[n - nstages + (int)rnd(g->r, (uint32_t)nstages)];
    return n ? cand[rnd(g->r, (uint32_t)n)] : -1;
}

static inline void fz_leaf(FzGen *g, const FzScope *s, DType t)
{
    int choice = (int)rnd(g->r, 8);
    int ti = fz_pick_tensor(g, s);
    if (choice < 5 && ti >= 0) {
        fz_access(g, s, ti, t, false);
        return;
    }
    if (choice == 5 && g->k->nscal) {
        int i = (int)rnd(g->r, (uint32_t)g->k->nscal);
        if (g->k->scal_t[i] == t)
            out(&g->b, &g->len, "%s", g->k->scal[i]);
        else
            out(&g->b, &g->len, "%s(%s)", dtype_name(t), g->k->scal[i]);
        return;
    }
    for (int a = 0; a < g->k->nax; a++)
        if (s->var[a][0] && rnd(g->r, 2)) {
            out(&g->b, &g->len, "%s(%s)", dtype_name(t), s->var[a]);
            return;
        }
    if (ti >= 0)
        fz_access(g, s, ti, t, false);
    else
        out(&g->b, &g->len, "%s(%s)", dtype_name(t), g->k->nscal ? g->k->scal[0] : "1");
}

/* Whether tensor t has every axis that has a variable in s. */
static inline bool fz_covers(const FzScope *s, const FzTensor *t)
{
    for (int a = 0; a < FZ_MAXAX; a++) {
        bool has = false;
        for (int d = 0; d < t->rank; d++)
            has |= t->ax[d] == a;
        if (s->var[a][0] && !has)
            return false;
    }
    return true;
}

/* A reduction of dtype t over the axes of a tensor that are not in scope
 * (that tensor is read plainly in the body, which gives the implied ranges,
 * and, with `cover`, the extents of every variable in scope); false when
 * there is no such tensor. `top`: the whole right-hand side of a stage. */
static inline bool fz_reduction(FzGen *g, const FzScope *s, DType t, int depth, bool top, bool cover)
{
    int cand[FZ_MAXT], n = 0;
    for (int i = 0; i < g->k->nt; i++)
        if (g->k->t[i].readable && !fz_in_scope(s, &g->k->t[i]) && (!cover || fz_covers(s, &g->k->t[i])))
            cand[n++] = i;
    if (!n)
        return false;
    int ti = cand[rnd(g->r, (uint32_t)n)];
    const FzTensor *x = &g->k->t[ti];
    static const char *const ops[] = {"sum", "sum", "max", "min", "prod"};
    const char *op = ops[rnd(g->r, 5)];
    FzScope in = *s;
    char vars[128] = "";
    size_t vl = 0;
    FzStage *st = g->st;
    if (top)
        st->nred_vars = 0;
    for (int d = 0; d < x->rank; d++) {
        int a = x->ax[d];
        if (s->var[a][0])
            continue;
        snprintf(in.var[a], 8, "r%d", g->k->nred++);
        if (top)
            snprintf(st->red_vars[st->nred_vars++], 8, "%s", in.var[a]);
        vl += (size_t)snprintf(vars + vl, sizeof vars - vl, "%s%s", vl ? ", " : "", in.var[a]);
        int range = (int)rnd(g->r, 6);
        if (range == 4)
            vl += (size_t)snprintf(vars + vl, sizeof vars - vl, " in 0..%s", g->k->ext[a]);
        else if (range == 5) {
            vl += (size_t)snprintf(vars + vl, sizeof vars - vl, " in 1..3");
            in.needs_default[a] = true;
        }
    }
    if (top)
        snprintf(st->op, sizeof st->op, "%s", op);
    if (!strcmp(op, "prod")) /* a product of many values is rounded */
        st->exact = false;
    st->nreductions++;
    out(&g->b, &g->len, "%s(", op);
    /* the plain read first: a body of one access, or the access combined */
    if (rnd(g->r, 3) == 0 || depth <= 0) {
        fz_access(g, &in, ti, t, true);
    } else {
        static const char *const comb[] = {" * ", " + ", " - "};
        out(&g->b, &g->len, "(");
        fz_access(g, &in, ti, t, true);
        out(&g->b, &g->len, "%s", comb[rnd(g->r, 3)]);
        fz_expr(g, &in, t, depth - 1);
        out(&g->b, &g->len, ")");
    }
    out(&g->b, &g->len, " for %s)", vars);
    return true;
}

static void fz_expr(FzGen *g, const FzScope *s, DType t, int depth)
{
    bool fl = dtype_is_float(t);
    int choice = depth <= 0 ? 0 : (int)rnd(g->r, 12);
    switch (choice) {
    case 1: case 2: case 3: { /* binary arithmetic, sometimes with a literal */
        static const char *const fops[] = {" + ", " - ", " * ", " / "};
        static const char *const iops[] = {" + ", " - ", " * ", " / ", " % "};
        const char *op = fl ? fops[rnd(g->r, 4)] : iops[rnd(g->r, 5)];
        if (fl && !strcmp(op, " / "))
            g->st->exact = false;
        out(&g->b, &g->len, "(");
        fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, "%s", op);
        if (rnd(g->r, 3) == 0)
            fz_literal(g, t);
        else
            fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, ")");
        return;
    }
    case 4: /* min/max of two */
        out(&g->b, &g->len, "%s(", rnd(g->r, 2) ? "max" : "min");
        fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, ", ");
        if (rnd(g->r, 2))
            fz_literal(g, t);
        else
            fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, ")");
        return;
    case 5: { /* unary */
        static const char *const fun[] = {"-", "abs", "floor", "ceil", "round", "sqrt", "sigmoid"};
        const char *f = fl ? fun[rnd(g->r, 7)] : fun[rnd(g->r, 2)];
        if (!strcmp(f, "sqrt") || !strcmp(f, "sigmoid"))
            g->st->exact = false;
        out(&g->b, &g->len, "%s(", f);
        if (!strcmp(f, "sqrt"))
            out(&g->b, &g->len, "abs(");
        fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, !strcmp(f, "sqrt") ? "))" : ")");
        return;
    }
    case 6: { /* select on a comparison of values of some dtype */
        static const char *const cmp[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
        DType c = rnd(g->r, 2) ? t : fz_dtype(g->r);
        out(&g->b, &g->len, "select(");
        fz_expr(g, s, c, depth - 1);
        out(&g->b, &g->len, "%s", cmp[rnd(g->r, 6)]);
        fz_literal(g, c);
        out(&g->b, &g->len, ", ");
        fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, ", ");
        fz_expr(g, s, t, depth - 1);
        out(&g->b, &g->len, ")");
        return;
    }
    case 7: { /* a cast of a value of another dtype */
        DType c = fz_dtype(g->r);
        if (!dtype_is_float(c) && fl)
            g->st->exact = false;
        out(&g->b, &g->len, "%s(", dtype_name(t));
        fz_expr(g, s, c, depth - 1);
        out(&g->b, &g->len, ")");
        return;
    }
    case 8: case 9:
        if (fz_reduction(g, s, t, depth - 1, false, false))
            return;
        break;
    default:
        break;
    }
    fz_leaf(g, s, t);
}

/* An output dimension for axis a: its extent, or now and then a smaller
 * one (the output is then not read by later stages). */
static inline const char *fz_out_dim(Rng *r, const char *ext, char *buf, size_t n, bool *plain)
{
    int c = (int)rnd(r, 24);
    *plain = c >= 4;
    if (c == 0)
        snprintf(buf, n, "0");
    else if (c == 1)
        snprintf(buf, n, "%s - %s", ext, ext);
    else if (c == 2)
        snprintf(buf, n, "%s - 1", ext);
    else if (c == 3)
        snprintf(buf, n, "min(%s, 3)", ext);
    else
        snprintf(buf, n, "%s", ext);
    return buf;
}

static inline void fz_shuffle(Rng *r, int *v, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rnd(r, (uint32_t)i + 1), t = v[i];
        v[i] = v[j], v[j] = t;
    }
}

/* The axes, inputs and scalar parameters of kernel `name`, and the start
 * of its header; returns the kernel's main dtype. */
static inline DType fz_params(Rng *r, FzKernel *k, const char *name, char **b, size_t *len)
{
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    static const char *const syms[] = {"A", "B", "C", "D"};
    static const char *const lits[] = {"1", "3", "4"};
    k->nax = 1 + (int)rnd(r, 3) + (rnd(r, 6) == 0);
    for (int a = 0; a < k->nax; a++) {
        int c = (int)rnd(r, 10);
        if (c == 0)
            snprintf(k->ext[a], 4, "%s", lits[rnd(r, 3)]);
        else if (c == 1 && a)
            memcpy(k->ext[a], k->ext[rnd(r, (uint32_t)a)], sizeof k->ext[a]);
        else
            snprintf(k->ext[a], 4, "%s", syms[a]);
    }
    DType kt = fz_dtype(r);
    /* inputs: the first over every axis */
    int nin = 1 + (int)rnd(r, 3);
    out(b, len, "kernel %s(", name);
    for (int i = 0; i < nin; i++) {
        FzTensor *x = &k->t[k->nt++];
        snprintf(x->name, sizeof x->name, "x%d", i);
        x->t = i == 0 || rnd(r, 3) ? kt : fz_dtype(r);
        x->input = x->readable = x->exact = true;
        int axes[FZ_MAXAX];
        for (int a = 0; a < k->nax; a++)
            axes[a] = a;
        fz_shuffle(r, axes, k->nax);
        x->rank = i == 0 ? k->nax : 1 + (int)rnd(r, (uint32_t)k->nax);
        if (i == 0 && rnd(r, 2)) /* mostly in axis order */
            for (int a = 0; a < k->nax; a++)
                axes[a] = a;
        out(b, len, "%s%s: %s[", i ? ", " : "", x->name, dtype_name(x->t));
        for (int d = 0; d < x->rank; d++) {
            x->ax[d] = axes[d];
            out(b, len, "%s%s", d ? ", " : "", k->ext[axes[d]]);
        }
        out(b, len, "]");
    }
    k->nin = k->nt;
    k->nscal = (int)rnd(r, 3);
    for (int i = 0; i < k->nscal; i++) {
        snprintf(k->scal[i], sizeof k->scal[i], "s%d", i);
        k->scal_t[i] = rnd(r, 2) ? kt : fz_dtype(r);
        out(b, len, ", %s: %s", k->scal[i], dtype_name(k->scal_t[i]));
    }
    return kt;
}

/* The axes of the next stage into y: any subset for an output, those of a
 * tensor already defined for an intermediate stage (which it then reads
 * plainly). */
static inline void fz_stage_axes(Rng *r, FzKernel *k, FzTensor *y, bool output)
{
    int *axes = y->ax;
    if (output) {
        for (int a = 0; a < k->nax; a++)
            axes[a] = a;
        fz_shuffle(r, axes, k->nax);
        y->rank = (int)rnd(r, (uint32_t)k->nax + 1);
        if (rnd(r, 2)) /* mostly in axis order */
            for (int i = 0; i < y->rank; i++)
                for (int j = i + 1; j < y->rank; j++)
                    if (axes[j] < axes[i]) {
                        int t = axes[i];
                        axes[i] = axes[j], axes[j] = t;
                    }
    } else {
        int cand[FZ_MAXT], n = 0;
        for (int i = 0; i < k->nt; i++)
            if (k->t[i].readable && k->t[i].rank)
                cand[n++] = i;
        const FzTensor *anchor = &k->t[cand[rnd(r, (uint32_t)n)]];
        y->rank = anchor->rank;
        memcpy(axes, anchor->ax, sizeof y->ax);
        if (rnd(r, 3) == 0)
            fz_shuffle(r, axes, y->rank);
    }
}

/* The declaration of output y in the kernel's header. */
static inline void fz_declare_output(Rng *r, const FzKernel *k, FzTensor *y, char **ob, size_t *ol, bool first)
{
    out(ob, ol, "%s%s: %s", first ? "" : ", ", y->name, dtype_name(y->t));
    if (!y->rank) {
        y->readable = false; /* 0-d outputs are not read back */
        return;
    }
    out(ob, ol, "[");
    for (int d = 0; d < y->rank; d++) {
        char dim[32];
        bool plain;
        out(ob, ol, "%s%s", d ? ", " : "", fz_out_dim(r, k->ext[y->ax[d]], dim, sizeof dim, &plain));
        y->readable &= plain;
    }
    out(ob, ol, "]");
}

/* The statement defining y (its variables in sc); returns whether its
 * right-hand side is one reduction. */
static inline bool fz_statement(FzGen *g, const FzScope *sc, const FzTensor *y, bool output)
{
    FzKernel *k = g->k;
    out(&g->b, &g->len, "    %s", y->name);
    if (y->rank) {
        out(&g->b, &g->len, "[");
        for (int d = 0; d < y->rank; d++)
            out(&g->b, &g->len, "%s%s", d ? ", " : "", sc->var[y->ax[d]]);
        out(&g->b, &g->len, "]");
    }
    out(&g->b, &g->len, " = ");
    bool whole = (y->rank == 0 || rnd(g->r, 5) < 2) && fz_reduction(g, sc, y->t, 2, true, !output);
    if (!whole) {
        int ai = -1;
        if (!output) /* the anchor: a plain read of a tensor over exactly these axes */
            for (int i = 0; i < k->nt && ai < 0; i++)
                if (k->t[i].readable && k->t[i].rank == y->rank && fz_in_scope(sc, &k->t[i]))
                    ai = i;
        if (ai >= 0 && rnd(g->r, 3)) {
            static const char *const comb[] = {" + ", " * ", " - "};
            out(&g->b, &g->len, "(");
            fz_access(g, sc, ai, y->t, true);
            out(&g->b, &g->len, "%s", comb[rnd(g->r, 3)]);
            fz_expr(g, sc, y->t, 3);
            out(&g->b, &g->len, ")");
        } else if (ai >= 0) {
            fz_access(g, sc, ai, y->t, true);
        } else {
            fz_expr(g, sc, y->t, 3);
        }
    }
    out(&g->b, &g->len, ";\n");
    return whole;
}

/* The schedule generator's description of stage y (index idx of kd). */
static inline void fz_describe(Rng *r, const FzKernel *k, KDesc *kd, const FzStage *st, const FzTensor *y,
                               const FzScope *sc, bool whole, bool output)
{
    static char names[MAXST][2][FZ_MAXAX + 1][8]; /* StDesc strings: [stage][pure/red][i] */
    int idx = kd->nst++;
    StDesc *sd = &kd->st[idx];
    sd->name = y->name;
    for (int d = 0; d < y->rank; d++) {
        snprintf(names[idx][0][d], 8, "%s", sc->var[y->ax[d]]);
        sd->pure[d] = names[idx][0][d];
    }
    bool simple = st->nreductions == 1 && st->nred_vars;
    for (int v = 0; simple && v < st->nred_vars && v < 4; v++) {
        snprintf(names[idx][1][v], 8, "%s", st->red_vars[v]);
        sd->red[v] = names[idx][1][v];
    }
    /* f16/bf16 reductions accumulate in an f32 temporary */
    sd->temp = !whole || y->t == DT_F16 || y->t == DT_BF16;
    int nr = 0;
    for (int i = k->nin; i < k->nt - 1; i++)
        if (st->reads[i])
            sd->reads[nr++] = i - k->nin;
    sd->reads[nr] = -1;
    sd->output = output;
    sd->inlinable = !output && st->nreductions == 0;
    for (int i = 0; i < k->nin; i++)
        if (st->reads[i] && rnd(r, 2))
            sd->cache = k->t[i].name;
    /* a float reduction's order changes (rfactor, reordered reduction
     * loops) only where the values are exact */
    bool fl = dtype_is_float(y->t);
    sd->fixed_order = fl && (!st->exact || strcmp(st->op, "sum") || y->t == DT_F16 || y->t == DT_BF16);
}

/* Draws kernel `name` into *k, appends its source at *b and the schedule
 * (if any) at *sb. */
static inline void fz_kernel(Rng *r, FzKernel *k, const char *name, char **b, size_t *len, char **sb,
                             size_t *slen)
{
    DType kt = fz_params(r, k, name, b, len);
    /* stages: drawn first (outputs are declared in the header) */
    int nmid = (int)rnd(r, 4), nout = 1 + (int)rnd(r, 2);
    char body[8192], outs[512];
    char *bb = body, *ob = outs;
    size_t bl = sizeof body, ol = sizeof outs;
    body[0] = outs[0] = 0;
    KDesc kd;
    memset(&kd, 0, sizeof kd);
    kd.name = k->name;
    for (int si = 0; si < nmid + nout && kd.nst < MAXST; si++) {
        bool output = si >= nmid;
        FzTensor *y = &k->t[k->nt];
        snprintf(y->name, sizeof y->name, output ? "y%d" : "t%d", output ? si - nmid : si);
        y->t = rnd(r, 4) ? kt : fz_dtype(r);
        y->readable = true;
        fz_stage_axes(r, k, y, output);
        FzScope sc;
        memset(&sc, 0, sizeof sc);
        for (int d = 0; d < y->rank; d++)
            snprintf(sc.var[y->ax[d]], 8, "i%d", y->ax[d]);
        if (output)
            fz_declare_output(r, k, y, &ob, &ol, ob == outs);
        FzStage st;
        memset(&st, 0, sizeof st);
        st.exact = true;
        FzGen g = {r, k, &st, bb, bl};
        bool whole = fz_statement(&g, &sc, y, output);
        bb = g.b, bl = g.len;
        y->exact = st.exact;
        k->nt++;
        fz_describe(r, k, &kd, &st, y, &sc, whole, output);
    }
    out(b, len, ") -> %s%s%s {\n%s}\n\n", nout > 1 ? "(" : "", outs, nout > 1 ? ")" : "", body);
    if (rnd(r, 3)) {
        for (int i = 0; i < kd.nst; i++)
            k->reorders_floats |= dtype_is_float(k->t[k->nin + i].t) && !kd.st[i].fixed_order;
        char *s0 = *sb;
        sched_gen(r, &kd, *sb, *slen);
        size_t n = strlen(s0);
        *sb += n, *slen -= n;
    }
}

/* A program of 1-3 kernels k0, k1, ... and their schedules into buf. */
static inline int fz_program(Rng *r, FzKernel *ks, int maxk, char *buf, size_t len)
{
    static char sched[16384];
    char *b = buf, *sb = sched;
    size_t slen = sizeof sched;
    sched[0] = 0;
    int n = 1 + (int)rnd(r, (uint32_t)maxk);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", i);
        fz_kernel(r, &ks[i], name, &b, &len, &sb, &slen);
    }
    out(&b, &len, "%s", sched);
    return n;
}

#endif
