/* tkc emit --ast|--loops|--llvm|--asm FILE: print an intermediate form of a
 * checked program, down to the optimized LLVM IR and the machine code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-cpu/cpu.h"
#include "compiler/pipeline.h"
#include "compiler/target.h"
#include "driver/commands.h"
#include "lang/lang.h"

static const char help[] =
    "usage: tkc emit --ast FILE\n"
    "       tkc emit --loops [-k KERNEL] [--target cpu|npu] [--no-schedule] [--auto] [--schedule]\n"
    "                        [--loop-ids] [--dump-after=PASS|all] FILE\n"
    "       tkc emit --llvm|--asm [-k KERNEL] FILE\n"
    "       tkc emit --source std:NAME\n"
    "  --ast          the typed AST: every expression's dtype, every stage's extents\n"
    "  --loops        the loop IR of each kernel of FILE, default schedule (docs/ir.md)\n"
    "  -k KERNEL      only this kernel (any loaded file)\n"
    "  --loop-ids     show each loop's stable id (for@ID)\n"
    "  --dump-after=PASS  print the loop IR after pass PASS, or after every pass\n"
    "                 with =all (to stderr)\n"
    "  --target T     apply the kernel's schedule for T (cpu or npu; default cpu)\n"
    "  --no-schedule  the default schedule, ignoring the kernel's schedule\n"
    "  --schedule     the applied schedule as .tk text (docs/schedules.md); for a kernel\n"
    "                 without one for the target, the automatic schedule the cpu\n"
    "                 backend uses, ready to copy into the file and edit\n"
    "  --auto         with --loops: a kernel without a schedule gets the automatic one\n"
    "  --llvm         the optimized LLVM IR the cpu target runs (docs/cpu-backend.md)\n"
    "  --asm          the machine code the cpu target runs, as assembly\n"
    "  --source std:NAME  the .tk source of a standard library operator's kernels,\n"
    "                 or of a whole library file (docs/stdlib.md)\n"
    "A generic kernel with one type parameter is shown instantiated with f32;\n"
    "one with tensors of any rank (T[...]) is listed with a note.\n";

typedef struct Opts {
    const char *kernel;
    unsigned    flags;
    const char *dump_after;
    const char *target;      /* whose schedule --loops applies */
    bool        no_schedule; /* --no-schedule: the default schedule */
    bool        schedule;    /* --schedule: print the applied schedule */
    bool        auto_;       /* the automatic schedule for kernels without one */
    const char *what;        /* "loops", "llvm" or "asm" */
    CpuBackend *cpu;         /* for llvm and asm, and the host's vector width */
} Opts;

/* Prints what the pipeline made for one kernel. */
static bool print(void *ud, Compile *cc, Func *f)
{
    const Opts *o = ud;
    if (cc->text)
        fputs(cc->text, stdout);
    else if (o->schedule)
        sched_trace_print(cc->trace, stdout);
    else
        ir_print_func(stdout, cc->ir.a, f, o->flags);
    return true;
}

/* Prints one kernel's loop IR; false after an error. */
static bool emit_kernel(Ctx *c, AstProgram *prog, AstKernel *ak, const Opts *o)
{
    KernelInfo *k = ak->info;
    if (!k || !k->order)
        return false;
    if (!pipeline_lowerable(k)) {
        printf("// kernel %s: tensors of any rank (T[...]); its loops exist only once the JIT knows the rank\n",
               ak->name);
        return true;
    }
    /* the backend, when there is one for the target, knows the host */
    const Target *t = target_find(o->target);
    if (o->cpu && !strcmp(cpu_backend_desc(o->cpu)->name, t->name))
        t = cpu_backend_desc(o->cpu);
    bool code = strcmp(o->what, "loops") != 0;
    /* --loops shows the scheduled IR: the target's passes run when it compiles */
    Target scheduled = *t;
    scheduled.passes = NULL;
    Pipeline p = {.ctx = c, .prog = prog, .target = code ? t : &scheduled, .kernel = k, .key = {DT_ERROR}, .emit = code,
                  .emit_kind = !strcmp(o->what, "asm") ? EMIT_ASM : EMIT_TEXT, .no_schedule = o->no_schedule,
                  .auto_schedule = o->auto_ || code, .verify = true, .trace = o->schedule,
                  .dump_after = o->dump_after, .each = print, .ud = (void *)o};
    if (ak->tparams.n == 1) {
        p.key.tparam = DT_F32;
        printf("// kernel %s is generic over %s; shown with %s = f32\n", ak->name, ak->tparams.v[0].name,
               ak->tparams.v[0].name);
    }
    return pipeline_run(&p);
}

static bool emit_loops(Ctx *c, AstProgram *p, const Opts *o)
{
    bool ok = true, found = false, first = true;
    for (uint32_t m = 0; m < p->modules.n; m++) {
        AstModule *mod = p->modules.v[m];
        bool root = m + 1 == p->modules.n;
        for (uint32_t i = 0; i < mod->items.n; i++) {
            AstItem *it = &mod->items.v[i];
            if (it->kind != ITEM_KERNEL)
                continue;
            if (o->kernel ? strcmp(it->u.kernel->name, o->kernel) != 0 : !root)
                continue;
            found = true;
            if (!first)
                putchar('\n');
            first = false;
            ok &= emit_kernel(c, p, it->u.kernel, o);
        }
    }
    if (o->kernel && !found) {
        cli_error("emit: no kernel named '%s'", o->kernel);
        return false;
    }
    return ok;
}

int cmd_emit(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[0], "--source"))
        return cmd_emit_std_source(argv[1]);
    const char *what = NULL, *file = NULL;
    Opts o = {.target = "cpu"};
    Arena scratch;
    arena_init(&scratch);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--ast") == 0) {
            what = "ast";
        } else if (strcmp(argv[i], "--loops") == 0 || strcmp(argv[i], "--llvm") == 0
                   || strcmp(argv[i], "--asm") == 0) {
            what = argv[i] + 2;
        } else if (strcmp(argv[i], "--schedule") == 0) {
            what = "loops";
            o.schedule = true;
            o.auto_ = true;
        } else if (strcmp(argv[i], "--auto") == 0) {
            o.auto_ = true;
        } else if (strcmp(argv[i], "--no-schedule") == 0) {
            o.no_schedule = true;
        } else if (strcmp(argv[i], "--target") == 0) {
            if (i + 1 >= argc || !target_find(argv[i + 1]))
                return cli_error("emit: --target takes %s", target_names(&scratch, " or "));
            o.target = argv[++i];
        } else if (strcmp(argv[i], "--loop-ids") == 0) {
            o.flags |= IR_PRINT_LOOP_IDS;
        } else if (strncmp(argv[i], "--dump-after=", 13) == 0) {
            o.dump_after = argv[i] + 13;
        } else if (strcmp(argv[i], "-k") == 0) {
            if (i + 1 >= argc)
                return cli_error("emit: -k needs a kernel name");
            o.kernel = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("emit: unknown option '%s' (see 'tkc emit --help')", argv[i]);
        } else if (file) {
            return cli_error("emit: more than one input file ('%s' and '%s')", file, argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (!what)
        return cli_error("emit: say what to emit, e.g. 'tkc emit --ast FILE' or 'tkc emit --loops FILE'");
    if (!file)
        return cli_error("emit: no input file");
    Ctx c;
    ctx_init(&c);
    Pipeline load = {.ctx = &c, .path = file};
    bool ok = pipeline_run(&load);
    if (ok && !c.arena.oom) {
        char err[512];
        o.what = what;
        bool code = strcmp(what, "loops") != 0;
        if (strcmp(what, "ast") == 0)
            ast_print(stdout, &c, load.prog);
        else if (code && !(o.cpu = cpu_backend_create(NULL, err, sizeof err)))
            ok = !cli_error("emit: the cpu target cannot start: %s", err);
        else {
            /* the automatic schedule depends on the host's vector width */
            if (!o.cpu && o.auto_)
                o.cpu = cpu_backend_create(NULL, err, sizeof err);
            ok = emit_loops(&c, load.prog, &o);
        }
        cpu_backend_destroy(o.cpu);
    }
    diag_render(&c.diags, stderr);
    arena_free(&scratch);
    int status = ok && !c.arena.oom && c.diags.nerr == 0 ? 0 : 1;
    ctx_free(&c);
    return status;
}
