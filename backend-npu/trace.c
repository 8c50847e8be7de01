/* Chrome-trace JSON timeline of a run (chrome://tracing, Perfetto): one
 * process per block, one thread per pipe, one X event per instruction.
 * Times are cycles on the block's core: when block_dim exceeds the core
 * count, a core's later blocks start where its earlier ones ended. */
#include "backend-npu/sim.h"

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", *s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

bool npu_sim_write_trace(const NpuSim *s, FILE *out)
{
    if (!s->trace_on)
        return false;
    double us = 1.0 / s->prof.clock_mhz; /* microseconds per cycle */
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", out);
    bool first = true;
    for (uint32_t b = 0; b < s->block_dim && b < 1024; b++) {
        fprintf(out, "%s{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"args\":{\"name\":\"block %u (core %u)\"}}",
                first ? "" : ",\n", b, b, s->block_core ? s->block_core[b] : b);
        first = false;
        for (int p = 0; p < NPU_NPIPE; p++) {
            fprintf(out, "%s{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%d,\"args\":{\"name\":\"PIPE_%s\"}}",
                    first ? "" : ",\n", b, p, npu_pipe_name((NpuPipe)p));
        }
    }
    char text[256];
    for (size_t i = 0; i < s->ntr; i++) {
        const TraceEv *e = &s->tr[i];
        const NpuInstr *in = &s->prog->ins.v[e->sidx];
        npu_instr_format(s->prog, in, text, sizeof text);
        fprintf(out, "%s{\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":%.4f,\"dur\":%.4f,\"name\":", first ? "" : ",\n",
                e->block, e->pipe, (double)e->start * us, (double)(e->end - e->start) * us);
        json_str(out, npu_op_name(in->op));
        fprintf(out, ",\"args\":{\"instr\":%u,\"line\":%u,\"start_cycle\":%llu,\"cycles\":%llu,\"asm\":", e->sidx,
                in->line, (unsigned long long)e->start, (unsigned long long)(e->end - e->start));
        json_str(out, text);
        fputs("}}", out);
        first = false;
    }
    fputs("\n]}\n", out);
    return true;
}
