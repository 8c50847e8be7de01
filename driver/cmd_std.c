/* The standard library from the command line: `tkc run std:NAME` runs an
 * operator on .npy files through the public tk_op API, `tkc list std` lists
 * the operators, `tkc emit --source std:NAME` prints a library file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/commands.h"
#include "lang/lang.h"
#include "stdlib/ops/ops.h"
#include "support/npy.h"
#include "tk/tk.h"

static const char help[] =
    "usage: tkc run std:NAME [--in [NAME=]FILE.npy ...] [--attr NAME=VALUE ...]\n"
    "                        [--out [NAME=]FILE.npy ...] [--target cpu|interp] [--print]\n"
    "Runs the standard library operator NAME (`tkc list std` lists them).\n"
    "  --in [NAME=]FILE.npy   an input, by name or in order\n"
    "  --attr NAME=VALUE      an attribute: 1 (int), 0.5 (float), 1,1,2,2 (int list),\n"
    "                         0.5,1.5 (float list), or text (f16)\n"
    "  --out [NAME=]FILE.npy  write an output, by name or in order\n"
    "  --print                show each output\n"
    "  --target cpu|interp    compiled for this CPU (default) or the reference interpreter\n";

bool std_op_wanted(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "std:", 4) && (i == 0 || argv[i - 1][0] != '-' || !strcmp(argv[i - 1], "--print")))
            return true;
    return false;
}

typedef struct Arg {
    const char *name;  /* NULL: positional */
    const char *value;
} Arg;

typedef struct StdOpts {
    const char *op, *target;
    Arg        *in, *attr, *out;
    int         nin, nattr, nout;
    bool        print;
} StdOpts;

static Arg split(const char *text, bool need_name)
{
    const char *eq = strchr(text, '=');
    if (!eq)
        return (Arg){NULL, need_name ? NULL : text};
    return (Arg){strndup(text, (size_t)(eq - text)), eq + 1};
}

static int parse(int argc, char **argv, StdOpts *o)
{
    o->in = calloc((size_t)argc + 1, sizeof *o->in);
    o->attr = calloc((size_t)argc + 1, sizeof *o->attr);
    o->out = calloc((size_t)argc + 1, sizeof *o->out);
    o->target = "cpu";
    if (!o->in || !o->attr || !o->out)
        return cli_error("run: out of memory");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return 2;
        }
        if (!strcmp(a, "--print")) {
            o->print = true;
            continue;
        }
        if (a[0] != '-') {
            if (o->op)
                return cli_error("run: more than one operator ('%s' and '%s')", o->op, a);
            o->op = a + 4;
            continue;
        }
        if (strcmp(a, "--in") && strcmp(a, "--out") && strcmp(a, "--attr") && strcmp(a, "--target"))
            return cli_error("run: unknown option '%s' for std: operators (see 'tkc run --help')", a);
        if (i + 1 >= argc)
            return cli_error("run: %s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--target"))
            o->target = v;
        else if (!strcmp(a, "--in"))
            o->in[o->nin++] = split(v, false);
        else if (!strcmp(a, "--out"))
            o->out[o->nout++] = split(v, false);
        else {
            Arg at = split(v, true);
            if (!at.value || !at.value[0] || !at.name || !at.name[0]) {
                free((char *)at.name);
                return cli_error("run: --attr expects NAME=VALUE, got '%s'", v);
            }
            o->attr[o->nattr++] = at;
        }
    }
    if (strcmp(o->target, "cpu") && strcmp(o->target, "interp"))
        return cli_error("run: unknown target '%s' for std: operators (cpu or interp)", o->target);
    return 0;
}

static void free_opts(StdOpts *o)
{
    for (int i = 0; i < o->nin; i++)
        free((char *)o->in[i].name);
    for (int i = 0; i < o->nout; i++)
        free((char *)o->out[i].name);
    for (int i = 0; i < o->nattr; i++)
        free((char *)o->attr[i].name);
    free(o->in), free(o->attr), free(o->out);
}

/* "1" int, "0.5" float, "1,2" int list, "0.5,1" float list, else a string. */
static tk_attr parse_attr(const Arg *a, int64_t *ints, double *floats)
{
    tk_attr t = {.name = a->name, .kind = TK_ATTR_STRING, .s = a->value};
    size_t n = 0;
    bool all_int = true;
    const char *p = a->value;
    for (;;) {
        char *end;
        errno = 0;
        long long i = strtoll(p, &end, 10);
        bool is_int = end != p && (*end == ',' || !*end) && !errno;
        double f = strtod(p, &end);
        if (end == p || (*end != ',' && *end))
            return t;
        all_int &= is_int;
        ints[n] = is_int ? i : 0;
        floats[n] = f;
        n++;
        if (!*end || n == TK_MAX_RANK * 4)
            break;
        p = end + 1;
    }
    bool list = strchr(a->value, ',') != NULL;
    if (all_int)
        return list ? (tk_attr){.name = a->name, .kind = TK_ATTR_INTS, .ints = ints, .n = n}
                    : (tk_attr){.name = a->name, .kind = TK_ATTR_INT, .i = ints[0]};
    return list ? (tk_attr){.name = a->name, .kind = TK_ATTR_FLOATS, .floats = floats, .n = n}
                : (tk_attr){.name = a->name, .kind = TK_ATTR_FLOAT, .f = floats[0]};
}

/* The index of the op's input or output named by a (or the next in order). */
static int slot(const Arg *a, int *next, size_t count, const char *(*name)(const tk_op *, size_t), const tk_op *op,
                const char *what)
{
    if (!a->name) {
        if ((size_t)*next >= count)
            return cli_error("run: the operator has only %zu %s%s", count, what, count == 1 ? "" : "s"), -1;
        return (*next)++;
    }
    char list[300] = "";
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(name(op, i), a->name))
            return (int)i;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", name(op, i));
    }
    cli_error("run: the operator has no %s '%s' (%ss: %s)", what, a->name, what, list);
    return -1;
}

static int run(const StdOpts *o, tk_context *ctx)
{
    int64_t ints[64][TK_MAX_RANK * 4];
    double floats[64][TK_MAX_RANK * 4];
    tk_attr attrs[64];
    if (o->nattr > 64)
        return cli_error("run: too many --attr (at most 64)");
    for (int i = 0; i < o->nattr; i++)
        attrs[i] = parse_attr(&o->attr[i], ints[i], floats[i]);
    tk_op *op;
    if (tk_op_create(ctx, o->op, attrs, (size_t)o->nattr, &op) != TK_OK)
        return cli_error("%s", tk_last_error());
    size_t nin = tk_op_input_count(op), nout = tk_op_output_count(op);
    NpyArray arrays[8];
    DLTensor tensors[8];
    const DLTensor *in[8] = {0};
    int rc = 0, next = 0;
    size_t loaded = 0, given = 0;
    for (int i = 0; i < o->nin && !rc; i++) {
        int s = slot(&o->in[i], &next, nin, tk_op_input_name, op, "input");
        if (s < 0) {
            rc = 1;
            break;
        }
        if (in[s]) {
            rc = cli_error("run: input %s given twice", tk_op_input_name(op, (size_t)s));
            break;
        }
        char err[512];
        if (!npy_read(o->in[i].value, &arrays[loaded], err, sizeof err)) {
            rc = cli_error("run: %s", err);
            break;
        }
        tensor_from_npy(&arrays[loaded], &tensors[loaded]);
        in[s] = &tensors[loaded++];
        if ((size_t)s + 1 > given)
            given = (size_t)s + 1;
    }
    int32_t ranks[8];
    int64_t shapes[8 * TK_MAX_RANK];
    DLDataType dts[8];
    if (!rc && tk_op_output_shapes(op, in, given, ranks, shapes, dts) != TK_OK)
        rc = cli_error("%s", tk_last_error());
    NpyArray outs[8];
    DLTensor out_t[8];
    DLTensor *out[8] = {0};
    size_t made = 0;
    for (; !rc && made < nout; made++) {
        char err[256];
        DType t = tensor_dtype_from_dl(dts[made]);
        size_t nbytes = 0;
        tensor_nbytes(t, ranks[made], &shapes[made * TK_MAX_RANK], &nbytes);
        outs[made] = (NpyArray){.dtype = t, .ndim = ranks[made]};
        memcpy(outs[made].shape, &shapes[made * TK_MAX_RANK], sizeof(int64_t) * (size_t)ranks[made]);
        tensor_contiguous_strides(ranks[made], outs[made].shape, outs[made].strides);
        outs[made].data = outs[made].alloc = calloc(1, nbytes ? nbytes : 1);
        outs[made].nbytes = nbytes;
        if (!outs[made].data) {
            rc = cli_error("run: out of memory for output %s", tk_op_output_name(op, made));
            break;
        }
        (void)err;
        tensor_from_npy(&outs[made], &out_t[made]);
        out[made] = &out_t[made];
    }
    if (!rc && tk_op_launch(op, in, given, out, nout) != TK_OK)
        rc = cli_error("%s", tk_last_error());
    next = 0;
    for (int i = 0; i < o->nout && !rc; i++) {
        int s = slot(&o->out[i], &next, nout, tk_op_output_name, op, "output");
        char err[512];
        if (s < 0)
            rc = 1;
        else if (!npy_write(o->out[i].value, outs[s].dtype, outs[s].ndim, outs[s].shape, NULL, outs[s].data, err,
                            sizeof err))
            rc = cli_error("run: %s", err);
    }
    for (size_t j = 0; j < nout && !rc && o->print; j++)
        print_output(stdout, tk_op_output_name(op, j), &outs[j]);
    for (size_t i = 0; i < loaded; i++)
        npy_free(&arrays[i]);
    for (size_t j = 0; j < made; j++)
        npy_free(&outs[j]);
    tk_op_destroy(op);
    return rc;
}

int cmd_run_std(int argc, char **argv)
{
    StdOpts o = {0};
    int st = parse(argc, argv, &o);
    if (st) {
        free_opts(&o);
        return st == 2 ? 0 : 1;
    }
    tk_options opts = {.target = strcmp(o.target, "interp") ? TK_TARGET_CPU : TK_TARGET_INTERP};
    tk_context *ctx;
    if (tk_context_create(&opts, &ctx) != TK_OK) {
        free_opts(&o);
        return cli_error("%s", tk_last_error());
    }
    int rc = run(&o, ctx);
    tk_context_destroy(ctx);
    free_opts(&o);
    return rc;
}

/* Prints the kernels of the library whose names are `kernel` or, with
 * prefix, start with it; false when there are none. */
static bool print_kernels(const char *kernel, bool prefix)
{
    bool found = false;
    size_t klen = strlen(kernel);
    for (size_t i = 0; stdlib_file_name(i); i++) {
        const char *text = stdlib_file(stdlib_file_name(i), NULL);
        for (const char *p = strstr(text, "\nkernel "); p; p = strstr(p + 1, "\nkernel ")) {
            const char *nm = p + 8;
            if (strncmp(nm, kernel, klen) || (!prefix && nm[klen] != '<' && nm[klen] != '('))
                continue;
            const char *end = strstr(p, "\n}\n");
            if (!end)
                continue;
            printf("%s// std:%s\n%.*s\n", found ? "\n" : "", stdlib_file_name(i), (int)(end + 2 - (p + 1)), p + 1);
            found = true;
        }
    }
    return found;
}

int cmd_emit_std_source(const char *name)
{
    size_t len;
    const char *text = strncmp(name, "std:", 4) ? NULL : stdlib_file(name + 4, &len);
    const OpDef *d = strncmp(name, "std:", 4) ? NULL : op_find(name + 4);
    if (!text && d) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s_", d->name);
        if (d->kernel[0] ? print_kernels(d->kernel, false) : print_kernels(prefix, true))
            return 0;
    }
    if (!text) {
        char list[512] = "";
        for (size_t i = 0; stdlib_file_name(i); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%sstd:%s", i ? ", " : "", stdlib_file_name(i));
        return cli_error("emit: no standard library operator or file '%s' (files: %s; `tkc list std` lists the "
                         "operators)", name, list);
    }
    fwrite(text, 1, len, stdout);
    return 0;
}
