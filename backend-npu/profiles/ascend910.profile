# Ascend 910 (910A, "Atlas training series"): coupled DaVinci Max cores, cube
# and vector in one AI core. Sources in docs/npu.md and NPU-FACTS.md.
# Tags: [pub] published or CANN platform ini; [est] estimate, calibrate me.
name          = ascend910
arch          = coupled
cores         = 32        # [pub] 32 DaVinci Max cores
clock_mhz     = 1000      # [pub, derived] 256 TFLOPS / (32 * 4096 * 2) = 0.98 GHz
event_ids     = 4         # [pub] event ids 0-3 on the training series
fixpipe       = no        # [pub] L0C -> UB goes through PIPE_V

# memories: bytes and start-address alignment
mem.gm.size   = 32G       # [pub] 4 x HBM2
mem.gm.align  = 1
mem.l1.size   = 1M        # [pub]
mem.l1.align  = 32        # [pub]
mem.ub.size   = 256K      # [pub, 3rd-party notes]
mem.ub.align  = 32        # [pub]
mem.l0a.size  = 64K       # [pub]
mem.l0a.align = 512       # [pub] one fractal
mem.l0b.size  = 64K       # [pub]
mem.l0b.align = 512       # [pub]
mem.l0c.size  = 256K      # [pub]
mem.l0c.align = 64        # [pub]

# bandwidth per path, bytes per cycle per core (0 = path does not exist)
bw.gm_l1      = 32        # [est] ~1.2 TB/s HBM shared by 32 cores at 1 GHz
bw.gm_ub      = 32        # [est]
bw.gm_l0a     = 32        # [est]
bw.gm_l0b     = 32        # [est]
bw.ub_gm      = 32        # [est]
bw.ub_l1      = 128       # [est]
bw.ub_ub      = 128       # [est]
bw.l1_ub      = 128       # [pub-like] l1ToUB = 128 in CANN's Ascend310 stub
bw.l1_l0a     = 512       # [pub-like] l1ToL0A = 512 (CANN stub, 910B ini)
bw.l1_l0b     = 256       # [pub-like] l1ToL0B = 256 (CANN stub)
bw.l0c_ub     = 128       # [pub-like] l0CToUB = 128 (CANN stub)
bw.l0c_gm     = 0         # no Fixpipe on 910
bw.l0c_l1     = 0

# fixed start-up latency of a move, cycles, by pipe [est]
lat.v         = 10
lat.mte1      = 20
lat.mte2      = 100
lat.mte3      = 100
lat.fix       = 30

# issue and compute costs, cycles [est unless noted]
cost.dispatch = 1         # scalar unit issues one instruction per cycle
cost.scalar   = 1
cost.sync     = 1
cost.burst    = 2         # [est] per DMA burst after the first (a new descriptor)
cost.vec_issue = 4
vec.simple    = 1         # [pub] 256 bytes per cycle (2048-bit vector)
vec.special   = 4         # exp, ln, sqrt, rsqrt, reciprocal, div
vec.reduce    = 2
vec.conv      = 2
vec.cmp       = 1
cost.mmad_issue = 10
cost.mmad_fractal = 1     # [pub] 4096 fp16 MACs per cycle = one 16x16x16 fractal
