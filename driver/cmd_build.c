/* tkc build FILE.tk -o PREFIX: kernels compiled ahead of time into
 * PREFIX.o (position-independent, entry points validating through
 * libtk_rt) and the C header PREFIX.h that declares them (docs/aot.md).
 * Both files are written to temporaries and renamed, so a failed build
 * leaves nothing half written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "backend-cpu/aot.h"
#include "compiler/pipeline.h"
#include "driver/commands.h"
#include "lang/lang.h"

static const char help[] =
    "usage: tkc build FILE.tk [-k KERNEL ...] -o PREFIX [--target cpu] [--cpu NAME]\n"
    "                 [--features +avx2,...] [--dtype T=f32,f16 ...] [--no-parallel]\n"
    "  -o PREFIX      write PREFIX.o and PREFIX.h; the functions are called\n"
    "                 NAME_KERNEL, NAME being PREFIX's last component (a C identifier)\n"
    "  -k KERNEL      build this kernel (repeat for several); default: every kernel of FILE\n"
    "  --target cpu   the target (only cpu builds objects)\n"
    "  --cpu NAME     an LLVM CPU name (x86-64-v3, skylake-avx512, native...); default: this machine\n"
    "  --features F   LLVM features added to the CPU's (+avx2,-avx512f)\n"
    "  --dtype T=D,.. build generic kernels over T for these dtypes (one entry point dispatches)\n"
    "  --no-parallel  no automatic parallel loops (the thread pool is still used by schedules)\n"
    "Link PREFIX.o with libtk_rt (pkg-config tk-rt, or CMake tk::rt); see docs/aot.md.\n";

typedef struct DtypeChoice {
    const char *tparam;
    DType       dtypes[16];
    uint32_t    n;
} DtypeChoice;

typedef struct BuildOpts {
    const char *file, *prefix;
    const char *kernels[64];
    uint32_t    nkernels;
    DtypeChoice choices[8];
    uint32_t    nchoices;
    AotOptions  aot;
} BuildOpts;

static bool parse_dtype(BuildOpts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1] || o->nchoices == 8) {
        cli_error("build: --dtype takes T=DTYPE[,DTYPE...], e.g. --dtype T=f32,f16");
        return false;
    }
    DtypeChoice *c = &o->choices[o->nchoices++];
    c->tparam = strndup(arg, (size_t)(eq - arg));
    for (const char *p = eq + 1; *p;) {
        size_t len = strcspn(p, ",");
        char name[16];
        snprintf(name, sizeof name, "%.*s", (int)(len < 15 ? len : 15), p);
        DType t = dtype_from_name(name);
        if (t == DT_ERROR || t == DT_GENERIC || len >= 15) {
            cli_error("build: --dtype %s: '%.*s' is not a dtype (f32, f16, bf16, f64, i8, i16, i32, i64, u8, bool)",
                      arg, (int)len, p);
            return false;
        }
        if (c->n == 16) {
            cli_error("build: --dtype %s: at most 16 dtypes", arg);
            return false;
        }
        c->dtypes[c->n++] = t;
        p += len + (p[len] == ',');
    }
    return true;
}

/* The function-name prefix: PREFIX's last component, a C identifier. */
static const char *symbol_prefix(const char *prefix)
{
    const char *base = strrchr(prefix, '/');
    base = base ? base + 1 : prefix;
    if (!*base || (*base >= '0' && *base <= '9'))
        return NULL;
    for (const char *p = base; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return NULL;
    return base;
}

/* Picks the kernels and their instantiations; false after an error. */
static bool choose(AstProgram *prog, const BuildOpts *o, AotKernel *ks, uint32_t *nks)
{
    *nks = 0;
    AstModule *root = prog->modules.v[prog->modules.n - 1];
    KernelInfo *want[64];
    uint32_t n = 0;
    if (o->nkernels) {
        for (uint32_t i = 0; i < o->nkernels; i++) {
            KernelInfo *k = launch_find_kernel(prog, o->kernels[i]);
            if (!k)
                return !cli_error("build: no kernel named '%s' in %s", o->kernels[i], o->file);
            want[n++] = k;
        }
    } else {
        for (uint32_t i = 0; i < root->items.n && n < 64; i++)
            if (root->items.v[i].kind == ITEM_KERNEL && root->items.v[i].u.kernel->info)
                want[n++] = root->items.v[i].u.kernel->info;
        if (!n)
            return !cli_error("build: %s defines no kernel", o->file);
    }
    for (uint32_t i = 0; i < n; i++) {
        KernelInfo *k = want[i];
        const char *name = k->ast->name;
        if (!pipeline_lowerable(k))
            return !cli_error("build: kernel '%s' has tensors of any rank (T[...]) or several type parameters; "
                              "only the JIT runs it (leave it out with -k)", name);
        AotKernel *ak = &ks[(*nks)++];
        memset(ak, 0, sizeof *ak);
        ak->k = k;
        if (!k->ast->tparams.n) {
            ak->dtypes[0] = DT_ERROR;
            ak->ndtypes = 1;
            continue;
        }
        const char *tp = k->ast->tparams.v[0].name;
        for (uint32_t c = 0; c < o->nchoices; c++)
            if (!strcmp(o->choices[c].tparam, tp)) {
                memcpy(ak->dtypes, o->choices[c].dtypes, sizeof ak->dtypes);
                ak->ndtypes = o->choices[c].n;
            }
        if (!ak->ndtypes)
            return !cli_error("build: kernel '%s' is generic over %s: say which dtypes to build with --dtype "
                              "%s=f32[,f16,...]", name, tp, tp);
    }
    return true;
}

/* ---- the header ---------------------------------------------------------- */

static const char *c_scalar_type(DType t)
{
    switch (t) {
    case DT_F64: case DT_GENERIC: return "double";   /* a scalar of the type parameter: converted to it */
    case DT_F32: case DT_F16: case DT_BF16: return "float";
    case DT_BOOL: return "bool";
    case DT_I8: return "int8_t";
    case DT_I16: return "int16_t";
    case DT_I32: return "int32_t";
    case DT_I64: return "int64_t";
    case DT_U8: return "uint8_t";
    case DT_U16: return "uint16_t";
    case DT_U32: return "uint32_t";
    default: return "uint64_t";
    }
}

/* "kernel softmax(x: f32[N, D]) -> y: f32[N, D]" */
static void tk_signature(FILE *f, const KernelInfo *k)
{
    char decl[200];
    fprintf(f, "kernel %s", k->ast->name);
    if (k->ast->tparams.n)
        fprintf(f, "<%s>", k->ast->tparams.v[0].name);
    fputc('(', f);
    for (uint32_t i = 0; i < k->params.n; i++)
        fprintf(f, "%s%s: %s", i ? ", " : "", k->params.v[i].name,
                launch_declared_text(&k->params.v[i], decl, sizeof decl));
    fprintf(f, ") -> %s", k->outputs.n > 1 ? "(" : "");
    for (uint32_t o = 0; o < k->outputs.n; o++)
        fprintf(f, "%s%s: %s", o ? ", " : "", k->outputs.v[o].name,
                launch_declared_text(&k->outputs.v[o], decl, sizeof decl));
    fputs(k->outputs.n > 1 ? ")" : "", f);
}

static void inputs(FILE *f, const KernelInfo *k)
{
    for (uint32_t i = 0; i < k->params.n; i++) {
        const ParamInfo *p = &k->params.v[i];
        if (p->is_tensor)
            fprintf(f, "%sconst DLTensor *%s", i ? ", " : "", p->name);
        else
            fprintf(f, "%s%s %s", i ? ", " : "", c_scalar_type(p->dtype), p->name);
    }
}

static void write_header(FILE *f, const char *sym, const char *guard, const BuildOpts *o, const AotKernel *ks,
                         uint32_t nks, const AotTarget *t)
{
    fprintf(f, "/* %s.h: generated by `tkc build` (TK %s) from %s for %s, CPU %s.\n"
               " * Link %s.o with libtk_rt (pkg-config tk-rt, CMake tk::rt); docs/aot.md.\n"
               " * Each function returns 0, or nonzero with the reason in tk_rt_last_error().\n"
               " * Tensors are DLPack DLTensors on the CPU, any strides; shape symbols are\n"
               " * bound from the inputs, so one object serves every shape. */\n",
            sym, TK_VERSION_STRING, o->file, t->triple, t->cpu, sym);
    fprintf(f, "#ifndef %s\n#define %s\n\n#include <stdbool.h>\n#include <stdint.h>\n\n#include <dlpack/dlpack.h>\n\n",
            guard, guard);
    fputs("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
          "/* The message of the last failed call on this thread (libtk_rt). */\n"
          "const char *tk_rt_last_error(void);\n", f);
    for (uint32_t i = 0; i < nks; i++) {
        const KernelInfo *k = ks[i].k;
        fputs("\n/* ", f);
        tk_signature(f, k);
        if (k->ast->tparams.n) {
            fprintf(f, "\n * built for %s =", k->ast->tparams.v[0].name);
            for (uint32_t d = 0; d < ks[i].ndtypes; d++)
                fprintf(f, "%s %s", d ? "," : "", dtype_name(ks[i].dtypes[d]));
        }
        fputs(" */\n", f);
        fprintf(f, "int %s_%s(", sym, k->ast->name);
        inputs(f, k);
        for (uint32_t q = 0; q < k->outputs.n; q++)
            fprintf(f, "%sDLTensor *%s", k->params.n || q ? ", " : "", k->outputs.v[q].name);
        fputs(");\n", f);
        fputs("/* Each output's shape for these inputs:", f);
        for (uint32_t q = 0; q < k->outputs.n; q++)
            fprintf(f, "%s %s_shape gets %u dims", q ? "," : "", k->outputs.v[q].name, k->outputs.v[q].rank);
        fputs(". */\n", f);
        fprintf(f, "int %s_%s_shapes(", sym, k->ast->name);
        inputs(f, k);
        for (uint32_t q = 0; q < k->outputs.n; q++)
            fprintf(f, "%sint64_t *%s_shape", k->params.n || q ? ", " : "", k->outputs.v[q].name);
        fputs(");\n", f);
    }
    fprintf(f, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}

/* ---- writing ------------------------------------------------------------- */

/* A temporary beside `path`, opened for writing; NULL with a message. */
static FILE *temp_beside(const char *path, char *tmp, size_t n)
{
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("build: cannot write '%s': %s", path, strerror(errno));
        return NULL;
    }
    mode_t mask = umask(0);   /* as a plain fopen would create it */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return fdopen(fd, "wb");
}

static bool write_outputs(const BuildOpts *o, const char *sym, LLVMMemoryBufferRef obj, const AotKernel *ks,
                          uint32_t nks, const AotTarget *t)
{
    char opath[4096], hpath[4096], otmp[4200], htmp[4200], guard[300];
    snprintf(opath, sizeof opath, "%s.o", o->prefix);
    snprintf(hpath, sizeof hpath, "%s.h", o->prefix);
    size_t g = 0;
    for (const char *p = sym; *p && g + 8 < sizeof guard; p++)
        guard[g++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    snprintf(guard + g, sizeof guard - g, "_TK_H");
    FILE *of = temp_beside(opath, otmp, sizeof otmp);
    FILE *hf = of ? temp_beside(hpath, htmp, sizeof htmp) : NULL;
    bool ok = of && hf;
    if (ok) {
        size_t n = LLVMGetBufferSize(obj);
        ok = fwrite(LLVMGetBufferStart(obj), 1, n, of) == n;
        write_header(hf, sym, guard, o, ks, nks, t);
        ok = ok && !ferror(hf);
    }
    ok = (!of || fclose(of) == 0) && ok;
    ok = (!hf || fclose(hf) == 0) && ok;
    if (of && hf && !ok)
        cli_error("build: cannot write '%s': %s", opath, strerror(errno));
    if (ok && rename(otmp, opath) != 0) {
        ok = !cli_error("build: cannot write '%s': %s", opath, strerror(errno));
    } else if (ok && rename(htmp, hpath) != 0) {
        ok = !cli_error("build: cannot write '%s': %s", hpath, strerror(errno));
        unlink(opath);   /* no object without its header */
    }
    if (!ok) {
        if (of)
            unlink(otmp);
        if (hf)
            unlink(htmp);
    }
    return ok;
}

int cmd_build(int argc, char **argv)
{
    BuildOpts o = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "-k") || !strcmp(a, "--target") || !strcmp(a, "--cpu") ||
                   !strcmp(a, "--features") || !strcmp(a, "--dtype")) {
            if (!has_value)
                return cli_error("build: %s needs a value (see 'tkc build --help')", a);
            const char *v = argv[++i];
            if (!strcmp(a, "-o"))
                o.prefix = v;
            else if (!strcmp(a, "-k") && o.nkernels < 64)
                o.kernels[o.nkernels++] = v;
            else if (!strcmp(a, "--target") && strcmp(v, "cpu"))
                return cli_error("build: --target %s: only cpu builds objects (the npu target runs on the "
                                 "simulator, through tkc run)", v);
            else if (!strcmp(a, "--cpu"))
                o.aot.cpu = v;
            else if (!strcmp(a, "--features"))
                o.aot.features = v;
            else if (!strcmp(a, "--dtype") && !parse_dtype(&o, v))
                return 1;
        } else if (!strcmp(a, "--no-parallel")) {
            o.aot.no_parallel = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_error("build: unknown option '%s' (see 'tkc build --help')", a);
        } else if (o.file) {
            return cli_error("build: more than one input file ('%s' and '%s')", o.file, a);
        } else {
            o.file = a;
        }
    }
    if (!o.file)
        return cli_error("build: no input file (tkc build FILE.tk -o PREFIX)");
    if (!o.prefix)
        return cli_error("build: say where to write with -o PREFIX (writes PREFIX.o and PREFIX.h)");
    const char *sym = symbol_prefix(o.prefix);
    if (!sym)
        return cli_error("build: -o %s: the last part of PREFIX names the functions (PREFIX_KERNEL), so it must "
                         "be a C identifier", o.prefix);
    Ctx c;
    ctx_init(&c);
    Pipeline load = {.ctx = &c, .path = o.file};
    bool ok = pipeline_run(&load) && !c.arena.oom;
    AotKernel *ks = ok ? calloc(64, sizeof *ks) : NULL;
    uint32_t nks = 0;
    if (ok && !ks)
        ok = !cli_error("build: out of memory");
    ok = ok && choose(load.prog, &o, ks, &nks);
    if (ok) {
        char err[1024];
        LLVMMemoryBufferRef obj = NULL;
        AotTarget t = {0};
        ok = aot_build_object(&c.files, sym, ks, nks, &o.aot, &c.diags, &obj, &t, err, sizeof err);
        if (!ok && *err)
            cli_error("build: %s", err);
        ok = ok && write_outputs(&o, sym, obj, ks, nks, &t);
        if (obj)
            LLVMDisposeMemoryBuffer(obj);
    }
    diag_render(&c.diags, stderr);
    int status = ok && c.diags.nerr == 0 ? 0 : 1;
    free(ks);
    for (uint32_t i = 0; i < o.nchoices; i++)
        free((char *)o.choices[i].tparam);
    ctx_free(&c);
    return status;
}
