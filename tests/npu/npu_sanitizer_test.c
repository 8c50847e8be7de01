/* Every sanitizer check with a program that triggers it and a close variant
 * that does not; messages name the instruction, its index and addresses. */
#include "npu_test_util.h"

/* Runs `body` (with GM x f16[4096] initialised and z f16[4096]) on `blocks`
 * blocks; returns the sim for inspection (freed with the NT). */
static NpuSim *run(NT *t, const char *profile, const char *body, uint32_t blocks)
{
    nt_init(t, profile);
    char prog[4096];
    snprintf(prog, sizeof prog, ".gm x f16 4096\n.gm z f16 4096\n%s", body);
    nt_parse(t, prog);
    static uint16_t x[4096];
    nt_set(t, "x", x, sizeof x);
    npu_sim_set_max_errors(t->s, 50);
    npu_sim_run(t->s, blocks);
    return t->s;
}

static void expect(const char *profile, const char *body, uint32_t blocks, NpuCheck kind, const char *needle)
{
    NT t;
    NpuSim *s = run(&t, profile, body, blocks);
    if (kind == NPU_NCHECK) {
        if (npu_sim_nerrors(s))
            npu_sim_print_errors(s, "t", stderr);
        cr_assert_eq(npu_sim_nerrors(s), 0, "expected a clean run of:\n%s", body);
    } else {
        cr_assert_geq(npu_sim_count(s, kind), 1, "expected %s from:\n%s", npu_check_name(kind), body);
        const NpuError *e = NULL;
        for (size_t i = 0; i < npu_sim_nerrors(s); i++)
            if (npu_sim_error(s, i)->kind == kind && !e)
                e = npu_sim_error(s, i);
        if (needle)
            cr_assert(strstr(e->msg, needle), "message '%s' lacks '%s'", e->msg, needle);
    }
    nt_free(&t);
}

#define LOAD "    dma ub[0], x[0], burst=8\n    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"

Test(sanitizer, out_of_bounds)
{
    expect("ascend910", "    dma ub[262112], x[0], burst=2\n", 1, NPU_CHECK_OOB, "[262112, 262176) lie outside ub (262144 bytes)");
    expect("ascend910", "    dma ub[262112], x[0], burst=1\n", 1, NPU_NCHECK, NULL);
    expect("ascend910b", "    dma ub[196608], x[0], burst=1\n", 1, NPU_CHECK_OOB, "#0 `dma ub[196608], x[0]`");
    expect("ascend910", "    dma ub[0], x[8160], burst=2\n", 1, NPU_CHECK_OOB, "outside x (8192 bytes)");
    expect("ascend910", LOAD "    vadd.f16 ub[262016], ub[0], ub[0], src0rep=0, src1rep=0, repeat=2\n", 1, NPU_CHECK_OOB, NULL);
    expect("ascend910", LOAD "    vadd.f16 ub[261888], ub[0], ub[0], src0rep=0, src1rep=0, repeat=1\n", 1, NPU_NCHECK, NULL);
}

Test(sanitizer, misaligned)
{
    expect("ascend910", "    dma ub[16], x[0], burst=1\n", 1, NPU_CHECK_MISALIGNED, "ub[16] is not 32-byte aligned");
    expect("ascend910", "    dma ub[32], x[2], burst=1\n", 1, NPU_NCHECK, NULL); /* GM needs no alignment */
    expect("ascend910", "    dma l1[0], x[0], burst=16\n    set_flag mte2, mte1, 0\n    wait_flag mte2, mte1, 0\n"
                        "    load2d l0a[256], l1[0]\n", 1, NPU_CHECK_MISALIGNED, "512-byte");
    expect("ascend910", "    dma l1[0], x[0], burst=16\n    set_flag mte2, mte1, 0\n    wait_flag mte2, mte1, 0\n"
                        "    load2d l0a[512], l1[0]\n", 1, NPU_NCHECK, NULL);
}

Test(sanitizer, parameters_out_of_range)
{
    expect("ascend910", "    mov r1, 4096\n    dma ub[0], x[0], nburst=r1\n", 1, NPU_CHECK_PARAM, "nburst=4096 out of range [1, 4095]");
    expect("ascend910", "    mov r1, 4095\n    dma l1[0], x[0], nburst=r1, srcgap=0\n", 1, NPU_CHECK_OOB, NULL);
    expect("ascend910", "    set_flag mte2, v, 4\n    wait_flag mte2, v, 4\n", 1, NPU_CHECK_PARAM, "event id 4 out of range [0, 3]");
    expect("ascend910b", "    set_flag mte2, v, 4\n    wait_flag mte2, v, 4\n", 1, NPU_NCHECK, NULL);
    expect("ascend910", "    pipe_barrier s\n", 1, NPU_CHECK_PARAM, "hardware error");
    expect("ascend910", "    pipe_barrier all\n    pipe_barrier v\n", 1, NPU_NCHECK, NULL);
    expect("ascend910", "    mov r1, 5000\n    mmad l0c[0], l0a[0], l0b[0], m=r1\n", 1, NPU_CHECK_PARAM, "m=5000");
    expect("ascend910", "    mov r2, 0\n    div r1, r1, r2\n", 1, NPU_CHECK_PARAM, "division by zero");
}

Test(sanitizer, races_between_pipes)
{
    /* read-after-write: V reads what MTE2 writes, no flag */
    expect("ascend910", "    dma ub[0], x[0], burst=8\n    vadd.f16 ub[256], ub[0], ub[0]\n", 1, NPU_CHECK_RACE,
           "read-after-write race on ub[0] with instruction #0 `dma ub[0], x[0], burst=8`");
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n", 1, NPU_NCHECK, NULL);
    /* write-after-read: MTE2 overwrites what V still reads */
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n    dma ub[0], x[0], burst=8\n", 1,
           NPU_CHECK_RACE, "race on ub[0]"); /* which side runs first is up to the timing */
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n    set_flag v, mte2, 1\n    wait_flag v, mte2, 1\n"
                        "    dma ub[0], x[0], burst=8\n", 1, NPU_NCHECK, NULL);
    /* a barrier on all pipes orders everything */
    expect("ascend910", "    dma ub[0], x[0], burst=8\n    pipe_barrier all\n    vadd.f16 ub[256], ub[0], ub[0]\n", 1,
           NPU_NCHECK, NULL);
    /* GM: MTE3 writes z, MTE2 reads it back with no flag */
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                        "    dma z[0], ub[256], burst=8\n    dma ub[512], z[0], burst=8\n", 1, NPU_CHECK_RACE, "z[0]");
    /* transitive order through a third pipe is enough */
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                        "    dma z[0], ub[256], burst=8\n    set_flag mte3, mte2, 0\n    wait_flag mte3, mte2, 0\n"
                        "    dma ub[512], z[0], burst=8\n", 1, NPU_NCHECK, NULL);
}

Test(sanitizer, deadlock_is_reported_not_hung)
{
    expect("ascend910", "    wait_flag mte2, v, 0\n    vdup.f16 ub[0], 1.0\n", 1, NPU_CHECK_DEADLOCK,
           "pipe v waits for event 0 from pipe mte2");
    /* a wait before its set in program order is fine: V runs on while MTE2 waits */
    expect("ascend910", "    vdup.f16 ub[0], 1.0\n    wait_flag v, mte2, 0\n    dma ub[256], x[0], burst=1\n"
                        "    set_flag v, mte2, 0\n", 1, NPU_NCHECK, NULL);
    /* two pipes waiting on each other */
    expect("ascend910", "    wait_flag v, mte2, 0\n    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"
                        "    set_flag v, mte2, 0\n", 1, NPU_CHECK_DEADLOCK, "deadlock");
    expect("ascend910", "    wait_flag mte3, s, 1\n", 1, NPU_CHECK_DEADLOCK, "pipe s waits for event 1 from pipe mte3");
}

Test(sanitizer, flags_left_set)
{
    expect("ascend910", "    set_flag mte2, v, 2\n", 1, NPU_CHECK_FLAG_LEFT, "flag (mte2 -> v, event 2) is still set");
    expect("ascend910", "    set_flag mte2, v, 2\n    wait_flag mte2, v, 2\n", 1, NPU_NCHECK, NULL);
}

Test(sanitizer, uninitialised_reads)
{
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[1024]\n", 1, NPU_CHECK_UNINIT, "uninitialised byte ub[1024]");
    expect("ascend910", "    dma ub[0], z[0], burst=1\n", 1, NPU_CHECK_UNINIT, "z[0]");
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0], mask=16\n    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                        "    dma z[0], ub[256], burst=1\n", 1, NPU_NCHECK, NULL);
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0], mask=15\n    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                        "    dma z[0], ub[256], burst=1\n", 1, NPU_CHECK_UNINIT, "ub[286]");
}

Test(sanitizer, two_cores_write_the_same_gm_bytes)
{
    const char *body = LOAD "    block_idx r0\n    mul r0, r0, %d\n    set_flag mte2, mte3, 0\n    wait_flag mte2, mte3, 0\n"
                            "    dma z[r0], ub[0], burst=8\n";
    char b[512];
    snprintf(b, sizeof b, body, 128);
    expect("ascend910", b, 2, NPU_CHECK_GM_OVERLAP, NULL);
    snprintf(b, sizeof b, body, 256);
    expect("ascend910", b, 2, NPU_NCHECK, NULL);
}

Test(sanitizer, unsupported_paths_and_units)
{
    expect("ascend910b", "    fixpipe.f32 ub[0], l0c[0]\n", 1, NPU_CHECK_UNSUPPORTED, NULL);
    expect("ascend910", "    dma l0a[0], x[0]\n", 1, NPU_CHECK_UNSUPPORTED, "dma cannot move gm -> l0a");
    expect("ascend910b", LOAD "    mmad l0c[0], l0a[0], l0b[0]\n", 1, NPU_CHECK_UNSUPPORTED, "separate cube and vector");
    expect("ascend910", "    set_flag m, fix, 0\n    wait_flag m, fix, 0\n", 1, NPU_CHECK_UNSUPPORTED, "no fix pipe");
}

Test(sanitizer, errors_carry_line_and_index)
{
    NT t;
    run(&t, "ascend910", "\n\n    dma ub[16], x[0]\n", 1);
    const NpuError *e = npu_sim_error(t.s, 0);
    cr_assert_eq(e->kind, NPU_CHECK_MISALIGNED);
    cr_assert_eq(e->line, 5);
    cr_assert_eq(e->col, 5);
    cr_assert_eq(e->instr, 0);
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    npu_sim_print_errors(t.s, "p.npuasm", f);
    fclose(f);
    cr_assert(strstr(buf, "p.npuasm:5:5: error[misaligned]: block 0, instruction #0 `dma ub[16], x[0]`"), "%s", buf);
    free(buf);
    nt_free(&t);
}

Test(sanitizer, event_pairs_and_setting_twice)
{
    expect("ascend910", "    set_flag mte2, mte2, 0\n    wait_flag mte2, mte2, 0\n", 1, NPU_CHECK_SYNC, "not an event pair");
    expect("ascend910", "    set_flag s, m, 0\n    wait_flag s, m, 0\n", 1, NPU_CHECK_SYNC, "s_m");
    expect("ascend910b", "    set_flag m, v, 0\n    wait_flag m, v, 0\n", 1, NPU_CHECK_UNSUPPORTED, "has no pipe m");
    expect("ascend910b", "    set_flag v, s, 0\n    wait_flag v, s, 0\n", 1, NPU_NCHECK, NULL);
    expect("ascend910", "    set_flag mte2, v, 1\n    set_flag mte2, v, 1\n    wait_flag mte2, v, 1\n"
                        "    wait_flag mte2, v, 1\n", 1, NPU_CHECK_SYNC, "set again before a wait_flag");
    expect("ascend910", "    set_flag mte2, v, 1\n    wait_flag mte2, v, 1\n    set_flag mte2, v, 1\n"
                        "    wait_flag mte2, v, 1\n", 1, NPU_NCHECK, NULL);
}

Test(sanitizer, fixpipe_nz2nd_needs_a_fixpipe)
{
    expect("ascend910", "    fixpipe.f32 ub[0], l0c[0], nz2nd=1\n", 1, NPU_CHECK_UNSUPPORTED, "NZ -> ND");
}

Test(sanitizer, reduction_output_alignment)
{
    expect("ascend910", LOAD "    vcadd.f16 ub[258], ub[0]\n", 1, NPU_CHECK_MISALIGNED, "4-byte");
    expect("ascend910", LOAD "    vcadd.f16 ub[260], ub[0]\n", 1, NPU_NCHECK, NULL);
}

Test(sanitizer, same_pipe_hazards_need_a_barrier)
{
    const char *raw = LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n%s    vmul.f16 ub[512], ub[256], ub[256]\n";
    char b[512];
    snprintf(b, sizeof b, raw, "");
    expect("ascend910", b, 1, NPU_CHECK_HAZARD, "read-after-write on ub[256]");
    snprintf(b, sizeof b, raw, "    pipe_barrier v\n");
    expect("ascend910", b, 1, NPU_NCHECK, NULL);
    expect("ascend910", LOAD "    vadd.f16 ub[256], ub[0], ub[0]\n    vmul.f16 ub[256], ub[0], ub[0]\n", 1,
           NPU_CHECK_HAZARD, "write-after-write");
}

Test(sanitizer, overlapping_vector_operands)
{
    /* in place, lane for lane: fine; shifted by one block: not */
    expect("ascend910", LOAD "    vadds.f16 ub[0], ub[0], 1.0\n", 1, NPU_NCHECK, NULL);
    expect("ascend910", LOAD "    vadds.f16 ub[32], ub[0], 1.0, mask=16\n", 1, NPU_NCHECK, NULL);
    expect("ascend910", LOAD "    vadds.f16 ub[32], ub[0], 1.0\n", 1, NPU_CHECK_OVERLAP, "overlap");
    /* a narrowing cast in place */
    expect("ascend910", LOAD "    vconv.f16.f32 ub[0], ub[0], mask=8\n", 1, NPU_CHECK_OVERLAP, NULL);
    /* accumulating into one repeat through src1 is the published exception */
    expect("ascend910", "    dma ub[0], x[0], burst=16\n    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"
                        "    vadd.f16 ub[256], ub[0], ub[256], repeat=2, dstrep=0, src1rep=0, src0rep=0\n", 1,
           NPU_NCHECK, NULL);
    expect("ascend910", LOAD "    vadds.f16 ub[0], ub[0], 1.0, repeat=2, dstrep=0, src0rep=0\n", 1,
           NPU_CHECK_OVERLAP, NULL);
}
