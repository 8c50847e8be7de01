# Ascend 910B (Atlas A2, NpuArch 2201): split architecture, cube cores (AIC)
# and vector cores (AIV) separate. Sources in docs/npu.md and NPU-FACTS.md.
# Tags: [pub] published or CANN platform ini; [est] estimate, calibrate me.
name          = ascend910b
arch          = split
cube_cores    = 24        # [pub] 910B2 ini: 24 AIC
vector_cores  = 48        # [pub] 48 AIV
clock_mhz     = 1800      # [pub] 910B2 ini cube_freq
event_ids     = 8         # [pub] event ids 0-7 on A2
fixpipe       = yes       # [pub] L0C -> GM/L1 on PIPE_FIX

mem.gm.size   = 64G       # [pub] 910B1 ini memory_size
mem.gm.align  = 1
mem.l1.size   = 512K      # [pub] ini l1_size 524288
mem.l1.align  = 32        # [pub]
mem.ub.size   = 192K      # [pub] ini ub_size 196608, per AIV
mem.ub.align  = 32        # [pub]
mem.l0a.size  = 64K       # [pub]
mem.l0a.align = 512       # [pub]
mem.l0b.size  = 64K       # [pub]
mem.l0b.align = 512       # [pub]
mem.l0c.size  = 128K      # [pub] ini l0_c_size 131072
mem.l0c.align = 64        # [pub]

bw.gm_l1      = 32        # [pub] ini ddr_rate 32 B/cycle/core (910B4)
bw.gm_ub      = 32        # [pub] same rate
bw.gm_l0a     = 32        # [est]
bw.gm_l0b     = 32        # [est]
bw.ub_gm      = 64        # [pub] ini ub_to_l2_rate 64 (910B1)
bw.ub_l1      = 0         # AIV has no L1
bw.ub_ub      = 128       # [est]
bw.l1_ub      = 0
bw.l1_l0a     = 512       # [pub] ini l1_to_l0_a_rate 512
bw.l1_l0b     = 256       # [est] from the CANN stub's l1ToL0B
bw.l0c_ub     = 0         # [pub] CO2 is GM on A2: no L0C -> UB
bw.l0c_gm     = 64        # [est]
bw.l0c_l1     = 128       # [est]

lat.v         = 10        # [est]
lat.mte1      = 20        # [est]
lat.mte2      = 100       # [est]
lat.mte3      = 100       # [est]
lat.fix       = 30        # [est]

cost.dispatch = 1
cost.scalar   = 1
cost.sync     = 1
cost.burst    = 2         # [est] per DMA burst after the first (a new descriptor)
cost.vec_issue = 4        # [est]
vec.simple    = 1         # [est] 256 bytes per repeat per cycle
vec.special   = 4         # [est]
vec.reduce    = 2         # [est]
vec.conv      = 2         # [est]
vec.cmp       = 1         # [est]
cost.mmad_issue = 10      # [est]
cost.mmad_fractal = 1     # [pub] 16x16x16 fp16 fractal per cycle
