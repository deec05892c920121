/* CPU feature detection and the ISA level kernels dispatch on.
 *
 * Levels are ordered: a kernel family picks the highest variant it has that is <= tfl_isa(). The level is detected once
 * (cpuid via __builtin_cpu_supports) and capped by the TFLRT_ISA environment variable (scalar|sse2|avx2|avx2_vnni|
 * avx512|avx512_vnni) or tfl_set_isa_cap(), so tests can force every lower level on any machine. Code for a level is
 * compiled with per-function target attributes; nothing is built with -march=native. Kernels read the level when a
 * node is prepared and keep their choice in the node's data, so a cap set later applies to interpreters made later.
 * avx2_vnni (256-bit vpdpbusd) runs as VEX AVX-VNNI when the CPU has it, else as EVEX on an AVX512-VNNI CPU; a cap of
 * avx2_vnni on a CPU with neither gives avx2.
 */
#ifndef TFLRT_CPU_H
#define TFLRT_CPU_H

typedef enum {
  TFL_ISA_SCALAR = 0,      /* portable C only */
  TFL_ISA_SSE2 = 1,        /* x86-64 baseline vectors (gcc vector extensions) */
  TFL_ISA_AVX2 = 2,        /* AVX2 + FMA */
  TFL_ISA_AVX2_VNNI = 3,   /* AVX2 + AVX-VNNI (VEX vpdpbusd) */
  TFL_ISA_AVX512 = 4,      /* AVX-512 F/BW/VL/DQ */
  TFL_ISA_AVX512_VNNI = 5, /* AVX-512 F/BW/VL/DQ + AVX512-VNNI */
} TflIsa;

/* The level kernels may use now: min(detected, cap). */
TflIsa tfl_isa(void);
/* What the CPU supports, ignoring any cap. */
TflIsa tfl_isa_detected(void);
/* Whether the CPU has AVX-VNNI (VEX); AVX-512 machines may lack it (then VNNI is EVEX-only). */
int tfl_cpu_has_avx_vnni(void);
/* Cap the level (affects interpreters prepared afterwards); returns the level now in effect. -1 clears the cap. */
TflIsa tfl_set_isa_cap(int cap);
const char *tfl_isa_name(TflIsa isa);
/* Whether the CPU runs 512-bit vector operations as two 256-bit halves (AMD Zen 4): float kernels whose operation
 * count, not their width, bounds them (exact mode's separate multiply and add) then use 256-bit tiles, and fast mode's
 * GEMM keeps long K blocks (gemm.c measures both). A tuning choice only: every tile gives the same bits.
 * TFLRT_SPLIT512=0|1 or tfl_set_split512 (-1: detect again) force it for tests; read when a node is prepared. */
int tfl_cpu_split512(void);
int tfl_set_split512(int v);
/* Parse a level name (as TFLRT_ISA takes); -1 when unknown. */
int tfl_isa_parse(const char *name);

#endif
