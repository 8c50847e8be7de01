/* The CPU code generator on the IR nodes no schedule makes yet: a
 * distributed loop (outlined to the thread pool like a parallel one), sync
 * statements (no code), and bulk copies of several box ranks; the LLVM
 * module verifies and has the expected calls. Copies made by cache_read
 * and cache_write run against the interpreter in cpu_kernels_test. */
#include <llvm-c/Analysis.h>

#include "backend-cpu/cpu_int.h"
#include "compiler/pipeline.h"
#include "cpu/cpu_util.h"
#include "tests/ir/ir_testutil.h"

/* The kernel cp(x: f32[M, N]) -> y: f32[M, N] lowered, with body replaced
 * by `make`, through the cpu passes; the verified LLVM IR as text. */
static char *llvm_of(Stmt *(*make)(IrCtx *, Func *))
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel cp(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j]; }\n"));
    Func *f = irt_lower(&t, "cp");
    f->body = make(&t.ir, f);
    cr_assert(ir_verify(&t.ir, f), "%s", irt_print(&t, f));
    PassOpts o = {.verify = true};
    cr_assert(passes_run(&t.ir, f, &pass_list_cpu, &o));
    CpuBackend *be = backend_new();
    LLVMContextRef llc = LLVMContextCreate();
    LLVMModuleRef m = cpu_codegen(llc, f, cpu_backend_target(be), t.ir.diags);
    if (!m)
        diag_render(t.ir.diags, stderr);
    cr_assert_not_null(m);
    char *msg = NULL;
    cr_assert_not(LLVMVerifyModule(m, LLVMReturnStatusAction, &msg), "%s", msg);
    LLVMDisposeMessage(msg);
    char *s = LLVMPrintModuleToString(m);
    char *r = strdup(s);
    LLVMDisposeMessage(s);
    LLVMDisposeModule(m);
    LLVMContextDispose(llc);
    cpu_backend_destroy(be);
    return r;
}

static IrVar *loop_var(IrCtx *c, const char *name) { return ir_new_var(c, name, DT_I64, IV_LOOP, sym_var(c->sym, name)); }

/* distributed for r in 0..M { copy y[r, 0] <- x[r, 0] extent [N]; sync wait 1 }; sync barrier */
static Stmt *distributed_rows(IrCtx *c, Func *f)
{
    IrBuffer *x = f->args[0].buf, *y = f->args[1].buf;
    IrVar *r = loop_var(c, "r");
    Expr *row = ir_var(c, r, f->loc), *zero = ir_i64(c, 0);
    Stmt *body[2] = {ir_copy(c, y, (Expr *[]){row, zero}, x, (Expr *[]){row, zero}, &x->shape[1], 1, f->loc),
                     ir_sync(c, SYNC_WAIT, 1, f->loc)};
    Stmt *loop = ir_for(c, ir_new_loop_id(c), r, zero, x->shape[0], FOR_DISTRIBUTED, ir_seq(c, body, 2, f->loc),
                        f->loc);
    return ir_seq(c, (Stmt *[]){loop, ir_sync(c, SYNC_BARRIER, 0, f->loc)}, 2, f->loc);
}

Test(cpu_ir_nodes, distributed_loops_run_on_the_pool_and_sync_is_free)
{
    char *s = llvm_of(distributed_rows);
    cr_expect(strstr(s, "@tk_parallel_for"), "%s", s);
    cr_expect(strstr(s, "llvm.memcpy"), "a unit-stride row is one memcpy\n%s", s);
    free(s);
}

/* copy of the whole 2-d box, and of one element (a 0-d box) */
static Stmt *whole_and_one(IrCtx *c, Func *f)
{
    IrBuffer *x = f->args[0].buf, *y = f->args[1].buf;
    Expr *zero = ir_i64(c, 0);
    Stmt *v[2] = {ir_copy(c, y, (Expr *[]){zero, zero}, x, (Expr *[]){zero, zero}, x->shape, 2, f->loc),
                  ir_if(c, ir_bin(c, BOP_LT, zero, ir_mul(c, x->shape[0], x->shape[1]), f->loc),
                        ir_copy(c, y, (Expr *[]){zero, zero}, x, (Expr *[]){zero, zero}, NULL, 0, f->loc), NULL,
                        f->loc)};
    return ir_seq(c, v, 2, f->loc);
}

Test(cpu_ir_nodes, copies_of_every_box_rank)
{
    char *s = llvm_of(whole_and_one);
    cr_expect(strstr(s, "llvm.memcpy"), "%s", s);
    free(s);
}
