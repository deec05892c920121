/* CPU feature detection and the ISA cap (see cpu.h). */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

static const char *const names[] = {"scalar", "sse2", "avx2", "avx2_vnni", "avx512", "avx512_vnni"};

const char *tfl_isa_name(TflIsa isa) {
  return (unsigned)isa < sizeof names / sizeof names[0] ? names[isa] : "unknown";
}

int tfl_isa_parse(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
    if (strcmp(name, names[i]) == 0) return i;
  return -1;
}

static int avx_vnni = -1;

TflIsa tfl_isa_detected(void) {
  static int level = -1;
  if (level >= 0) return (TflIsa)level;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  int l = TFL_ISA_SSE2;
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                     __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  /* AVX-VNNI is CPUID.(EAX=7, ECX=1):EAX bit 4; read directly, as older compilers' __builtin_cpu_supports lack it */
  unsigned a = 0, b = 0, c = 0, dx = 0;
  avx_vnni = avx2 && __get_cpuid_count(7, 1, &a, &b, &c, &dx) && ((a >> 4) & 1u);
  if (avx2) l = avx_vnni ? TFL_ISA_AVX2_VNNI : TFL_ISA_AVX2;
  if (avx2 && avx512) l = __builtin_cpu_supports("avx512vnni") ? TFL_ISA_AVX512_VNNI : TFL_ISA_AVX512;
  level = l;
#else
  avx_vnni = 0;
  level = TFL_ISA_SCALAR;
#endif
  return (TflIsa)level;
}

int tfl_cpu_has_avx_vnni(void) {
  tfl_isa_detected();
  return avx_vnni;
}

/* -2: not read yet; -1: no cap. Written before interpreters run (Python holds the GIL while preparing). */
static int cap = -2;

static int env_cap(void) {
  int c = tfl_isa_parse(getenv("TFLRT_ISA"));
  /* Older switches kept as aliases: TFLRT_DISABLE_AVX2=1 means sse2; TFLRT_QGEMM=c|s means scalar|sse2. */
  const char *dis = getenv("TFLRT_DISABLE_AVX2");
  if (dis && dis[0] == '1' && (c < 0 || c > TFL_ISA_SSE2)) c = TFL_ISA_SSE2;
  const char *qg = getenv("TFLRT_QGEMM");
  const int q = !qg ? -1 : qg[0] == 'c' ? TFL_ISA_SCALAR : qg[0] == 's' ? TFL_ISA_SSE2 : -1;
  if (q >= 0 && (c < 0 || c > q)) c = q;
  return c;
}

TflIsa tfl_isa(void) {
  if (cap == -2) cap = env_cap();
  const TflIsa d = tfl_isa_detected();
  const TflIsa l = cap >= 0 && cap < (int)d ? (TflIsa)cap : d;
  /* 256-bit VNNI needs AVX-VNNI (VEX) or AVX512-VNNI (EVEX, with VL); an AVX-512 CPU without either stays at avx2 */
  if (l == TFL_ISA_AVX2_VNNI && !avx_vnni && d != TFL_ISA_AVX512_VNNI) return TFL_ISA_AVX2;
  return l;
}

TflIsa tfl_set_isa_cap(int c) {
  cap = c < 0 ? -1 : c;
  return tfl_isa();
}

/* AMD family 19h (Zen 4) runs a 512-bit operation as two 256-bit halves; Intel's AVX-512 cores and Zen 5 run it whole.
 * -2: not read yet; -1: detect; 0 / 1: forced (TFLRT_SPLIT512=0|1 or tfl_set_split512). */
static int split_force = -2;

static int split_cpuid(void) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
  const int amd = b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u; /* "AuthenticAMD" */
  if (!amd || !__get_cpuid(1, &a, &b, &c, &d)) return 0;
  const unsigned family = ((a >> 8) & 0xFu) + (((a >> 8) & 0xFu) == 0xFu ? (a >> 20) & 0xFFu : 0u);
  return family == 0x19u;
#else
  return 0;
#endif
}

/* cpuid once: in a virtual machine every cpuid instruction traps to the hypervisor (microseconds) */
static int split_detected(void) {
  static int detected = -1;
  if (detected < 0) detected = split_cpuid(); /* when an interpreter is prepared (the GIL held), never by workers */
  return detected;
}

int tfl_cpu_split512(void) {
  if (split_force == -2) {
    const char *e = getenv("TFLRT_SPLIT512");
    split_force = e && (e[0] == '0' || e[0] == '1') ? e[0] - '0' : -1;
  }
  return split_force >= 0 ? split_force : split_detected();
}

int tfl_set_split512(int v) {
  split_force = v < 0 ? -1 : v != 0;
  return tfl_cpu_split512();
}
