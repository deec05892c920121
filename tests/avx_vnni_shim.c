/* AVX-VNNI for x86-64 processes whose CPU or emulator lacks it: trap and emulate VEX vpdpbusd (test helper, not
 * shipped; loaded with LD_PRELOAD, or built with -DTFLC_SHIM_PROBE as a program that runs its self-test).
 *
 * No emulator on Debian's or PyPI's registries executes AVX-VNNI: qemu-user's TCG (7.2, 10.0) raises SIGILL on VEX
 * vpdpbusd, though `-cpu max,+avx-vnni,x-force-features=on` makes its CPUID report the feature. This library
 * supplies the missing instruction: its SIGILL handler computes VEX.128/256.66.0F38.W0 50 /r from the registers and
 * memory in the signal frame (per 32-bit lane, the lane plus four products of the first source's unsigned bytes and
 * the second source's signed bytes, wrapping) and steps over it. Two uses:
 *   - under qemu-x86_64 (10.0 works; 7.2 stops with SIGSEGV in the self-test) with the forced CPUID: qemu has no
 *     AVX-512, so the process sees an AVX2 + AVX-VNNI CPU and any AVX-512 instruction would fault;
 *   - natively with TFLC_SHIM_CPUID=1 on a CPU with CPUID faulting (Linux ARCH_SET_CPUID): CPUID faults and the
 *     SIGSEGV handler reports AVX-VNNI (leaf 7.1 EAX bit 4) and no AVX-512 feature; all else runs on the CPU.
 * Counters (tflc_shim_cpuid_traps, tflc_shim_vnni_emulated) tell a test what was emulated; tflc_shim_selftest checks
 * the instruction against the CPU's EVEX vpdpbusd when it has AVX512-VNNI, else against a scalar sum.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <immintrin.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

unsigned long tflc_shim_cpuid_traps, tflc_shim_vnni_emulated;
int tflc_shim_sigill;       /* 1: the vpdpbusd handler is installed */
int tflc_shim_cpuid_faked;  /* 1: CPUID faults and reports AVX2 + AVX-VNNI without AVX-512 (TFLC_SHIM_CPUID=1) */
int tflc_shim_cpuid_avx_vnni; /* CPUID as the process started reported AVX-VNNI (a CPU that has it, or qemu forced) */
static int real_avx512_vnni;
static unsigned off_ymm_hi, off_zmm_hi; /* XSAVE (standard format) offsets of YMM_Hi128 and ZMM_Hi256 */

static long set_cpuid(int enabled) { return syscall(SYS_arch_prctl, ARCH_SET_CPUID, enabled); }

static void cpuid_faked(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
  if (leaf == 7 && sub == 0) {
    if (r[0] < 1) r[0] = 1; /* leaf 7 has subleaf 1 */
    /* EBX: avx512 f, dq, ifma, pf, er, cd, bw, vl */
    r[1] &= ~((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31));
    /* ECX: avx512 vbmi, vbmi2, vnni, bitalg, vpopcntdq */
    r[2] &= ~((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14));
    /* EDX: avx512 4vnniw, 4fmaps, vp2intersect, fp16 */
    r[3] &= ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 23));
  } else if (leaf == 7 && sub == 1) {
    r[0] = (r[0] | (1u << 4)) & ~(1u << 5); /* AVX-VNNI on, AVX512-BF16 off */
  }
}

static void give_up(int sig) { /* not an instruction we emulate: default action on re-execution */
  signal(sig, SIG_DFL);
}

static void on_segv(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = (ucontext_t *)ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  const uint8_t *ip = (const uint8_t *)g[REG_RIP];
  if (ip[0] != 0x0f || ip[1] != 0xa2) return give_up(sig);
  uint32_t r[4];
  set_cpuid(1);
  cpuid_faked((uint32_t)g[REG_RAX], (uint32_t)g[REG_RCX], r);
  set_cpuid(0);
  g[REG_RAX] = r[0];
  g[REG_RBX] = r[1];
  g[REG_RCX] = r[2];
  g[REG_RDX] = r[3];
  g[REG_RIP] += 2;
  __atomic_fetch_add(&tflc_shim_cpuid_traps, 1, __ATOMIC_RELAXED);
}

static const int gpr_index[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                  REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

/* Decodes one VEX vpdpbusd at ip: its length, registers and memory operand (NULL for a register). 0: not one. */
static int decode(const uint8_t *ip, const greg_t *g, int *len, int *l256, int *dst, int *src1, int *src2,
                  const uint8_t **mem) {
  if (ip[0] != 0xc4) return 0;
  const uint8_t b1 = ip[1], b2 = ip[2];
  if ((b1 & 0x1f) != 2 || (b2 & 0x80) || (b2 & 3) != 1 || ip[3] != 0x50) return 0; /* map 0F38, W0, 66, op 50 */
  const int R = !(b1 & 0x80), X = !(b1 & 0x40), B = !(b1 & 0x20);
  *l256 = (b2 >> 2) & 1;
  *src1 = (~b2 >> 3) & 15;
  const uint8_t modrm = ip[4];
  const int mod = modrm >> 6, rm = modrm & 7;
  *dst = ((modrm >> 3) & 7) | R << 3;
  int n = 5;
  *mem = NULL;
  if (mod == 3) {
    *src2 = rm | B << 3;
    *len = n;
    return 1;
  }
  *src2 = -1;
  uint64_t addr = 0;
  int disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0, rip_rel = 0;
  if (rm == 4) {
    const uint8_t sib = ip[n++];
    const int scale = sib >> 6, index = ((sib >> 3) & 7) | X << 3, base = sib & 7;
    if (index != 4) addr += (uint64_t)g[gpr_index[index]] << scale;
    if (base == 5 && mod == 0) disp_bytes = 4;
    else addr += (uint64_t)g[gpr_index[base | B << 3]];
  } else if (rm == 5 && mod == 0) {
    rip_rel = 1;
    disp_bytes = 4;
  } else {
    addr += (uint64_t)g[gpr_index[rm | B << 3]];
  }
  int64_t disp = 0;
  if (disp_bytes == 1) disp = (int8_t)ip[n];
  if (disp_bytes == 4) {
    int32_t d;
    memcpy(&d, ip + n, 4);
    disp = d;
  }
  n += disp_bytes;
  if (rip_rel) addr = (uint64_t)ip + (uint64_t)n;
  *mem = (const uint8_t *)(addr + (uint64_t)disp);
  *len = n;
  return 1;
}

static void on_ill(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = (ucontext_t *)ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  uint8_t *fx = (uint8_t *)uc->uc_mcontext.fpregs;
  int len, l256, dst, src1, src2;
  const uint8_t *mem;
  if (!fx || !decode((const uint8_t *)g[REG_RIP], g, &len, &l256, &dst, &src1, &src2, &mem)) return give_up(sig);
  uint32_t magic, xsize;
  uint64_t xfeatures, xstate_bv;
  memcpy(&magic, fx + 464, 4);
  memcpy(&xfeatures, fx + 472, 8);
  memcpy(&xsize, fx + 480, 4);
  if (magic != 0x46505853u || !(xfeatures & 4) || xsize < off_ymm_hi + 256) return give_up(sig);
  memcpy(&xstate_bv, fx + 512, 8);
  uint8_t a[32], b[32], acc[32];
  /* register i: low half in the FXSAVE xmm slots, high half in YMM_Hi128 (zero while that state is in its init) */
#define YMM_LOAD(dstbuf, reg)                                                                                          \
  do {                                                                                                                 \
    memcpy(dstbuf, fx + 160 + 16 * (reg), 16);                                                                         \
    if (xstate_bv & 4) memcpy(dstbuf + 16, fx + off_ymm_hi + 16 * (reg), 16);                                          \
    else memset(dstbuf + 16, 0, 16);                                                                                   \
  } while (0)
  YMM_LOAD(acc, dst);
  YMM_LOAD(a, src1);
  if (mem) memcpy(b, mem, l256 ? 32 : 16);
  else YMM_LOAD(b, src2);
#undef YMM_LOAD
  const int lanes = l256 ? 8 : 4;
  for (int i = 0; i < lanes; ++i) {
    uint32_t s;
    memcpy(&s, acc + 4 * i, 4);
    for (int j = 0; j < 4; ++j) s += (uint32_t)((int32_t)a[4 * i + j] * (int32_t)(int8_t)b[4 * i + j]);
    memcpy(acc + 4 * i, &s, 4);
  }
  if (!l256) memset(acc + 16, 0, 16); /* VEX.128 zeroes the destination above bit 127 */
  memcpy(fx + 160 + 16 * dst, acc, 16);
  memcpy(fx + off_ymm_hi + 16 * dst, acc + 16, 16);
  xstate_bv |= 4;
  /* ... and above bit 255 on a CPU with 512-bit registers */
  if ((xstate_bv & 0x40) && off_zmm_hi && xsize >= off_zmm_hi + 512) memset(fx + off_zmm_hi + 32 * dst, 0, 32);
  memcpy(fx + 512, &xstate_bv, 8);
  g[REG_RIP] += len;
  __atomic_fetch_add(&tflc_shim_vnni_emulated, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void shim_init(void) {
  unsigned a, b, c, d;
  if (__get_cpuid_count(0xd, 2, &a, &b, &c, &d)) off_ymm_hi = b;
  if (__get_cpuid_count(0xd, 6, &a, &b, &c, &d)) off_zmm_hi = b;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    real_avx512_vnni = ((c >> 11) & 1) && ((b >> 31) & 1); /* AVX512-VNNI with VL: 256-bit EVEX vpdpbusd */
    tflc_shim_cpuid_avx_vnni = a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 4) & 1);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sa.sa_sigaction = on_ill;
  if (!off_ymm_hi || sigaction(SIGILL, &sa, NULL) != 0) return;
  tflc_shim_sigill = 1;
  const char *fake = getenv("TFLC_SHIM_CPUID");
  if (!fake || strcmp(fake, "1") != 0) return;
  sa.sa_sigaction = on_segv;
  if (sigaction(SIGSEGV, &sa, NULL) != 0) return;
  if (set_cpuid(0) != 0) return; /* no CPUID faulting (CPU, kernel or emulator): tflc_shim_cpuid_faked stays 0 */
  tflc_shim_cpuid_faked = 1;
}

/* ---- self-test: the emulated VEX form against the CPU's EVEX form (or a scalar sum), register and memory forms */
__attribute__((target("avx2,avxvnni"))) static void vex_forms(const uint8_t *x, const int8_t *w, int32_t *acc) {
  /* ymm: register with registers 8-15 (VEX.R/B/vvvv high bits), memory through a base + index * 4 + disp8 */
  __asm__ volatile("vmovdqu (%0), %%ymm9\n\t"
                   "vmovdqu (%1), %%ymm12\n\t"
                   "vmovdqu (%2), %%ymm14\n\t"
                   "%{vex%} vpdpbusd %%ymm12, %%ymm9, %%ymm14\n\t"
                   "vmovdqu %%ymm14, (%2)\n\t"
                   "vmovdqu 32(%2), %%ymm3\n\t"
                   "%{vex%} vpdpbusd 8(%1,%3,4), %%ymm9, %%ymm3\n\t"
                   "vmovdqu %%ymm3, 32(%2)\n\t"
                   "vmovdqu 64(%2), %%ymm5\n\t"
                   "%{vex%} vpdpbusd %%xmm12, %%xmm9, %%xmm5\n\t"
                   "vmovdqu %%ymm5, 64(%2)\n\t"
                   :
                   : "r"(x), "r"(w), "r"(acc), "r"((long)-2)
                   : "xmm3", "xmm5", "xmm9", "xmm12", "xmm14", "memory");
}

__attribute__((target("avx2,avx512f,avx512vl,avx512vnni"))) static void evex_forms(const uint8_t *x, const int8_t *w,
                                                                                    int32_t *acc) {
  const __m256i vx = _mm256_loadu_si256((const __m256i *)x), vw = _mm256_loadu_si256((const __m256i *)w);
  _mm256_storeu_si256((__m256i *)acc, _mm256_dpbusd_epi32(_mm256_loadu_si256((const __m256i *)acc), vx, vw));
  const __m256i w2 = _mm256_loadu_si256((const __m256i *)w); /* 8 + 4 * -2 = 0: the same bytes */
  const __m256i a8 = _mm256_loadu_si256((const __m256i *)(acc + 8));
  _mm256_storeu_si256((__m256i *)(acc + 8), _mm256_dpbusd_epi32(a8, vx, w2));
  const __m128i lo = _mm_dpbusd_epi32(_mm_loadu_si128((const __m128i *)(acc + 16)), _mm256_castsi256_si128(vx),
                                      _mm256_castsi256_si128(vw));
  _mm256_storeu_si256((__m256i *)(acc + 16), _mm256_zextsi128_si256(lo));
}

static void scalar_forms(const uint8_t *x, const int8_t *w, int32_t *acc) {
  for (int f = 0; f < 3; ++f)
    for (int i = 0; i < 8; ++i) {
      uint32_t s = (uint32_t)acc[8 * f + i];
      if (f == 2 && i >= 4) {
        acc[8 * f + i] = 0;
        continue;
      }
      for (int j = 0; j < 4; ++j) s += (uint32_t)(x[4 * i + j] * w[4 * i + j]);
      acc[8 * f + i] = (int32_t)s;
    }
}

/* Mismatching lanes over n random cases of three forms (0: the instruction agrees, emulated or not); -1 without the
 * handler. *trapped: how many of the self-test's own vpdpbusd were emulated (0: the CPU or emulator executes them). */
int tflc_shim_selftest(int n, unsigned long *trapped) {
  if (!tflc_shim_sigill) return -1;
  const unsigned long before = tflc_shim_vnni_emulated;
  uint64_t s = 0x9e3779b97f4a7c15u;
  int bad = 0;
  for (int t = 0; t < n; ++t) {
    uint8_t x[32];
    int8_t w[32];
    int32_t want[24], got[24];
    for (int i = 0; i < 32; ++i) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      x[i] = (uint8_t)(s >> 33);
      w[i] = (int8_t)(s >> 45);
    }
    for (int i = 0; i < 24; ++i) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      want[i] = got[i] = t % 4 == 0 ? INT32_MAX - 3 * i : (int32_t)(s >> 32); /* wrap-around near the top */
    }
    if (real_avx512_vnni) evex_forms(x, w, want);
    else scalar_forms(x, w, want);
    vex_forms(x, w, got);
    for (int i = 0; i < 24; ++i) bad += want[i] != got[i];
  }
  if (trapped) *trapped = tflc_shim_vnni_emulated - before;
  return bad;
}

#ifdef TFLC_SHIM_PROBE
int main(void) {
  unsigned long trapped = 0;
  const int bad = tflc_shim_selftest(1000, &trapped);
  printf("{\"sigill\": %d, \"cpuid_faked\": %d, \"cpuid_avx_vnni\": %d, \"selftest_mismatches\": %d, "
         "\"selftest_trapped\": %lu}\n",
         tflc_shim_sigill, tflc_shim_cpuid_faked, tflc_shim_cpuid_avx_vnni, bad, trapped);
  return bad != 0;
}
#endif
