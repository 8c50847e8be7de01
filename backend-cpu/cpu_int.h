/* Internals shared by the CPU backend's files; not for use outside
 * backend-cpu/. */
#ifndef TK_CPU_INT_H
#define TK_CPU_INT_H

#include <llvm-c/Core.h>

#include "backend-cpu/cpu.h"
#include "jit/jit.h"

/* target.c: the caps of the Jit's target; sleef says whether SLEEF's
 * functions were registered. */
void cpu_target_init(CpuTarget *t, const Jit *j, bool sleef, bool auto_parallel, bool strict);

/* module.c: the module of one lowered kernel, in context llc. NULL after a
 * diagnostic in diags. */
LLVMModuleRef cpu_codegen(LLVMContextRef llc, const Func *f, const CpuTarget *t, DiagSink *diags);

/* intrinsics.c: opens SLEEF and defines its functions in the JIT. */
bool cpu_sleef_register(Jit *j, void **handle);

#endif
