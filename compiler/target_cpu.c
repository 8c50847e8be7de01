/* The host CPU: one staging memory (`local`, ordinary cache-resident
 * memory), the register-blocked matmul micro-kernel for tensorize, and the
 * LLVM emitter of backend-cpu/. The vector width here is the default; a
 * CpuBackend describes its host with its own copy (cpu_backend_desc). */
#include "backend-cpu/cpu.h"
#include "compiler/target.h"

static const TargetScope scopes[] = {
    {SCOPE_LOCAL, 0, 64},
};

static const char *const tensorize_ops[] = {"gemm", NULL};

static const Target cpu = {
    .name = "cpu",
    .scopes = scopes,
    .nscopes = sizeof scopes / sizeof *scopes,
    .vector_bits = 256,
    .tensorize_ops = tensorize_ops,
    .passes = &pass_list_cpu,
    .auto_parallel = true,
    .applies_schedules = true,
    .lookup = cpu_lookup,
    .emit = cpu_emit,
};

const Target *target_cpu_desc(void) { return &cpu; }
