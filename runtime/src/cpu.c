/* CPU feature detection and the ISA cap (see cpu.h). */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* AVX-VNNI is CPUID.(EAX=7,ECX=1):EAX bit 4; asked directly (clang's __builtin_cpu_supports lacks "avxvnni"). */
static int cpuid_avx_vnni(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
  return (a >> 4) & 1;
}
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
  avx_vnni = avx2 && cpuid_avx_vnni();
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
  /* Older switches kept: TFLRT_DISABLE_AVX2=1 and TFLRT_QGEMM=c|s meant "no AVX2". */
  const char *dis = getenv("TFLRT_DISABLE_AVX2");
  if (dis && dis[0] == '1' && (c < 0 || c > TFL_ISA_SSE2)) c = TFL_ISA_SSE2;
  return c;
}

TflIsa tfl_isa(void) {
  if (cap == -2) cap = env_cap();
  const TflIsa d = tfl_isa_detected();
  return cap >= 0 && cap < (int)d ? (TflIsa)cap : d;
}

TflIsa tfl_set_isa_cap(int c) {
  cap = c < 0 ? -1 : c;
  return tfl_isa();
}
