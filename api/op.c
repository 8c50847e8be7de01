/* Standard library operators through the public API (tk_op_*): creation
 * checks names and attribute kinds; shape queries and launches validate the
 * tensors and hand the call to the operator (stdlib/ops). */
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/ops.h"

TK_API size_t tk_op_count(void) { return op_total(); }

TK_API const char *tk_op_name(size_t i)
{
    const OpDef *d = op_at(i);
    return d ? d->name : NULL;
}

TK_API const char *tk_op_summary(const char *name)
{
    const OpDef *d = name ? op_find(name) : NULL;
    return d ? d->summary : NULL;
}

/* The kind an attribute spec letter stands for ("axis:i"). */
static tk_attr_kind spec_kind(char letter)
{
    switch (letter) {
    case 'i': return TK_ATTR_INT;
    case 'f': return TK_ATTR_FLOAT;
    case 'I': return TK_ATTR_INTS;
    case 'F': return TK_ATTR_FLOATS;
    default: return TK_ATTR_STRING;
    }
}

/* The kind attribute `name` must have, or -1 when the operator has none. */
static int accepted_kind(const OpDef *d, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = d->attrs; p && *p;) {
        const char *colon = strchr(p, ':');
        if (!colon)
            break;
        if ((size_t)(colon - p) == len && !strncmp(p, name, len))
            return (int)spec_kind(colon[1]);
        p = colon + 2;
        while (*p == ' ')
            p++;
    }
    return -1;
}

static bool kind_fits(tk_attr_kind want, tk_attr_kind have)
{
    return want == have || (want == TK_ATTR_FLOAT && have == TK_ATTR_INT) ||
           (want == TK_ATTR_INTS && have == TK_ATTR_INT) || (want == TK_ATTR_FLOATS && have == TK_ATTR_FLOAT);
}

static const char *kind_word(tk_attr_kind k)
{
    static const char *const words[] = {"an int", "a float", "an int list", "a float list", "a string"};
    return (unsigned)k < 5 ? words[k] : "?";
}

/* "axis, keepdims" from "axis:i keepdims:i". */
static void attr_names(const OpDef *d, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (const char *p = d->attrs; p && *p && at < len;) {
        const char *colon = strchr(p, ':');
        if (!colon)
            break;
        at += (size_t)snprintf(buf + at, len - at, "%s%.*s", at ? ", " : "", (int)(colon - p), p);
        p = colon + 2;
        while (*p == ' ')
            p++;
    }
}

static bool copy_attr(tk_attr *dst, const tk_attr *src)
{
    *dst = *src;
    dst->name = strdup(src->name);
    dst->s = NULL;
    dst->ints = NULL;
    dst->floats = NULL;
    if (src->kind == TK_ATTR_STRING && src->s)
        dst->s = strdup(src->s);
    if (src->kind == TK_ATTR_INTS && src->n) {
        int64_t *v = malloc(src->n * sizeof *v);
        if (v)
            memcpy(v, src->ints, src->n * sizeof *v);
        dst->ints = v;
    }
    if (src->kind == TK_ATTR_FLOATS && src->n) {
        double *v = malloc(src->n * sizeof *v);
        if (v)
            memcpy(v, src->floats, src->n * sizeof *v);
        dst->floats = v;
    }
    return dst->name && (src->kind != TK_ATTR_STRING || !src->s || dst->s) &&
           (src->kind != TK_ATTR_INTS || !src->n || dst->ints) && (src->kind != TK_ATTR_FLOATS || !src->n || dst->floats);
}

/* Splits "x scale bias?" into names and optional flags; the count. */
static int split_names(char **cursor, const char **names, bool *optional)
{
    int n = 0;
    char *p = *cursor;
    while (*p && n < OP_MAX_IO) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        names[n] = p;
        while (*p && *p != ' ')
            p++;
        bool end = !*p;
        *p = 0;
        optional[n] = p[-1] == '?';
        if (optional[n])
            p[-1] = 0;
        n++;
        if (!end)
            p++;
    }
    *cursor = p;
    return n;
}

static tk_status check_attrs(const OpDef *d, const tk_attr *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const tk_attr *a = &attrs[i];
        if (!a->name)
            return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: attribute %zu has no name", d->name, i);
        int want = accepted_kind(d, a->name);
        if (want < 0) {
            char list[300];
            attr_names(d, list, sizeof list);
            return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: unknown attribute '%s' (%s takes %s)", d->name, a->name,
                            d->name, list[0] ? list : "no attributes");
        }
        if ((unsigned)a->kind > TK_ATTR_STRING || !kind_fits((tk_attr_kind)want, a->kind))
            return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: attribute %s must be %s, not %s", d->name, a->name,
                            kind_word((tk_attr_kind)want), kind_word(a->kind));
        if ((a->kind == TK_ATTR_INTS && a->n && !a->ints) || (a->kind == TK_ATTR_FLOATS && a->n && !a->floats) ||
            (a->kind == TK_ATTR_STRING && !a->s))
            return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: attribute %s has no values (NULL)", d->name, a->name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(attrs[j].name, a->name))
                return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: attribute %s is given twice", d->name, a->name);
    }
    return TK_OK;
}

TK_API tk_status tk_op_create(tk_context *ctx, const char *name, const tk_attr *attrs, size_t n_attrs, tk_op **out)
{
    api_clear_error();
    if (!out)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_op_create: out is NULL");
    *out = NULL;
    if (!ctx || !name || (n_attrs && !attrs))
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_op_create: %s is NULL", !ctx ? "ctx" : !name ? "name" : "attrs");
    const OpDef *d = op_find(name);
    if (!d)
        return api_fail(TK_ERR_NOT_FOUND, "no operator '%s' in the standard library (`tkc list std` lists them)",
                        name);
    tk_status st = check_attrs(d, attrs, n_attrs);
    if (st != TK_OK)
        return st;
    tk_op *op = calloc(1, sizeof *op);
    size_t len = strlen(d->inputs) + strlen(d->outputs) + 2;
    if (op)
        op->names = malloc(len);
    if (op && op->names)
        op->attrs = calloc(n_attrs + 1, sizeof *op->attrs);
    if (!op || !op->names || !op->attrs) {
        tk_op_destroy(op);
        return api_fail(TK_ERR_NO_MEMORY, "tk_op_create: out of memory");
    }
    op->ctx = ctx;
    op->def = d;
    snprintf(op->names, len, "%s", d->inputs);
    char *cursor = op->names;
    op->nin = split_names(&cursor, op->in_name, op->in_optional);
    char *outs = op->names + strlen(d->inputs) + 1;
    snprintf(outs, len - strlen(d->inputs) - 1, "%s", d->outputs);
    op->nout = split_names(&outs, op->out_name, op->out_optional);
    for (size_t i = 0; i < n_attrs; i++)
        if (!copy_attr(&op->attrs[op->nattrs++], &attrs[i])) {
            tk_op_destroy(op);
            return api_fail(TK_ERR_NO_MEMORY, "tk_op_create: out of memory");
        }
    *out = op;
    return TK_OK;
}

TK_API void tk_op_destroy(tk_op *op)
{
    if (!op)
        return;
    for (size_t i = 0; i < op->nattrs; i++) {
        free((char *)op->attrs[i].name);
        free((char *)op->attrs[i].s);
        free((int64_t *)op->attrs[i].ints);
        free((double *)op->attrs[i].floats);
    }
    free(op->attrs);
    free(op->names);
    free(op);
}

TK_API size_t tk_op_input_count(const tk_op *op) { return op ? (size_t)op->nin : 0; }
TK_API size_t tk_op_output_count(const tk_op *op) { return op ? (size_t)op->nout : 0; }

TK_API const char *tk_op_input_name(const tk_op *op, size_t i)
{
    return op && i < (size_t)op->nin ? op->in_name[i] : NULL;
}

TK_API const char *tk_op_output_name(const tk_op *op, size_t i)
{
    return op && i < (size_t)op->nout ? op->out_name[i] : NULL;
}

/* Checks the inputs and computes the output shapes into c. */
static tk_status prepare(OpCall *c, tk_op *op, const DLTensor *const *inputs, size_t n, const DLTensor **in)
{
    memset(c, 0, sizeof *c);
    c->op = op;
    c->in = in;
    if (n > (size_t)op->nin || (n && !inputs))
        return op_error(c, TK_ERR_INVALID_ARGUMENT, "takes %d input%s (%s), got %zu", op->nin, op->nin == 1 ? "" : "s",
                        op->def->inputs, n);
    for (int i = 0; i < op->nin; i++) {
        in[i] = (size_t)i < n ? inputs[i] : NULL;
        if (!in[i] && !op->in_optional[i])
            return op_error(c, TK_ERR_INVALID_ARGUMENT, "input %s is missing (inputs: %s)", op->in_name[i],
                            op->def->inputs);
        char err[300];
        if (in[i] && !tensor_validate(in[i], err, sizeof err))
            return op_error(c, TK_ERR_LAUNCH, "input %s: %s", op->in_name[i], err);
    }
    if (!op_check_dtype(c, 0, op->def->dtypes) || !op->def->shape(c))
        return TK_ERR_LAUNCH;
    return TK_OK;
}

TK_API tk_status tk_op_output_shapes(tk_op *op, const DLTensor *const *inputs, size_t n_inputs, int32_t *ranks,
                                     int64_t *shapes, DLDataType *dtypes)
{
    api_clear_error();
    if (!op || !ranks || !shapes)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_op_output_shapes: NULL argument");
    OpCall c;
    const DLTensor *in[OP_MAX_IO];
    tk_status st = prepare(&c, op, inputs, n_inputs, in);
    if (st != TK_OK)
        return st;
    for (int j = 0; j < op->nout; j++) {
        ranks[j] = c.rank[j];
        memcpy(&shapes[j * TK_MAX_RANK], c.shape[j], sizeof(int64_t) * (size_t)c.rank[j]);
        if (dtypes)
            dtypes[j] = api_dl_type(c.dtype[j]);
    }
    return TK_OK;
}

static bool same_shape(const DLTensor *t, int32_t rank, const int64_t *shape)
{
    if (t->ndim != rank)
        return false;
    for (int32_t d = 0; d < rank; d++)
        if (t->shape[d] != shape[d])
            return false;
    return true;
}

TK_API tk_status tk_op_launch(tk_op *op, const DLTensor *const *inputs, size_t n_inputs, DLTensor *const *outputs,
                              size_t n_outputs)
{
    api_clear_error();
    if (!op)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_op_launch: op is NULL");
    OpCall c;
    const DLTensor *in[OP_MAX_IO];
    tk_status st = prepare(&c, op, inputs, n_inputs, in);
    if (st != TK_OK)
        return st;
    if (n_outputs > (size_t)op->nout || (n_outputs && !outputs))
        return op_error(&c, TK_ERR_INVALID_ARGUMENT, "has %d output%s (%s), got %zu", op->nout,
                        op->nout == 1 ? "" : "s", op->def->outputs, n_outputs);
    DLTensor *out[OP_MAX_IO] = {0}, scratch[OP_MAX_IO];
    void *allocs[OP_MAX_IO] = {0};
    for (int j = 0; j < op->nout && st == TK_OK; j++) {
        out[j] = (size_t)j < n_outputs ? outputs[j] : NULL;
        char want[200], have[200], err[300];
        tensor_describe(c.dtype[j], c.rank[j], c.shape[j], want, sizeof want);
        if (!out[j] && !op->out_optional[j]) {
            st = op_error(&c, TK_ERR_INVALID_ARGUMENT, "output %s (%s) is missing", op->out_name[j], want);
        } else if (!out[j]) { /* not kept: computed into scratch */
            size_t nbytes = 0;
            tensor_nbytes(c.dtype[j], c.rank[j], c.shape[j], &nbytes);
            allocs[j] = malloc(nbytes ? nbytes : 1);
            if (!allocs[j])
                st = op_error(&c, TK_ERR_NO_MEMORY, "out of memory for output %s", op->out_name[j]);
            scratch[j] = (DLTensor){.data = allocs[j], .device = {kDLCPU, 0}, .ndim = c.rank[j],
                                    .dtype = api_dl_type(c.dtype[j]), .shape = c.shape[j]};
            out[j] = &scratch[j];
        } else if (!tensor_validate(out[j], err, sizeof err)) {
            st = op_error(&c, TK_ERR_LAUNCH, "output %s: %s", op->out_name[j], err);
        } else if (api_dtype(out[j]->dtype) != c.dtype[j] || !same_shape(out[j], c.rank[j], c.shape[j])) {
            st = op_error(&c, TK_ERR_LAUNCH, "output %s is %s but must be %s", op->out_name[j],
                          tensor_describe_dl(out[j], have, sizeof have), want);
        }
    }
    c.out = out;
    if (st == TK_OK)
        st = op->def->launch(&c);
    for (int j = 0; j < op->nout; j++)
        free(allocs[j]);
    return st;
}
