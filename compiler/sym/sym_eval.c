/* sym_eval: exact int64 evaluation with floor div/mod, where division by
 * zero gives 0 as in the language; any overflow clears *ok instead of
 * producing a wrong number. */
#include "compiler/sym/sym_internal.h"

typedef struct Eval {
    int64_t (*value_of)(void *ud, const Sym *var);
    void *ud;
    bool  ok;
} Eval;

static int64_t ev(Eval *v, const Sym *e)
{
    int64_t r = 0, x, y;
    if (!v->ok)
        return 0;
    switch (e->kind) {
    case SYM_CONST: return e->k;
    case SYM_VAR: return v->value_of(v->ud, e);
    case SYM_ADD:
        r = e->k;
        for (uint32_t i = 0; i < e->n && v->ok; i++) {
            x = ev(v, e->ops[i]);
            if (__builtin_mul_overflow(x, e->coef[i], &x) || __builtin_add_overflow(r, x, &r))
                v->ok = false;
        }
        return r;
    case SYM_MUL:
        r = 1;
        for (uint32_t i = 0; i < e->n && v->ok; i++)
            if (__builtin_mul_overflow(r, ev(v, e->ops[i]), &r))
                v->ok = false;
        return r;
    default: break;
    }
    x = ev(v, e->ops[0]);
    y = ev(v, e->ops[1]);
    if (!v->ok)
        return 0;
    switch (e->kind) {
    case SYM_DIV: v->ok = sym_floor_div(x, y, &r); break;
    case SYM_MOD: v->ok = sym_floor_mod(x, y, &r); break;
    case SYM_MIN: r = x < y ? x : y; break;
    case SYM_MAX: r = x > y ? x : y; break;
    default: v->ok = false; break;
    }
    return r;
}

int64_t sym_eval(const Sym *e, int64_t (*value_of)(void *ud, const Sym *var), void *ud, bool *ok)
{
    Eval v = {value_of, ud, true};
    int64_t r = e ? ev(&v, e) : 0;
    v.ok = v.ok && e;
    if (ok)
        *ok = v.ok;
    return v.ok ? r : 0;
}
