/* tkc run FILE -k KERNEL --in NAME=FILE.npy ... --out NAME=FILE.npy: runs a
 * kernel on .npy (or seeded random) inputs, compiled for the CPU (default)
 * or with the reference interpreter; --check compares the two, --time
 * reports compile and run time. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend-cpu/cpu.h"
#include "compiler/interp/interp.h"
#include "compiler/pipeline.h"
#include "driver/commands.h"
#include "lang/lang.h"
#include "support/npy.h"
#include "support/clock.h"

static const char help[] =
    "usage: tkc run FILE [-k KERNEL] [--in NAME=FILE.npy ...] [--scalar NAME=VALUE ...]\n"
    "               [--out NAME=FILE.npy ...] [--random SYM=VALUE,...] [--seed N] [--print]\n"
    "               [--target cpu|interp|npu] [--strict] [--check] [--time]\n"
    "               [--profile ascend910|ascend910b] [--report] [--trace FILE] [--print-program]\n"
    "Runs a kernel of FILE. -k may be omitted when FILE has one kernel.\n"
    "  --in NAME=FILE.npy     an input tensor (C or Fortran order)\n"
    "  --scalar NAME=VALUE    a scalar parameter (1.5, -3, true)\n"
    "  --out NAME=FILE.npy    write an output (every output is computed either way)\n"
    "  --random SYM=VALUE,... bind shape symbols and fill every input not given with\n"
    "                         --in with random values (floats in [-1, 1], integers in\n"
    "                         [-8, 8], bool 0/1), seeded by --seed N (default 1)\n"
    "  --print                show each output (values when it has at most 1000 elements)\n"
    "  --target cpu           compiled for this CPU with LLVM (the default)\n"
    "  --target interp        the reference interpreter\n"
    "  --strict               strict numerics: every float operation rounded as the\n"
    "                         interpreter rounds it (bit-identical results); by default\n"
    "                         float sums may be reassociated and a * b + c fused (FMA)\n"
    "  --target npu           lowered to an NPU program, run on the simulator (docs/npu.md)\n"
    "  --profile NAME         the NPU chip profile (default ascend910b)\n"
    "  --report               print the simulator's cycle report and the tiling chosen\n"
    "  --trace FILE           write the NPU timeline as a Chrome trace\n"
    "  --print-program        print the NPU program generated for these shapes\n"
    "  --single-buffer        no NPU ping-pong buffers (to compare)\n"
    "  --check                also run the interpreter; print each output's max absolute\n"
    "                         and relative error, fail beyond the dtype's tolerance\n"
    "                         (f64 1e-12, f32 1e-5, f16 2e-3, bf16 1.6e-2 relative; ints exact)\n"
    "  --time                 report compile time (and whether it came from a cache) and\n"
    "                         run time on stderr\n"
    "       tkc run std:NAME [--in [NAME=]FILE.npy ...] [--attr NAME=VALUE ...]\n"
    "                        [--out [NAME=]FILE.npy ...] [--target cpu|interp] [--print]\n"
    "Runs a standard library operator (tkc run std:NAME --help; tkc list std).\n"
    "  --attr NAME=VALUE      an attribute: 1, 0.5, 1,1,2,2 (a list), or text\n";

typedef struct Pair {
    const char *name, *value;
} Pair;

typedef struct Opts {
    const char *file, *kernel, *target, *random;
    Pair       *in, *scalar, *out;
    int         nin, nscalar, nout;
    uint64_t    seed;
    bool        print, check, time, strict;
    RunNpuOpts  npu;
} Opts;

/* NAME=VALUE -> pair; false (reported) when there is no '=' or no name. */
static bool split_pair(const char *flag, const char *arg, Pair *p)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
        cli_error("run: %s expects NAME=%s, got '%s'", flag, strcmp(flag, "--scalar") ? "FILE.npy" : "VALUE", arg);
        return false;
    }
    size_t n = (size_t)(eq - arg);
    char *name = malloc(n + 1);
    if (!name)
        return false;
    memcpy(name, arg, n);
    name[n] = 0;
    p->name = name;
    p->value = eq + 1;
    return true;
}

static void free_opts(Opts *o)
{
    for (int i = 0; i < o->nin; i++)
        free((char *)o->in[i].name);
    for (int i = 0; i < o->nscalar; i++)
        free((char *)o->scalar[i].name);
    for (int i = 0; i < o->nout; i++)
        free((char *)o->out[i].name);
    free(o->in), free(o->scalar), free(o->out);
}

/* 0 parsed, 1 error reported, 2 --help shown. */
static int parse_args(int argc, char **argv, Opts *o)
{
    o->in = calloc((size_t)argc + 1, sizeof *o->in);
    o->scalar = calloc((size_t)argc + 1, sizeof *o->scalar);
    o->out = calloc((size_t)argc + 1, sizeof *o->out);
    o->seed = 1;
    o->target = target_host()->name;
    if (!o->in || !o->scalar || !o->out)
        return cli_error("run: out of memory");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return 2;
        }
        static const char *const flags[] = {"--print", "--check", "--time", "--strict"};
        bool *const flag_of[] = {&o->print, &o->check, &o->time, &o->strict};
        bool is_flag = false;
        for (size_t j = 0; j < sizeof flags / sizeof *flags; j++)
            if (!strcmp(a, flags[j]))
                *flag_of[j] = is_flag = true;
        if (is_flag)
            continue;
        if (!strcmp(a, "--report") || !strcmp(a, "--print-program") || !strcmp(a, "--single-buffer")) {
            bool *flag = a[2] == 'r' ? &o->npu.report : a[2] == 'p' ? &o->npu.program : &o->npu.single_buffer;
            *flag = true;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (o->file)
                return cli_error("run: more than one input file ('%s' and '%s')", o->file, a);
            o->file = a;
            continue;
        }
        static const char *const with_value[] = {"-k", "--in", "--scalar", "--out", "--random", "--seed",
                                                 "--target", "--profile", "--trace"};
        bool known = false;
        for (size_t j = 0; j < sizeof with_value / sizeof *with_value; j++)
            known |= !strcmp(a, with_value[j]);
        if (!known)
            return cli_error("run: unknown option '%s' (see 'tkc run --help')", a);
        if (i + 1 >= argc)
            return cli_error("run: %s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-k"))
            o->kernel = v;
        else if (!strcmp(a, "--target"))
            o->target = v;
        else if (!strcmp(a, "--profile"))
            o->npu.profile = v;
        else if (!strcmp(a, "--trace"))
            o->npu.trace = v;
        else if (!strcmp(a, "--random"))
            o->random = v;
        else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || *end || !*v || v[0] == '-')
                return cli_error("run: --seed expects a non-negative integer, got '%s'", v);
            o->seed = s;
        } else if (!strcmp(a, "--in")) {
            if (!split_pair(a, v, &o->in[o->nin++]))
                return o->nin--, 1;
        } else if (!strcmp(a, "--scalar")) {
            if (!split_pair(a, v, &o->scalar[o->nscalar++]))
                return o->nscalar--, 1;
        } else if (!split_pair(a, v, &o->out[o->nout++])) {
            return o->nout--, 1;
        }
    }
    if (!o->file)
        return cli_error("run: no input file (usage: tkc run FILE -k KERNEL ...)");
    /* the reference interpreter, or the host's target (the one with a
     * backend here); the NPU's programs run on its simulator */
    const Target *t = strcmp(o->target, "interp") ? target_find(o->target) : NULL;
    const char *host = target_host()->name;
    if (!t && strcmp(o->target, "interp"))
        return cli_error("run: unknown target '%s' (targets: %s, interp, npu)", o->target, host);
    if (strcmp(o->target, "npu") && (o->npu.profile || o->npu.trace || o->npu.program || o->npu.single_buffer))
        return cli_error("run: --profile, --trace, --print-program and --single-buffer need --target npu");
    return 0;
}

/* The kernel to run: -k, or the only kernel of the root file. */
static KernelInfo *pick_kernel(const AstProgram *p, const Opts *o)
{
    const AstModule *root = p->modules.v[p->modules.n - 1];
    char names[512] = "";
    size_t at = 0;
    int count = 0;
    AstKernel *only = NULL;
    for (uint32_t i = 0; i < root->items.n; i++)
        if (root->items.v[i].kind == ITEM_KERNEL) {
            only = root->items.v[i].u.kernel;
            count++;
            if (at < sizeof names)
                at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", only->name);
        }
    if (o->kernel) {
        KernelInfo *k = launch_find_kernel(p, o->kernel);
        if (!k)
            cli_error("run: no kernel '%s' in %s (%s%s)", o->kernel, o->file, count ? "kernels: " : "no kernels",
                      names);
        return k;
    }
    if (count == 1)
        return only->info;
    if (count == 0)
        cli_error("run: %s has no kernels", o->file);
    else
        cli_error("run: %s has %d kernels (%s); choose one with -k", o->file, count, names);
    return NULL;
}

static const char *param_names(const KernelInfo *k, bool tensors, bool outputs, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    uint32_t n = outputs ? k->outputs.n : k->params.n;
    for (uint32_t i = 0; i < n && at < len; i++) {
        const ParamInfo *p = outputs ? &k->outputs.v[i] : &k->params.v[i];
        if (outputs || p->is_tensor == tensors)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", p->name);
    }
    if (!at)
        snprintf(buf, len, "none");
    return buf;
}

/* Checks that every NAME given names the right kind of parameter. */
static bool check_names(const KernelInfo *k, const Opts *o)
{
    char list[512];
    const char *kn = k->ast->name;
    for (int i = 0; i < o->nin; i++) {
        const char *n = o->in[i].name;
        int32_t p = -1;
        for (uint32_t j = 0; j < k->params.n; j++)
            if (!strcmp(k->params.v[j].name, n))
                p = (int32_t)j;
        if (p >= 0 && !k->params.v[p].is_tensor)
            return cli_error("run: '%s' is a scalar of kernel '%s'; give it with --scalar %s=VALUE", n, kn, n), false;
        if (p < 0)
            return cli_error("run: kernel '%s' has no input tensor '%s' (inputs: %s)", kn, n,
                             param_names(k, true, false, list, sizeof list)), false;
    }
    for (int i = 0; i < o->nscalar; i++) {
        const char *n = o->scalar[i].name;
        bool found = false;
        for (uint32_t j = 0; j < k->params.n; j++)
            if (!strcmp(k->params.v[j].name, n)) {
                if (k->params.v[j].is_tensor)
                    return cli_error("run: '%s' is a tensor input of kernel '%s'; give it with --in %s=FILE.npy",
                                     n, kn, n), false;
                found = true;
            }
        if (!found)
            return cli_error("run: kernel '%s' has no scalar '%s' (scalars: %s)", kn, n,
                             param_names(k, false, false, list, sizeof list)), false;
    }
    for (int i = 0; i < o->nout; i++) {
        bool found = false;
        for (uint32_t j = 0; j < k->outputs.n; j++)
            found |= !strcmp(k->outputs.v[j].name, o->out[i].name);
        if (!found)
            return cli_error("run: kernel '%s' has no output '%s' (outputs: %s)", kn, o->out[i].name,
                             param_names(k, true, true, list, sizeof list)), false;
    }
    return true;
}

/* ---- inputs ---------------------------------------------------------- */

static const Pair *find_pair(const Pair *v, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return &v[i];
    return NULL;
}

static uint64_t next_rand(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Dims from --random, then from the tensors given with --in. */
static bool random_dims(const KernelInfo *k, const Opts *o, const DLTensor *tensors, int64_t *dims, bool *known)
{
    char list[512];
    size_t at = 0;
    list[0] = 0;
    for (uint32_t d = 0; d < k->dims.n && at < sizeof list; d++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", d ? ", " : "", k->dims.v[d].name);
    for (const char *s = o->random; s && *s;) {
        const char *eq = strchr(s, '='), *comma = strchr(s, ',');
        if (!comma)
            comma = s + strlen(s);
        if (!eq || eq > comma || eq == s)
            return cli_error("run: --random expects SYM=VALUE,..., got '%s'", o->random), false;
        int32_t d = -1;
        for (uint32_t j = 0; j < k->dims.n; j++)
            if (strlen(k->dims.v[j].name) == (size_t)(eq - s) && !strncmp(k->dims.v[j].name, s, (size_t)(eq - s)))
                d = (int32_t)j;
        if (d < 0)
            return cli_error("run: --random: kernel '%s' has no dimension '%.*s' (dimensions: %s)", k->ast->name,
                             (int)(eq - s), s, at ? list : "none"), false;
        char *end;
        errno = 0;
        long long v = strtoll(eq + 1, &end, 10);
        if (errno || end != comma || end == eq + 1 || v < 0)
            return cli_error("run: --random: '%.*s' is not a valid size", (int)(comma - s), s), false;
        dims[d] = v, known[d] = true;
        s = *comma ? comma + 1 : comma;
    }
    for (uint32_t d = 0; d < k->dims.n; d++) {
        const DimInfo *di = &k->dims.v[d];
        const DLTensor *t = &tensors[di->param];
        if (!known[d] && t->shape && (uint32_t)t->ndim > di->axis)
            dims[d] = t->shape[di->axis], known[d] = true;
    }
    return true;
}

/* The concrete dtype of a parameter: declared, or its type parameter as
 * bound by a tensor already read (DT_GENERIC when none is). */
static DType param_type(const KernelInfo *k, const ParamInfo *p, const DLTensor *tensors)
{
    if (p->dtype != DT_GENERIC)
        return p->dtype;
    for (uint32_t i = 0; i < k->params.n; i++) {
        const ParamInfo *q = &k->params.v[i];
        if (q->is_tensor && tensors[i].shape && !strcmp(q->ast->type.elem, p->ast->type.elem))
            return tensor_dtype_from_dl(tensors[i].dtype);
    }
    return DT_GENERIC;
}

static bool random_input(const KernelInfo *k, const Opts *o, uint32_t j, const int64_t *dims, const bool *known,
                         NpyArray *arrays, DLTensor *tensors, uint64_t *rng)
{
    const ParamInfo *p = &k->params.v[j];
    NpyArray *a = &arrays[j];
    DType t = param_type(k, p, tensors);
    a->dtype = t == DT_GENERIC ? DT_F32 : t;
    if (p->rank_generic) {
        for (uint32_t i = 0; i < k->params.n; i++)
            if (k->params.v[i].rank_generic && tensors[i].shape) {
                a->ndim = tensors[i].ndim;
                memcpy(a->shape, tensors[i].shape, sizeof(int64_t) * (size_t)a->ndim);
                goto shaped;
            }
        return cli_error("run: --random cannot choose a shape for '%s' (declared with [...]); give it with "
                         "--in %s=FILE.npy", p->name, p->name), false;
    }
    a->ndim = (int32_t)p->rank;
    for (uint32_t ax = 0; ax < p->rank; ax++) {
        int64_t c;
        if (sym_is_const(p->shape[ax], &c)) {
            a->shape[ax] = c;
            continue;
        }
        for (uint32_t d = 0; d < k->dims.n; d++)
            if (k->dims.v[d].sym == p->shape[ax]) {
                if (!known[d])
                    return cli_error("run: --random: no value for dimension %s of '%s' (add %s=VALUE)",
                                     k->dims.v[d].name, p->name, k->dims.v[d].name), false;
                a->shape[ax] = dims[d];
            }
    }
shaped:;
    size_t nbytes;
    int64_t n;
    if (!tensor_nbytes(a->dtype, a->ndim, a->shape, &nbytes) || !tensor_numel(a->ndim, a->shape, &n))
        return cli_error("run: --random: '%s' would be too large", p->name), false;
    a->alloc = a->data = calloc(nbytes ? nbytes : 1, 1);
    if (!a->alloc)
        return cli_error("run: out of memory for '%s' (%zu bytes)", p->name, nbytes), false;
    a->nbytes = nbytes;
    tensor_contiguous_strides(a->ndim, a->shape, a->strides);
    size_t es = dtype_size(a->dtype);
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = next_rand(rng);
        Val v;
        if (dtype_is_float(a->dtype))
            v.f = val_round(a->dtype, (double)(r >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        else if (a->dtype == DT_BOOL)
            v.i = (int64_t)(r >> 63);
        else if (dtype_is_unsigned(a->dtype))
            v.i = (int64_t)((r >> 32) % 9);
        else
            v.i = (int64_t)((r >> 32) % 17) - 8;
        val_store(a->dtype, (char *)a->data + (size_t)i * es, v);
    }
    (void)o;
    tensor_from_npy(a, &tensors[j]);
    return true;
}

static bool parse_scalar(const ParamInfo *p, DType t, const char *text, TkScalarValue *out)
{
    char *end;
    errno = 0;
    if (t == DT_GENERIC) /* a type parameter no tensor binds: as a literal would be typed */
        t = !strcmp(text, "true") || !strcmp(text, "false") ? DT_BOOL : strpbrk(text, ".eEn") ? DT_F32 : DT_I32;
    out->dtype = t;
    if (t == DT_BOOL) {
        if (!strcmp(text, "true") || !strcmp(text, "1"))
            return out->u.i = 1, true;
        if (!strcmp(text, "false") || !strcmp(text, "0"))
            return out->u.i = 0, true;
    } else if (dtype_is_float(t)) {
        out->u.f = strtod(text, &end);
        if (!*end && end != text)
            return true;
    } else if (t == DT_U64) { /* beyond INT64_MAX: held as its bits */
        unsigned long long v = strtoull(text, &end, 0);
        if (!*end && end != text && !strchr(text, '-') && !errno)
            return out->u.i = (int64_t)v, true;
        if (errno == ERANGE || (strchr(text, '-') && !*end))
            return cli_error("run: --scalar %s=%s: %s is out of range for %s", p->name, text, text,
                             dtype_name(t)), false;
    } else {
        long long v = strtoll(text, &end, 0);
        Val w = {.i = v};
        if (!*end && end != text && !errno) {
            if (val_wrap(t, v) == v)
                return out->u.i = w.i, true;
            return cli_error("run: --scalar %s=%s: %s is out of range for %s", p->name, text, text,
                             dtype_name(t)), false;
        }
    }
    return cli_error("run: --scalar %s=%s: '%s' is not a valid %s", p->name, text, text, dtype_name(t)), false;
}

static bool run_inputs(const KernelInfo *k, const Opts *o, NpyArray *arrays, DLTensor *tensors,
                       TkScalarValue *scalars)
{
    char err[512];
    for (uint32_t j = 0; j < k->params.n; j++) {
        const ParamInfo *p = &k->params.v[j];
        const Pair *in = p->is_tensor ? find_pair(o->in, o->nin, p->name) : NULL;
        if (!in)
            continue;
        if (!npy_read_as(in->value, p->dtype == DT_BF16 ? DT_BF16 : DT_ERROR, &arrays[j], err, sizeof err))
            return cli_error("%s", err), false;
        tensor_from_npy(&arrays[j], &tensors[j]);
    }
    int64_t *dims = calloc(k->dims.n + 1, sizeof *dims);
    bool *known = calloc(k->dims.n + 1, sizeof *known);
    uint64_t rng = o->seed;
    bool ok = dims && known && random_dims(k, o, tensors, dims, known);
    for (uint32_t j = 0; j < k->params.n && ok; j++) {
        const ParamInfo *p = &k->params.v[j];
        if (!p->is_tensor || tensors[j].shape || find_pair(o->in, o->nin, p->name))
            continue;
        if (!o->random)
            ok = (cli_error("run: missing input '%s' of kernel '%s' (give --in %s=FILE.npy, or --random)",
                            p->name, k->ast->name, p->name), false);
        else
            ok = random_input(k, o, j, dims, known, arrays, tensors, &rng);
    }
    free(dims), free(known);
    for (uint32_t j = 0; j < k->params.n && ok; j++) {
        const ParamInfo *p = &k->params.v[j];
        if (p->is_tensor)
            continue;
        const Pair *sc = find_pair(o->scalar, o->nscalar, p->name);
        if (!sc)
            return cli_error("run: missing scalar '%s' of kernel '%s' (give --scalar %s=VALUE)", p->name,
                             k->ast->name, p->name), false;
        ok = parse_scalar(p, param_type(k, p, tensors), sc->value, &scalars[j]);
    }
    return ok;
}

/* ---- outputs --------------------------------------------------------- */

static void print_rec(FILE *f, const NpyArray *a, int32_t axis, int64_t off, int indent)
{
    if (axis == a->ndim) {
        char buf[64];
        val_format(a->dtype, val_load(a->dtype, (char *)a->data + off * (int64_t)dtype_size(a->dtype)), buf,
                   sizeof buf);
        fputs(buf, f);
        return;
    }
    fputc('[', f);
    for (int64_t i = 0; i < a->shape[axis]; i++) {
        if (i) {
            fputc(',', f);
            if (axis + 1 < a->ndim)
                fprintf(f, "\n%*s", indent + 1, "");
            else
                fputc(' ', f);
        }
        print_rec(f, a, axis + 1, off + i * a->strides[axis], indent + 1);
    }
    fputc(']', f);
}

void print_output(FILE *f, const char *name, const NpyArray *a)
{
    char desc[160];
    int64_t n;
    tensor_numel(a->ndim, a->shape, &n);
    fprintf(f, "%s: %s\n", name, tensor_describe(a->dtype, a->ndim, a->shape, desc, sizeof desc));
    if (n <= 1000) {
        print_rec(f, a, 0, 0, 0);
        fputc('\n', f);
        return;
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        Val v = val_load(a->dtype, (char *)a->data + i * (int64_t)dtype_size(a->dtype));
        double d = dtype_is_float(a->dtype) ? v.f : (double)v.i;
        lo = fmin(lo, d), hi = fmax(hi, d), sum += d;
    }
    fprintf(f, "(%lld elements; min %.6g, max %.6g, mean %.6g)\n", (long long)n, lo, hi, sum / (double)n);
}

/* ---- running ---------------------------------------------------------- */

typedef struct Runner {
    const Opts   *o;
    const SrcMap *files;
    CpuBackend   *cpu;   /* NULL: the interpreter or the npu */
    bool          npu;
    DiagSink     *diags; /* a compile stage's errors at launch */
} Runner;

static bool run_interp(const Runner *r, const KernelInfo *k, const LaunchArgs *la, char *err, size_t n)
{
    double t0 = clock_seconds();
    bool ok = interp_run(k, la, err, n);
    if (ok && r->o->time)
        fprintf(stderr, "run: %.3f ms (interpreter)\n", (clock_seconds() - t0) * 1e3);
    return ok;
}

/* The launch as tk_launch does it (cpu_launch); a compile stage's
 * located diagnostics are printed here, leaving err empty. */
static bool run_cpu(const Runner *r, KernelInfo *k, const LaunchArgs *la, char *err, size_t n)
{
    CpuCompileInfo ci;
    CpuLaunchResult res = cpu_launch(r->cpu, r->files, k, la, NULL, &ci, r->diags, err, n);
    if (res == CPU_COMPILE_FAILED) {
        diag_render(r->diags, stderr);
        err[0] = 0;
        return false;
    }
    if (res == CPU_LAUNCHED && r->o->time) {
        if (ci.interpreted)
            fprintf(stderr, "compile: none (%s runs on the interpreter)\n", k->ast->name);
        else {
            fprintf(stderr, "compile: %.3f ms (%s)\n", ci.seconds * 1e3,
                    ci.from_mem    ? "in-process cache"
                    : ci.from_disk ? "disk cache, LLVM skipped"
                                   : "compiled with LLVM");
            if (!ci.from_mem && !ci.from_disk)
                fprintf(stderr, "  lower+schedule %.3f ms, LLVM IR %.3f ms, optimise %.3f ms, object %.3f ms, JIT load %.3f ms\n",
                        ci.t_lower * 1e3, ci.t_codegen * 1e3, ci.t_optimize * 1e3, ci.t_object * 1e3,
                        ci.t_load * 1e3);
        }
        fprintf(stderr, "run: %.3f ms%s\n", ci.t_run * 1e3, ci.interpreted ? " (interpreter)" : "");
    }
    return res == CPU_LAUNCHED;
}

/* --check tolerances: |cpu - interp| <= atol + rtol * |interp| (docs/cpu-backend.md). */
static void tolerance(DType t, double *rtol, double *atol)
{
    switch (t) {
    case DT_F64: *rtol = 1e-12, *atol = 1e-14; break;
    case DT_F32: *rtol = 1e-5, *atol = 1e-6; break;
    case DT_F16: *rtol = 2e-3, *atol = 1e-3; break;
    case DT_BF16: *rtol = 1.6e-2, *atol = 1e-2; break;
    default: *rtol = 0, *atol = 0; break;
    }
}

/* Prints one output's errors; false when beyond the tolerance. */
static bool compare(const char *name, const NpyArray *got, const NpyArray *want)
{
    int64_t n;
    tensor_numel(got->ndim, got->shape, &n);
    double rtol, atol, max_abs = 0, max_rel = 0;
    tolerance(got->dtype, &rtol, &atol);
    bool ok = true;
    size_t es = dtype_size(got->dtype);
    for (int64_t i = 0; i < n; i++) {
        Val a = val_load(got->dtype, (char *)got->data + (size_t)i * es);
        Val b = val_load(want->dtype, (char *)want->data + (size_t)i * es);
        double x = dtype_is_float(got->dtype) ? a.f : (double)a.i;
        double y = dtype_is_float(want->dtype) ? b.f : (double)b.i;
        if (isnan(x) && isnan(y))
            continue;
        /* an infinity or a NaN matches only itself (equal infinities: 0);
         * rtol * |inf| would accept any value */
        bool special = isinf(x) || isinf(y) || isnan(x) || isnan(y);
        double d = x == y ? 0 : special ? INFINITY : fabs(x - y);
        double rel = d == 0 ? 0 : special ? INFINITY : d / fmax(fabs(y), 1e-300);
        max_abs = fmax(max_abs, d), max_rel = fmax(max_rel, rel);
        ok &= special ? d == 0 : d <= atol + rtol * fabs(y);
    }
    printf("check %s: max abs error %.3g, max rel error %.3g (%s: rel %g, abs %g): %s\n", name, max_abs, max_rel,
           dtype_name(got->dtype), rtol, atol, ok ? "ok" : "FAILED");
    return ok;
}

/* Output arrays of the computed dtypes and shapes, zero-filled. */
static bool alloc_outputs(const KernelInfo *k, const DType *dt, const int32_t *rank, int64_t (*shape)[TK_MAX_RANK],
                          NpyArray *res, DLTensor *dl, DLTensor **outs)
{
    for (uint32_t j = 0; j < k->outputs.n; j++) {
        NpyArray *a = &res[j];
        if (dt[j] == DT_ERROR)
            return cli_error("run: cannot tell the dtype of output '%s' (its type parameter appears only in "
                             "outputs)", k->outputs.v[j].name), false;
        a->dtype = dt[j], a->ndim = rank[j];
        memcpy(a->shape, shape[j], sizeof a->shape);
        tensor_contiguous_strides(a->ndim, a->shape, a->strides);
        tensor_nbytes(a->dtype, a->ndim, a->shape, &a->nbytes);
        a->alloc = a->data = calloc(a->nbytes ? a->nbytes : 1, 1);
        if (!a->alloc)
            return cli_error("run: out of memory for output '%s' (%zu bytes)", k->outputs.v[j].name, a->nbytes),
                   false;
        tensor_from_npy(a, &dl[j]);
        outs[j] = &dl[j];
    }
    return true;
}

static int run_outputs(const Runner *r, KernelInfo *k, DLTensor *tensors, TkScalarValue *scalars)
{
    const Opts *o = r->o;
    uint32_t np = k->params.n, no = k->outputs.n;
    DLTensor **ins = calloc(np + 1, sizeof *ins), **outs = calloc(no + 1, sizeof *outs);
    DLTensor **refs = calloc(no + 1, sizeof *refs);
    DType *dt = calloc(no + 1, sizeof *dt);
    int32_t *rank = calloc(no + 1, sizeof *rank);
    int64_t (*shape)[TK_MAX_RANK] = calloc(no + 1, sizeof *shape);
    NpyArray *res = calloc(2 * no + 1, sizeof *res);
    DLTensor *dl = calloc(2 * no + 1, sizeof *dl);
    char err[512];
    int status = 1;
    if (!ins || !outs || !refs || !dt || !rank || !shape || !res || !dl) {
        cli_error("run: out of memory");
        goto done;
    }
    for (uint32_t j = 0; j < np; j++)
        ins[j] = k->params.v[j].is_tensor ? &tensors[j] : NULL;
    LaunchArgs la = {ins, scalars, outs};
    if (!interp_output_shapes(k, &la, dt, rank, shape, err, sizeof err)) {
        cli_error("%s", err);
        goto done;
    }
    if (!alloc_outputs(k, dt, rank, shape, res, dl, outs))
        goto done;
    bool ran = r->npu ? run_npu(r->files, k, &la, &o->npu, err, sizeof err)
             : r->cpu ? run_cpu(r, k, &la, err, sizeof err)
                      : run_interp(r, k, &la, err, sizeof err);
    if (!ran) {
        if (*err)
            cli_error("%s", err);
        goto done;
    }
    if (o->check) {
        LaunchArgs ref = {ins, scalars, refs};
        if (!alloc_outputs(k, dt, rank, shape, res + no, dl + no, refs))
            goto done;
        if (!interp_run(k, &ref, err, sizeof err)) {
            cli_error("run: --check: the interpreter failed: %s", err);
            goto done;
        }
    }
    status = 0;
    for (uint32_t j = 0; j < no && !status; j++) {
        const Pair *out = find_pair(o->out, o->nout, k->outputs.v[j].name);
        NpyArray *a = &res[j];
        if (out && !npy_write(out->value, a->dtype, a->ndim, a->shape, a->strides, a->data, err, sizeof err))
            status = cli_error("%s", err);
        if (o->print)
            print_output(stdout, k->outputs.v[j].name, a);
    }
    for (uint32_t j = 0; j < no && o->check; j++)
        if (!compare(k->outputs.v[j].name, &res[j], &res[no + j]) && !status)
            status = cli_error("run: --check: output '%s' differs from the interpreter beyond the %s tolerance",
                               k->outputs.v[j].name, dtype_name(res[j].dtype));
done:
    for (uint32_t j = 0; res && j < 2 * no; j++)
        npy_free(&res[j]);
    free(ins), free(outs), free(refs), free(dt), free(rank), free(shape), free(res), free(dl);
    return status;
}

int cmd_run(int argc, char **argv)
{
    if (std_op_wanted(argc, argv))
        return cmd_run_std(argc, argv);
    Opts o = {0};
    int st = parse_args(argc, argv, &o);
    if (st) {
        free_opts(&o);
        return st == 2 ? 0 : 1;
    }
    Ctx c;
    ctx_init(&c);
    Pipeline load = {.ctx = &c, .path = o.file}; /* the kernel compiles at its launch */
    bool ok = pipeline_run(&load);
    diag_render(&c.diags, stderr);
    KernelInfo *k = ok ? pick_kernel(load.prog, &o) : NULL;
    if (c.arena.oom)
        cli_error("out of memory while loading '%s'", o.file);
    int status = 1;
    if (k && check_names(k, &o)) {
        uint32_t np = k->params.n;
        NpyArray *arrays = calloc(np + 1, sizeof *arrays);
        DLTensor *tensors = calloc(np + 1, sizeof *tensors);
        TkScalarValue *scalars = calloc(np + 1, sizeof *scalars);
        if (!arrays || !tensors || !scalars)
            cli_error("run: out of memory");
        else if (run_inputs(k, &o, arrays, tensors, scalars)) {
            DiagSink launch_diags;
            diag_init(&launch_diags, &c.arena, &c.files);
            Runner r = {&o, &c.files, NULL, !strcmp(o.target, "npu"), &launch_diags};
            char err[512];
            if (strcmp(o.target, "interp") && !r.npu
                && !(r.cpu = cpu_backend_create(&(CpuOptions){.strict = o.strict}, err, sizeof err)))
                cli_error("run: the cpu target cannot start: %s", err);
            else
                status = run_outputs(&r, k, tensors, scalars);
            cpu_backend_destroy(r.cpu);
        }
        for (uint32_t i = 0; arrays && i < np; i++)
            npy_free(&arrays[i]);
        free(arrays), free(tensors), free(scalars);
    }
    ctx_free(&c);
    free_opts(&o);
    return status;
}
