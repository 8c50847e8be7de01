/* Attribute lookups: the value of a named attribute, its kind checked, with
 * errors that name the operator, the attribute and the offending value. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stdlib/ops/ops.h"

static const char *kind_name(tk_attr_kind k)
{
    switch (k) {
    case TK_ATTR_INT: return "an int";
    case TK_ATTR_FLOAT: return "a float";
    case TK_ATTR_INTS: return "an int list";
    case TK_ATTR_FLOATS: return "a float list";
    case TK_ATTR_STRING: return "a string";
    }
    return "?";
}

static bool vfail(const OpCall *c, const char *fmt, va_list ap)
{
    char msg[900];
    vsnprintf(msg, sizeof msg, fmt, ap);
    api_fail(TK_ERR_INVALID_ARGUMENT, "%s: %s", c->op->def->name, msg);
    return false;
}

bool op_fail(const OpCall *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, fmt, ap);
    va_end(ap);
    return false;
}

tk_status op_error(const OpCall *c, tk_status st, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return api_fail(st, "%s: %s", c->op->def->name, msg);
}

const tk_attr *op_attr(const OpCall *c, const char *name)
{
    for (size_t i = 0; i < c->op->nattrs; i++)
        if (!strcmp(c->op->attrs[i].name, name))
            return &c->op->attrs[i];
    return NULL;
}

static bool kind_is(const OpCall *c, const tk_attr *a, tk_attr_kind want)
{
    if (a->kind == want)
        return true;
    return op_fail(c, "attribute %s must be %s, not %s", a->name, kind_name(want), kind_name(a->kind));
}

bool op_attr_int(const OpCall *c, const char *name, int64_t def, int64_t *out)
{
    const tk_attr *a = op_attr(c, name);
    *out = def;
    if (!a)
        return true;
    if (!kind_is(c, a, TK_ATTR_INT))
        return false;
    *out = a->i;
    return true;
}

bool op_attr_float(const OpCall *c, const char *name, double def, double *out)
{
    const tk_attr *a = op_attr(c, name);
    *out = def;
    if (!a)
        return true;
    if (a->kind == TK_ATTR_INT) {
        *out = (double)a->i;
        return true;
    }
    if (!kind_is(c, a, TK_ATTR_FLOAT))
        return false;
    *out = a->f;
    return true;
}

bool op_attr_string(const OpCall *c, const char *name, const char *def, const char **out)
{
    const tk_attr *a = op_attr(c, name);
    *out = def;
    if (!a)
        return true;
    if (!kind_is(c, a, TK_ATTR_STRING))
        return false;
    *out = a->s;
    return true;
}

bool op_attr_ints(const OpCall *c, const char *name, int64_t *out, size_t max, size_t *n)
{
    const tk_attr *a = op_attr(c, name);
    *n = 0;
    if (!a)
        return true;
    if (a->kind == TK_ATTR_INT) { /* a one-element list written as an int */
        if (max < 1)
            return op_fail(c, "attribute %s takes no values", name);
        out[0] = a->i;
        *n = 1;
        return true;
    }
    if (!kind_is(c, a, TK_ATTR_INTS))
        return false;
    if (a->n > max)
        return op_fail(c, "attribute %s has %zu values, at most %zu allowed", name, a->n, max);
    memcpy(out, a->ints, a->n * sizeof *out);
    *n = a->n;
    return true;
}

static bool normalise_axis(const OpCall *c, const char *name, int64_t v, int32_t rank, int32_t *axis)
{
    if (v < -(int64_t)rank || v >= (int64_t)rank) {
        if (rank == 0)
            return op_fail(c, "attribute %s = %" PRId64 " is out of range: the input has rank 0", name, v);
        return op_fail(c, "attribute %s = %" PRId64 " is out of range for rank %d (%d .. %d)", name, v, (int)rank,
                       -(int)rank, (int)rank - 1);
    }
    *axis = (int32_t)(v < 0 ? v + rank : v);
    return true;
}

bool op_attr_axis(const OpCall *c, const char *name, int64_t def, int32_t rank, int32_t *axis)
{
    int64_t v;
    return op_attr_int(c, name, def, &v) && normalise_axis(c, name, v, rank, axis);
}

bool op_attr_axes(const OpCall *c, const char *name, int32_t rank, bool all_if_absent, bool *mask)
{
    int64_t v[TK_MAX_RANK + 1];
    size_t n;
    if (!op_attr_ints(c, name, v, TK_MAX_RANK, &n))
        return false;
    for (int32_t d = 0; d < rank; d++)
        mask[d] = n == 0 && all_if_absent;
    for (size_t i = 0; i < n; i++) {
        int32_t a = 0;
        if (!normalise_axis(c, name, v[i], rank, &a))
            return false;
        if (mask[a])
            return op_fail(c, "attribute %s names axis %d twice", name, (int)a);
        mask[a] = true;
    }
    return true;
}
