/* Random legal cpu schedules as .tk text (header-only), shared by the
 * schedule suite (tests/sched/sched_random_test.c) and the differential
 * fuzzer (tests/fuzz/): a kernel is described by its stages (producers
 * first), each with its pure and reduction loops, the stages it reads and
 * whether it may be inlined; sched_gen writes a schedule that places the
 * intermediate stages (inline, compute_at a consumer's outer loop, root) and
 * gives the root stages random splits, tiles, reorders, fuses, rfactors,
 * cache_read/cache_write, unroll, vectorize and parallel directives. */
#ifndef TK_TEST_SCHED_GEN_H
#define TK_TEST_SCHED_GEN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { MAXST = 8, MAXL = 16 };

typedef struct StDesc {
    const char *name;
    const char *pure[4];
    const char *red[4];
    int         reads[MAXST]; /* stage indices, -1 terminated */
    bool        output, inlinable;
    const char *cache;      /* an input this stage reads directly (cache_read at its loops), or NULL */
    bool        temp;       /* its reduction is part of a larger expression (held in a temporary) */
    bool        fixed_order; /* its results are compared exactly: no rfactor, and its
                                reduction loops keep their order (float sums and
                                products depend on it) */
} StDesc;

typedef struct KDesc {
    const char *name, *src;
    const char *dims[4];
    int         nst;
    StDesc      st[MAXST];  /* producers first */
} KDesc;

typedef struct Rng { uint64_t s; } Rng;
static inline uint32_t rnd(Rng *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (uint32_t)((r->s >> 33) % n) : 0;
}

typedef struct Chain { char name[MAXL][16]; int n; } Chain;

static inline void chain_init(Chain *c, const char *const *names)
{
    c->n = 0;
    for (int i = 0; i < 4 && names[i]; i++)
        snprintf(c->name[c->n++], 16, "%s", names[i]);
}

static inline void chain_split(Chain *c, int p, const char *o, const char *in)
{
    if (c->n + 1 > MAXL)
        return;
    memmove(&c->name[p + 2], &c->name[p + 1], (size_t)(c->n - p - 1) * 16);
    snprintf(c->name[p], 16, "%s", o);
    snprintf(c->name[p + 1], 16, "%s", in);
    c->n++;
}

static inline void out(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void out(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*buf, *len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < *len) {
        *buf += n;
        *len -= (size_t)n;
    }
}

static inline const char *factor(Rng *r)
{
    static const char *const f[] = {"1", "2", "3", "4", "5", "7", "8", "16", "auto"};
    return f[rnd(r, 9)];
}

/* Loop directives of one root stage: splits, tiles, reorders and fuses of
 * the pure chain, splits and reorders of the reduction chain, then perhaps
 * a reorder of both chains together (the init splits off) or an rfactor,
 * then unroll, vectorize (innermost pure) and parallel (outermost pure).
 * A cache_write first (then the reduction loops are the cache's). */
static inline void stage_ops(Rng *r, const StDesc *st, char **b, size_t *len, int *fresh, char outer[16], bool *par)
{
    Chain P, R;
    chain_init(&P, st->pure);
    chain_init(&R, st->red);
    bool cw = st->output && rnd(r, 6) == 0;
    if (cw) {
        out(b, len, " cw%d = %s.cache_write(local);\n", *fresh, st->name);
        R.n = 0;
    }
    int cwn = (*fresh)++;
    int nops = (int)rnd(r, 4);
    for (int k = 0; k < nops; k++) {
        int op = (int)rnd(r, 6);
        char o[16], in[16];
        snprintf(o, 16, "v%d", (*fresh)++);
        snprintf(in, 16, "v%d", (*fresh)++);
        if (op == 0 && P.n && P.n < MAXL - 1) {
            int p = (int)rnd(r, (uint32_t)P.n);
            out(b, len, " %s.split(%s, %s, %s, %s);\n", st->name, P.name[p], factor(r), o, in);
            chain_split(&P, p, o, in);
        } else if (op == 1 && R.n && R.n < MAXL - 1) {
            int p = (int)rnd(r, (uint32_t)R.n);
            out(b, len, " %s.split(%s, %s, %s, %s);\n", st->name, R.name[p], factor(r), o, in);
            chain_split(&R, p, o, in);
        } else if (op == 2 && P.n >= 2) {
            Chain *c = &P;
            int perm[MAXL];
            for (int i = 0; i < c->n; i++)
                perm[i] = i;
            for (int i = c->n - 1; i > 0; i--) {
                int j = (int)rnd(r, (uint32_t)i + 1), t = perm[i];
                perm[i] = perm[j], perm[j] = t;
            }
            Chain nc = *c;
            out(b, len, " %s.reorder(", st->name);
            for (int i = 0; i < c->n; i++) {
                out(b, len, "%s%s", i ? ", " : "", c->name[perm[i]]);
                snprintf(nc.name[i], 16, "%s", c->name[perm[i]]);
            }
            out(b, len, ");\n");
            *c = nc;
        } else if (op == 3 && R.n >= 2 && !st->fixed_order) {
            int i = (int)rnd(r, (uint32_t)R.n - 1);
            out(b, len, " %s.reorder(%s, %s);\n", st->name, R.name[i + 1], R.name[i]);
            char t[16];
            memcpy(t, R.name[i], 16);
            memcpy(R.name[i], R.name[i + 1], 16);
            memcpy(R.name[i + 1], t, 16);
        } else if (op == 4 && P.n >= 2) {
            int i = (int)rnd(r, (uint32_t)P.n - 1);
            out(b, len, " %s.fuse(%s, %s, %s);\n", st->name, P.name[i], P.name[i + 1], o);
            snprintf(P.name[i], 16, "%s", o);
            memmove(&P.name[i + 1], &P.name[i + 2], (size_t)(P.n - i - 2) * 16);
            P.n--;
        } else if (op == 5 && P.n >= 2 && P.n < MAXL - 2) {
            char o2[16], in2[16];
            snprintf(o2, 16, "v%d", (*fresh)++);
            snprintf(in2, 16, "v%d", (*fresh)++);
            int x = (int)rnd(r, (uint32_t)P.n - 1), y = x + 1 + (int)rnd(r, (uint32_t)(P.n - x - 1));
            out(b, len, " %s.tile(%s, %s, %s, %s, %s, %s, %s, %s);\n", st->name, P.name[x], P.name[y], factor(r),
                factor(r), o, o2, in, in2);
            chain_split(&P, y, o2, in2);
            chain_split(&P, x, o, in);
            /* positions of xo, xi, yo, yi (in chain order) get xo, yo, xi, yi */
            snprintf(P.name[x + 1], 16, "%s", o2);
            snprintf(P.name[y + 1], 16, "%s", in);
        }
    }
    bool novec = false;
    int extra = R.n ? (int)rnd(r, 4) : 0;
    if (extra == 1 && !st->temp && P.n + R.n >= 2) {
        /* pure and reduction loops permuted together: the init splits off */
        Chain all = P;
        for (int i = 0; i < R.n && all.n < MAXL; i++)
            memcpy(all.name[all.n++], R.name[i], 16);
        int perm[MAXL];
        for (int i = 0; i < all.n; i++)
            perm[i] = i;
        for (int i = all.n - 1; i > 0; i--) {
            int j = (int)rnd(r, (uint32_t)i + 1), t = perm[i];
            perm[i] = perm[j], perm[j] = t;
        }
        if (st->fixed_order) /* the reduction loops (indices >= P.n) in their order */
            for (int i = 0; i < all.n; i++)
                for (int j = i + 1; j < all.n; j++)
                    if (perm[i] >= P.n && perm[j] >= P.n && perm[j] < perm[i]) {
                        int t = perm[i];
                        perm[i] = perm[j], perm[j] = t;
                    }
        out(b, len, " %s.reorder(", st->name);
        for (int i = 0; i < all.n; i++)
            out(b, len, "%s%s", i ? ", " : "", all.name[perm[i]]);
        out(b, len, ");\n");
        /* P keeps its names; its first and last stay what parallel and
         * vectorize use (legal wherever they are in the nest) */
    } else if (extra >= 2 && !st->fixed_order) {
        int p = (int)rnd(r, (uint32_t)R.n);
        int id = (*fresh)++;
        out(b, len, " rf%d = %s.rfactor(%s, kf%d);\n", id, st->name, R.name[p], id);
        if (rnd(r, 2)) {
            out(b, len, " rf%d.vectorize(kf%d%s);\n", id, id, rnd(r, 2) ? ", 4" : "");
            novec = true;
        } else if (rnd(r, 2)) {
            out(b, len, " rf%d.unroll(kf%d, 2);\n", id, id);
        }
        R.n = 0;
    }
    if (rnd(r, 3) == 0) {
        /* neither the innermost pure loop (vectorize) nor the outermost (parallel) */
        bool red = R.n && (P.n <= 2 || rnd(r, 2));
        if (red || P.n > 2)
            out(b, len, " %s.unroll(%s, %u);\n", st->name,
                red ? R.name[rnd(r, (uint32_t)R.n)] : P.name[1 + rnd(r, (uint32_t)P.n - 2)], 2 + rnd(r, 3));
    }
    bool vec = !novec && P.n && rnd(r, 2);
    if (vec) {
        static const char *const w[] = {"", ", 2", ", 4", ", 8", ", 16"};
        out(b, len, " %s.vectorize(%s%s);\n", st->name, P.name[P.n - 1], w[rnd(r, 5)]);
    }
    *par = P.n && rnd(r, 2) && !(vec && P.n == 1);
    if (*par)
        out(b, len, " %s.parallel(%s);\n", st->name, P.name[0]);
    snprintf(outer, 16, "%s", P.n ? P.name[0] : "");
    if (cw && P.n)
        out(b, len, " cw%d.compute_at(%s, %s);\n", cwn, st->name, P.name[0]);
    if (st->cache && P.n && rnd(r, 4) == 0) {
        int id = (*fresh)++;
        out(b, len, " ca%d = %s.cache_read(local);\n", id, st->cache);
        if (rnd(r, 3)) {
            out(b, len, " ca%d.compute_at(%s, %s);\n", id, st->name, P.name[0]);
            if (!*par && !(vec && P.n == 1) && rnd(r, 2))
                out(b, len, " ca%d.double_buffer();\n", id);
        }
    }
}

/* A random schedule block for kernel d: placements (consumers first), then
 * loop directives for the stages left at the root. */
static inline void sched_gen(Rng *r, const KDesc *d, char *buf, size_t len)
{
    char *b = buf;
    out(&b, &len, "schedule %s for cpu {\n", d->name);
    bool reads[MAXST][MAXST] = {{0}};
    int where[MAXST];      /* -1 root; -2 inlined; else consumer index (at its outer loop) */
    char outer[MAXST][16]; /* the consumer's outermost loop after its directives */
    for (int i = 0; i < d->nst; i++) {
        where[i] = -1;
        for (int j = 0; j < MAXST && d->st[i].reads[j] >= 0; j++)
            reads[i][d->st[i].reads[j]] = true;
    }
    /* loop directives first (they fix each root stage's outermost loop) */
    char ops[MAXST][2048];
    int fresh = 0;
    bool skip[MAXST] = {0};
    for (int i = d->nst; i-- > 0;) {
        const StDesc *st = &d->st[i];
        /* placement of i (consumers were decided before) */
        if (!st->output) {
            int choice = (int)rnd(r, 4);
            if (choice == 1 && st->inlinable) {
                where[i] = -2;
                out(&b, &len, " %s.compute_inline();\n", st->name);
                for (int x = 0; x < d->nst; x++)
                    if (reads[x][i]) {
                        for (int q = 0; q < d->nst; q++)
                            reads[x][q] |= reads[i][q];
                        reads[x][i] = false;
                    }
                skip[i] = true;
                continue;
            }
            if (choice >= 2) {
                /* a root consumer whose loop encloses every use */
                for (int c = 0; c < d->nst; c++) {
                    if (!reads[c][i] || where[c] != -1 || !outer[c][0])
                        continue;
                    bool ok = true;
                    for (int x = 0; x < d->nst; x++)
                        if (x != c && reads[x][i] && where[x] != c)
                            ok = false;
                    if (!ok)
                        continue;
                    where[i] = c;
                    out(&b, &len, " %s.compute_at(%s, %s);\n", st->name, d->st[c].name, outer[c]);
                    skip[i] = true;
                    break;
                }
                if (skip[i])
                    continue;
            }
            if (choice == 3)
                out(&b, &len, " %s.compute_root();\n", st->name);
        }
        char *ob = ops[i];
        size_t olen = sizeof ops[i];
        ops[i][0] = 0;
        bool par = false;
        stage_ops(r, st, &ob, &olen, &fresh, outer[i], &par);
        out(&b, &len, "%s", ops[i]);
    }
    out(&b, &len, "}\n");
}

#endif
