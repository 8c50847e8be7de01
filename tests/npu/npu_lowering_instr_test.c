/* The instructions the compiler's NPU lowering needs beyond TIK's basics:
 * byte-exact DMA (dma_pad, as DataCopyPad), scalar ld/st of one UB element
 * (GetValue/SetValue), the vbrcb broadcast (Brcb) and the dense default
 * strides of narrowing and widening casts. */
#include "npu_test_util.h"

static const char *errors_of(NT *t)
{
    static char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    npu_sim_print_errors(t->s, "t", f);
    fclose(f);
    return buf;
}

/* Byte-exact bursts: 3 bursts of 50 bytes at GM stride 64 into UB (each
 * burst padded to 64 bytes there) and back to GM at stride 60; the bytes
 * between the bursts in z keep their old contents. */
Test(lowering_instr, dma_pad_moves_exact_bytes)
{
    NT t;
    nt_init(&t, "ascend910b");
    nt_parse(&t, ".gm x u8 1000\n.gm z u8 1000\n"
                 "    dma_pad ub[0], x[3], nburst=3, len=50, srcgap=14\n"
                 "    set_flag mte2, mte3, 0\n    wait_flag mte2, mte3, 0\n"
                 "    dma_pad z[1], ub[0], nburst=3, len=50, dstgap=10\n");
    uint8_t x[1000], z[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = (uint8_t)(i * 7 + 1), z[i] = 0xAA;
    nt_set(&t, "x", x, sizeof x);
    nt_set(&t, "z", z, sizeof z);
    nt_run_ok(&t, 1);
    const uint8_t *o = nt_get(&t, "z");
    for (int i = 0; i < 1000; i++) {
        int b = (i - 1) / 60, k = (i - 1) % 60;
        bool in = i >= 1 && b < 3 && k < 50;
        cr_assert_eq(o[i], in ? x[3 + b * 64 + k] : 0xAA, "z[%d]", i);
    }
    const NpuReport *r = npu_sim_report(t.s);
    cr_assert_eq(r->bytes[NPU_PATH_GM_UB], 150);
    cr_assert_eq(r->bytes[NPU_PATH_UB_GM], 150);
    nt_free(&t);
}

/* The tail of a tensor whose size is not a multiple of 32 bytes: dma_pad
 * reads exactly to its end, where a whole-block dma leaves it. */
Test(lowering_instr, dma_pad_tail_stays_in_bounds)
{
    const char *progs[2] = {"    dma_pad ub[0], x[1984], len=16\n", "    dma ub[0], x[1984], burst=1\n"};
    for (int i = 0; i < 2; i++) {
        NT t;
        nt_init(&t, "ascend910");
        char p[256];
        snprintf(p, sizeof p, ".gm x f16 1000\n%s", progs[i]);
        nt_parse(&t, p);
        static uint16_t x[1000];
        nt_set(&t, "x", x, sizeof x);
        bool ok = npu_sim_run(t.s, 1);
        cr_assert_eq(ok, i == 0, "%s", errors_of(&t));
        if (i == 1)
            cr_assert_eq(npu_sim_count(t.s, NPU_CHECK_OOB), 1);
        nt_free(&t);
    }
}

/* The pad bytes after a burst in UB are undefined: reading them is an
 * uninitialised read, a mask that stops at the burst's end is clean. */
Test(lowering_instr, dma_pad_padding_is_undefined)
{
    for (int mask = 25; mask <= 26; mask++) {
        NT t;
        nt_init(&t, "ascend910");
        char p[512];
        snprintf(p, sizeof p, ".gm x f16 25\n.gm z f16 25\n"
                 "    dma_pad ub[0], x[0], len=50\n    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"
                 "    vadds.f16 ub[256], ub[0], 1.0, mask=%d\n    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                 "    dma_pad z[0], ub[256], len=50\n", mask);
        nt_parse(&t, p);
        uint16_t x[25];
        for (int i = 0; i < 25; i++)
            x[i] = h((float)i);
        nt_set(&t, "x", x, sizeof x);
        npu_sim_run(t.s, 1);
        if (mask == 25) {
            cr_assert_eq(npu_sim_nerrors(t.s), 0, "%s", errors_of(&t));
            const uint16_t *z = nt_get(&t, "z");
            for (int i = 0; i < 25; i++)
                cr_assert_eq(z[i], h((float)i + 1.0f));
        } else {
            cr_assert_eq(npu_sim_count(t.s, NPU_CHECK_UNINIT), 1, "%s", errors_of(&t));
            cr_assert(strstr(errors_of(&t), "ub[50]"), "%s", errors_of(&t));
        }
        nt_free(&t);
    }
}

/* Two blocks writing neighbouring byte ranges that share a 32-byte block
 * of GM do not overlap. */
Test(lowering_instr, dma_pad_blocks_write_adjacent_bytes)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm x u8 100\n.gm z u8 100\n"
                 "    block_idx r0\n    mul r1, r0, 50\n"
                 "    dma_pad ub[0], x[r1], len=50\n    set_flag mte2, mte3, 0\n    wait_flag mte2, mte3, 0\n"
                 "    dma_pad z[r1], ub[0], len=50\n");
    uint8_t x[100];
    for (int i = 0; i < 100; i++)
        x[i] = (uint8_t)(3 * i);
    nt_set(&t, "x", x, sizeof x);
    nt_run_ok(&t, 2);
    cr_assert_eq(memcmp(nt_get(&t, "z"), x, 100), 0);
    nt_free(&t);
}

/* Cost: each burst pays for the 32-byte GM blocks it touches and, after
 * the first, the profile's per-burst overhead. */
Test(lowering_instr, dma_cost_counts_bursts_and_blocks)
{
    const char *progs[3] = {
        "    dma ub[0], x[0], burst=64\n",                 /* 1 burst of 2048 bytes */
        "    dma ub[0], x[0], nburst=64, burst=1\n",       /* 64 bursts of 32 bytes */
        "    dma_pad ub[0], x[1], nburst=64, len=32, srcgap=0\n", /* each burst straddles 2 blocks */
    };
    uint64_t c[3];
    NpuProfile prof;
    for (int i = 0; i < 3; i++) {
        NT t;
        nt_init(&t, "ascend910");
        char p[256];
        snprintf(p, sizeof p, ".gm x u8 4096\n%s", progs[i]);
        nt_parse(&t, p);
        static uint8_t x[4096];
        nt_set(&t, "x", x, sizeof x);
        nt_run_ok(&t, 1);
        c[i] = npu_sim_report(t.s)->busy[NPU_PIPE_MTE2];
        prof = t.prof;
        nt_free(&t);
    }
    uint64_t lat = prof.lat[NPU_PIPE_MTE2], bw = (uint64_t)prof.bw[NPU_PATH_GM_UB];
    cr_assert_eq(c[0], lat + 2048 / bw);
    cr_assert_eq(c[1], lat + 2048 / bw + 63 * prof.burst);
    cr_assert_eq(c[2], lat + 2 * 2048 / bw + 63 * prof.burst);
}

/* ld reads one UB element into a register after the vector pipe wrote it
 * (v -> s flag); the register then serves as an address and as the scalar
 * of a vector instruction; st writes a register back (s -> v flag). */
Test(lowering_instr, scalar_load_store)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm z f16 128\n"
                 "    vdup.f16 ub[0], 2.5, mask=16\n"
                 "    vdup.i32 ub[32], 96, mask=8\n"
                 "    set_flag v, s, 0\n    wait_flag v, s, 0\n"
                 "    ld.f16 r1, ub[6]\n"          /* 2.5 as f16 bits */
                 "    ld.i32 r2, ub[36]\n"         /* 96: an address */
                 "    mov r3, 0xbc00\n"           /* -1.0 in f16 */
                 "    st.f16 ub[r2+2], r3\n"
                 "    st.f16 ub[r2], r1\n"
                 "    set_flag s, v, 0\n    wait_flag s, v, 0\n"
                 "    vadds.f16 ub[128], ub[96], r1, mask=2\n"
                 "    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                 "    dma_pad z[0], ub[128], len=4\n");
    nt_run_ok(&t, 1);
    const uint16_t *z = nt_get(&t, "z");
    cr_assert_eq(z[0], h(5.0f));
    cr_assert_eq(z[1], h(1.5f));
    nt_free(&t);
}

Test(lowering_instr, scalar_access_needs_flags)
{
    /* st then a vector read with no s -> v flag is a race */
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, "    mov r1, 7\n    st.i16 ub[0], r1\n    vadds.i16 ub[256], ub[0], 1, mask=1\n");
    cr_assert_not(npu_sim_run(t.s, 1));
    cr_assert_eq(npu_sim_count(t.s, NPU_CHECK_RACE), 1, "%s", errors_of(&t));
    nt_free(&t);
    /* a vector write then ld with no v -> s flag is a race */
    nt_init(&t, "ascend910");
    nt_parse(&t, "    vdup.i16 ub[0], 1, mask=1\n    ld.i16 r1, ub[0]\n");
    cr_assert_not(npu_sim_run(t.s, 1));
    cr_assert_eq(npu_sim_count(t.s, NPU_CHECK_RACE), 1, "%s", errors_of(&t));
    nt_free(&t);
    /* pipe_barrier all orders both */
    nt_init(&t, "ascend910");
    nt_parse(&t, "    vdup.i16 ub[0], 1, mask=1\n    pipe_barrier all\n    ld.i16 r1, ub[0]\n"
                 "    st.i16 ub[32], r1\n    pipe_barrier all\n    vadds.i16 ub[256], ub[32], 1, mask=1\n");
    nt_run_ok(&t, 1);
    nt_free(&t);
    /* only UB, naturally aligned */
    nt_init(&t, "ascend910");
    nt_parse(&t, "    mov r1, 7\n    st.i32 ub[2], r1\n");
    cr_assert_not(npu_sim_run(t.s, 1));
    cr_assert_eq(npu_sim_count(t.s, NPU_CHECK_MISALIGNED), 1, "%s", errors_of(&t));
    nt_free(&t);
}

/* vbrcb: element i of each group of 8 fills destination block i. */
Test(lowering_instr, vbrcb_broadcasts_each_element_to_a_block)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm x f32 16\n.gm z f32 1024\n"
                 "    dma ub[0], x[0], burst=2\n    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"
                 "    vdup.f32 ub[1024], 0, repeat=16\n"
                 "    pipe_barrier v\n"
                 "    vbrcb.f32 ub[1024], ub[0], repeat=2, dstblk=2, dstrep=16\n"
                 "    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                 "    dma z[0], ub[1024], burst=128\n");
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)(i + 1);
    nt_set(&t, "x", x, sizeof x);
    nt_run_ok(&t, 1);
    const float *z = nt_get(&t, "z");
    for (int blk = 0; blk < 32; blk++)
        for (int j = 0; j < 8; j++) {
            int r = blk / 16, i = (blk % 16) / 2;
            float want = blk % 2 == 0 ? x[r * 8 + i] : 0;
            cr_assert_eq(z[blk * 8 + j], want, "block %d lane %d", blk, j);
        }
    nt_free(&t);
}

/* Narrowing casts pack their repeats by default (f32 -> f16 writes 128
 * bytes per repeat, so dstrep defaults to 4); widening ones read packed
 * sources (src0rep 4). */
Test(lowering_instr, cast_default_strides_are_dense)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm x f32 256\n.gm z f16 256\n.gm w f32 256\n"
                 "    dma ub[0], x[0], burst=32\n    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"
                 "    vconv.f16.f32 ub[1024], ub[0], repeat=4\n"
                 "    pipe_barrier v\n"
                 "    vconv.f32.f16 ub[2048], ub[1024], repeat=4\n"
                 "    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                 "    dma z[0], ub[1024], burst=16\n    dma w[0], ub[2048], burst=32\n");
    float x[256];
    for (int i = 0; i < 256; i++)
        x[i] = (float)i * 0.25f;
    nt_set(&t, "x", x, sizeof x);
    nt_run_ok(&t, 1);
    const uint16_t *z = nt_get(&t, "z");
    const float *w = nt_get(&t, "w");
    for (int i = 0; i < 256; i++) {
        cr_assert_eq(z[i], h(x[i]), "z[%d]", i);
        cr_assert_eq(w[i], x[i], "w[%d]", i);
    }
    const NpuInstr *in = &t.p->ins.v[3];
    cr_assert_eq(in->p[NPU_PARAM_DSTREP].imm, 4);
    cr_assert_eq(in->p[NPU_PARAM_SRC0REP].imm, 8);
    cr_assert_eq(t.p->ins.v[5].p[NPU_PARAM_SRC0REP].imm, 4);
    cr_assert_eq(t.p->ins.v[5].p[NPU_PARAM_DSTREP].imm, 8);
    NpuProgram *p = npu_program_new(&t.a);
    cr_assert_eq(npu_emit_typed(p, NPU_OP_VCONV, NPU_DT_I8, NPU_DT_F32)->p[NPU_PARAM_DSTREP].imm, 2);
    nt_free(&t);
}
