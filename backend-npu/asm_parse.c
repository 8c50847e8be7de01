/* NPU assembly parser: one instruction or directive per line, errors with
 * line:col and a caret through the diagnostic sink. Grammar in docs/npu.md. */
#include "backend-npu/isa.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser {
    NpuProgram *p;
    DiagSink   *d;
    uint32_t    file, line;
    const char *bol, *s, *eol;   /* line start, cursor, line end */
    bool        failed;          /* error on this line already reported */
} Parser;

static void err(Parser *ps, const char *at, uint32_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err(Parser *ps, const char *at, uint32_t len, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    SrcSpan sp = {{ps->file, ps->line, (uint32_t)(at - ps->bol) + 1}, len ? len : 1};
    va_list ap;
    va_start(ap, fmt);
    diag_verror(ps->d, sp, fmt, ap);
    va_end(ap);
}

static void skipws(Parser *ps)
{
    while (ps->s < ps->eol && (*ps->s == ' ' || *ps->s == '\t' || *ps->s == '\r'))
        ps->s++;
}

static bool at_end(Parser *ps)
{
    skipws(ps);
    return ps->s >= ps->eol;
}

static bool accept(Parser *ps, char c)
{
    skipws(ps);
    if (ps->s < ps->eol && *ps->s == c) {
        ps->s++;
        return true;
    }
    return false;
}

static bool expect(Parser *ps, char c, const char *what)
{
    if (accept(ps, c))
        return true;
    err(ps, ps->s, 1, "expected %s", what);
    return false;
}

/* ident -> [A-Za-z_][A-Za-z0-9_]* ; returns its length (0 if none) */
static size_t ident(Parser *ps, const char **start)
{
    skipws(ps);
    const char *b = ps->s;
    if (b >= ps->eol || !(isalpha((unsigned char)*b) || *b == '_'))
        return 0;
    while (ps->s < ps->eol && (isalnum((unsigned char)*ps->s) || *ps->s == '_'))
        ps->s++;
    *start = b;
    return (size_t)(ps->s - b);
}

static bool word_is(const char *s, size_t n, const char *w) { return strlen(w) == n && memcmp(s, w, n) == 0; }

/* register -> 'r' digits, below NPU_NREG */
static int regno(const char *s, size_t n)
{
    if (n < 2 || n > 3 || s[0] != 'r')
        return -1;
    int v = 0;
    for (size_t i = 1; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v < NPU_NREG ? v : -1;
}

/* integer -> ['-'] (decimal | 0x hex) */
static bool integer(Parser *ps, int64_t *out)
{
    skipws(ps);
    const char *b = ps->s;
    char *end;
    errno = 0;
    bool neg = ps->s < ps->eol && *ps->s == '-';
    int base = b[neg] == '0' && (b[neg + 1] == 'x' || b[neg + 1] == 'X') ? 16 : 10;
    unsigned long long u = strtoull(b + neg, &end, base);
    if (end == b + neg || end > ps->eol || !isdigit((unsigned char)b[neg]) || errno ||
        (end < ps->eol && (isalnum((unsigned char)*end) || *end == '.' || *end == '_'))) {
        err(ps, b, 1, "expected an integer");
        return false;
    }
    ps->s = end;
    *out = neg ? -(int64_t)u : (int64_t)u;
    return true;
}

static int reg(Parser *ps)
{
    const char *b;
    size_t n = ident(ps, &b);
    int r = n ? regno(b, n) : -1;
    if (r < 0)
        err(ps, n ? b : ps->s, (uint32_t)n, "expected a register r0..r%d", NPU_NREG - 1);
    return r;
}

/* val -> register | integer */
static NpuVal value(Parser *ps)
{
    skipws(ps);
    if (ps->s < ps->eol && *ps->s == 'r') {
        int r = reg(ps);
        return npu_reg(r < 0 ? 0 : r);
    }
    int64_t v = 0;
    integer(ps, &v);
    return npu_imm(v);
}

/* scalar -> register | float literal | inf | nan */
static NpuScalar scalar(Parser *ps)
{
    skipws(ps);
    NpuScalar sc = {NPU_REG_NONE, 0};
    if (ps->s < ps->eol && *ps->s == 'r') {
        sc.reg = (int8_t)reg(ps);
        return sc;
    }
    const char *b = ps->s;
    char *end;
    sc.imm = strtod(b, &end);
    if (end == b || end > ps->eol || (end < ps->eol && (isalnum((unsigned char)*end) || *end == '_')))
        err(ps, b, 1, "expected a number or register");
    else
        ps->s = end;
    return sc;
}

static int pipe_name(Parser *ps, bool allow_all)
{
    const char *b;
    size_t n = ident(ps, &b);
    for (int i = 0; i <= NPU_PIPE_ALL; i++)
        if (word_is(b, n, npu_pipe_name((NpuPipe)i)) && (allow_all || i != NPU_PIPE_ALL))
            return i;
    err(ps, n ? b : ps->s, (uint32_t)n, "expected a pipe (s, v, m, mte1, mte2, mte3, fix%s)",
        allow_all ? ", all" : "");
    return 0;
}

/* addr -> (scope | gm-name) '[' (reg [('+'|'-') integer] | integer) ']' */
static NpuAddr address(Parser *ps)
{
    NpuAddr a = npu_addr(NPU_UB, NPU_REG_NONE, 0);
    const char *b;
    size_t n = ident(ps, &b);
    if (!n) {
        err(ps, ps->s, 1, "expected a memory operand such as ub[r1+32]");
        return a;
    }
    int sc = -1;
    for (int i = 1; i < NPU_NSCOPE; i++)
        if (word_is(b, n, npu_scope_name((NpuScope)i)))
            sc = i;
    if (sc < 0) {
        int g = npu_program_find_gm(ps->p, b, n);
        if (g < 0) {
            err(ps, b, (uint32_t)n, "unknown buffer '%.*s' (scopes are l1, ub, l0a, l0b, l0c; "
                "declare GM tensors with .gm)", (int)n, b);
            return a;
        }
        a.scope = NPU_GM;
        a.gm = (int16_t)g;
    } else {
        a.scope = (uint8_t)sc;
    }
    if (!expect(ps, '[', "'['"))
        return a;
    skipws(ps);
    if (ps->s < ps->eol && *ps->s == 'r') {
        a.reg = (int8_t)reg(ps);
        skipws(ps);
        if (ps->s < ps->eol && (*ps->s == '+' || *ps->s == '-')) {
            bool neg = *ps->s++ == '-';
            int64_t v = 0;
            if (integer(ps, &v))
                a.off = neg ? -v : v;
        }
    } else {
        integer(ps, &a.off);
    }
    expect(ps, ']', "']'");
    return a;
}

/* param -> key '=' (val | keyword | integer ':' integer) */
static void param(Parser *ps, NpuInstr *in, uint32_t *seen)
{
    const char *b;
    size_t n = ident(ps, &b);
    const NpuOpInfo *oi = npu_op_info(in->op);
    int k = -1;
    for (int i = 0; i < NPU_NPARAM; i++)
        if (word_is(b, n, npu_param_info((NpuParam)i)->key))
            k = i;
    if (!n || k < 0 || !(oi->params & (1u << k))) {
        if (!n)
            err(ps, ps->s, 1, "expected an operand or key=value parameter");
        else
            err(ps, b, (uint32_t)n, "'%s' has no parameter '%.*s'", oi->name, (int)n, b);
        return;
    }
    if (*seen & (1u << k)) {
        err(ps, b, (uint32_t)n, "parameter '%.*s' given twice", (int)n, b);
        return;
    }
    *seen |= 1u << k;
    if (!expect(ps, '=', "'=' after the parameter name"))
        return;
    const NpuParamInfo *pi = npu_param_info((NpuParam)k);
    skipws(ps);
    const char *vb = ps->s;
    if (pi->kind == NPU_PK_ROUND || pi->kind == NPU_PK_CMP) {
        const char *const *names = pi->kind == NPU_PK_ROUND ? npu_round_names : npu_cmp_names;
        int nn = pi->kind == NPU_PK_ROUND ? 7 : 6;
        const char *w;
        size_t wn = ident(ps, &w);
        for (int i = 0; i < nn; i++)
            if (word_is(w, wn, names[i])) {
                in->p[k] = npu_imm(i);
                return;
            }
        err(ps, vb, (uint32_t)wn, "bad value for '%s'", pi->key);
        return;
    }
    if (pi->kind == NPU_PK_MASK) {
        int64_t x = 0, y = 0;
        if (!integer(ps, &x))
            return;
        if (accept(ps, ':')) {
            if (!integer(ps, &y))
                return;
            in->mask = (NpuMask){true, 0, (uint64_t)x, (uint64_t)y};
        } else if (x < 1 || x > 256) {
            err(ps, vb, (uint32_t)(ps->s - vb), "mask=%lld out of range [1, lanes]", (long long)x);
        } else {
            in->mask = (NpuMask){false, (uint32_t)x, 0, 0};
        }
        return;
    }
    in->p[k] = value(ps);
    int64_t lo, hi;
    npu_param_range(in->op, (NpuParam)k, &lo, &hi);
    if (in->p[k].reg < 0 && (in->p[k].imm < lo || in->p[k].imm > hi))
        err(ps, vb, (uint32_t)(ps->s - vb), "%s=%lld out of range [%lld, %lld]", pi->key,
            (long long)in->p[k].imm, (long long)lo, (long long)hi);
}

static void operands(Parser *ps, NpuInstr *in)
{
    const NpuOpInfo *oi = npu_op_info(in->op);
    switch (oi->fam) {
    case NPU_F_MOV:
        in->rd = (int8_t)reg(ps);
        expect(ps, ',', "','");
        in->v[0] = value(ps);
        return;
    case NPU_F_ALU:
        in->rd = (int8_t)reg(ps);
        expect(ps, ',', "','");
        in->v[0] = value(ps);
        expect(ps, ',', "','");
        in->v[1] = value(ps);
        return;
    case NPU_F_BLOCK:
        in->rd = (int8_t)reg(ps);
        return;
    case NPU_F_SLD:
        in->rd = (int8_t)reg(ps);
        expect(ps, ',', "','");
        in->a[0] = address(ps);
        return;
    case NPU_F_SST:
        in->a[0] = address(ps);
        expect(ps, ',', "','");
        in->v[0] = value(ps);
        return;
    case NPU_F_LOOP:
        in->rd = (int8_t)reg(ps);
        expect(ps, ',', "','");
        in->v[0] = value(ps);
        expect(ps, ',', "','");
        in->v[1] = value(ps);
        if (accept(ps, ','))
            in->v[2] = value(ps);
        return;
    case NPU_F_ENDLOOP:
        return;
    case NPU_F_FLAG:
        in->pipe[0] = (NpuPipe)pipe_name(ps, false);
        expect(ps, ',', "','");
        in->pipe[1] = (NpuPipe)pipe_name(ps, false);
        expect(ps, ',', "','");
        in->v[0] = value(ps);
        return;
    case NPU_F_BARRIER:
        in->pipe[0] = (NpuPipe)pipe_name(ps, true);
        return;
    default:
        break;
    }
    int na = npu_family_naddr(oi->fam);
    for (int k = 0; k < na && !ps->failed; k++) {
        if (k)
            expect(ps, ',', "',' and another memory operand");
        in->a[k] = address(ps);
    }
    if (oi->fam == NPU_F_VBINS || oi->fam == NPU_F_VDUP) {
        expect(ps, ',', "',' and a scalar");
        in->s = scalar(ps);
    }
    uint32_t seen = 0;
    while (!ps->failed && accept(ps, ','))
        param(ps, in, &seen);
}

/* instr -> mnemonic ('.' dtype)* operands */
static void instruction(Parser *ps, const char *b, size_t n)
{
    NpuOp op = NPU_NOP;
    for (int i = 0; i < NPU_NOP; i++)
        if (word_is(b, n, npu_op_name((NpuOp)i)))
            op = (NpuOp)i;
    if (op == NPU_NOP) {
        err(ps, b, (uint32_t)n, "unknown instruction '%.*s'", (int)n, b);
        return;
    }
    const NpuOpInfo *oi = npu_op_info(op);
    NpuDtype dts[2] = {NPU_DT_NONE, NPU_DT_NONE};
    int ndt = 0;
    while (ps->s < ps->eol && *ps->s == '.') {
        ps->s++;
        const char *t;
        size_t tn = ident(ps, &t);
        NpuDtype dt = NPU_DT_NONE;
        for (int i = 1; i < NPU_NDTYPE; i++)
            if (word_is(t, tn, npu_dtype_name((NpuDtype)i)))
                dt = (NpuDtype)i;
        if (!dt || ndt == 2) {
            err(ps, tn ? t : ps->s, (uint32_t)tn, "bad element type suffix");
            return;
        }
        dts[ndt++] = dt;
    }
    int want = op == NPU_OP_VCONV ? 2 : oi->dtypes ? 1 : 0;
    if (ndt != want) {
        err(ps, b, (uint32_t)(ps->s - b), want == 0 ? "'%s' takes no element type"
            : want == 1 ? "'%s' needs one element type suffix, e.g. .f16"
            : "'%s' needs destination and source types, e.g. vconv.f16.f32", oi->name);
        return;
    }
    uint32_t line = ps->line, col = (uint32_t)(b - ps->bol) + 1;
    NpuInstr *in = npu_emit_typed(ps->p, op, dts[0], dts[1]);
    if (!in)
        return;
    in->line = line;
    in->col = col;
    operands(ps, in);
    if (!ps->failed && !at_end(ps))
        err(ps, ps->s, 1, "unexpected text after the operands");
}

/* directive -> '.gm' name dtype count | '.block_dim' count */
static void directive(Parser *ps)
{
    const char *b;
    size_t n = ident(ps, &b);
    if (word_is(b, n, "block_dim")) {
        const char *vb = ps->s;
        int64_t v;
        if (integer(ps, &v) && (v < 1 || v > 65535))
            err(ps, vb, 1, "block_dim must be in [1, 65535]");
        else if (!ps->failed)
            ps->p->block_dim = (uint32_t)v;
    } else if (word_is(b, n, "gm")) {
        const char *nm, *t;
        size_t nn = ident(ps, &nm);
        if (!nn) {
            err(ps, ps->s, 1, "expected a GM tensor name");
            return;
        }
        size_t tn = ident(ps, &t);
        NpuDtype dt = NPU_DT_NONE;
        for (int i = 1; i < NPU_NDTYPE; i++)
            if (word_is(t, tn, npu_dtype_name((NpuDtype)i)))
                dt = (NpuDtype)i;
        if (!dt) {
            err(ps, tn ? t : ps->s, (uint32_t)tn, "expected an element type (f16, f32, bf16, i32, i16, i8, u8)");
            return;
        }
        int64_t cnt;
        const char *cb = ps->s;
        if (!integer(ps, &cnt))
            return;
        if (cnt < 1 || cnt > ((int64_t)1 << 32)) {
            err(ps, cb, 1, "element count must be in [1, 2^32]");
            return;
        }
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(nn < 127 ? nn : 127), nm);
        bool scope_word = false;
        for (int i = 0; i < NPU_NSCOPE; i++)
            scope_word |= word_is(nm, nn, npu_scope_name((NpuScope)i));
        if (scope_word || regno(nm, nn) >= 0 || npu_program_add_gm(ps->p, name, dt, (uint64_t)cnt) < 0)
            err(ps, nm, (uint32_t)nn, "GM tensor name '%s' is reserved or already declared", name);
    } else {
        err(ps, b - 1, (uint32_t)n + 1, "unknown directive '.%.*s' (expected .gm or .block_dim)", (int)n, b);
        return;
    }
    if (!ps->failed && !at_end(ps))
        err(ps, ps->s, 1, "unexpected text after the directive");
}

NpuProgram *npu_program_parse(Arena *a, DiagSink *d, uint32_t file, const char *text, size_t len)
{
    text = arena_strndup(a, text, len); /* NUL-terminated for strtod/strtoull */
    Parser ps = {npu_program_new(a), d, file, 0, text, text, text, false};
    ps.p->file = file;
    int nerr0 = d->nerr;
    const char *end = text + len;
    for (const char *s = text; s < end;) {
        const char *eol = memchr(s, '\n', (size_t)(end - s));
        if (!eol)
            eol = end;
        ps.line++;
        ps.bol = ps.s = s;
        ps.eol = eol;
        ps.failed = false;
        /* comments: '#', ';' or '//' to end of line */
        for (const char *c = s; c < eol; c++)
            if (*c == '#' || *c == ';' || (*c == '/' && c + 1 < eol && c[1] == '/')) {
                ps.eol = c;
                break;
            }
        if (memchr(s, '\0', (size_t)(eol - s)))
            err(&ps, memchr(s, '\0', (size_t)(eol - s)), 1, "NUL byte in assembly text");
        else if (!at_end(&ps)) {
            if (accept(&ps, '.')) {
                directive(&ps);
            } else {
                const char *b;
                size_t n = ident(&ps, &b);
                if (!n)
                    err(&ps, ps.s, 1, "expected an instruction or directive");
                else
                    instruction(&ps, b, n);
            }
        }
        s = eol < end ? eol + 1 : end;
    }
    if (d->nerr == nerr0)
        npu_program_finish(ps.p, d);
    if (a->oom)
        diag_error(d, NO_SPAN, "out of memory while parsing NPU assembly");
    return d->nerr == nerr0 ? ps.p : NULL;
}
