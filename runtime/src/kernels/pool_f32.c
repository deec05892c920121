/* Float32 AVERAGE_POOL_2D / MAX_POOL_2D, and RESIZE_BILINEAR (float32) / RESIZE_NEAREST_NEIGHBOR (any type). */
#include <float.h>

#include "../cpu.h"
#include "common_f32.h"
#include "gemm.h"

typedef struct {
  int n, h, w, c, oh, ow, fh, fw, sh, sw, pad_t, pad_l;
  float lo, hi;
  int z512; /* AVX-512 rows (the ISA level in effect at prepare) */
} PoolData;

static TflStatus pool_prepare(TflContext *ctx, TflNode *node) {
  const char *name = node->op == TFL_OP_MAX_POOL_2D ? "MAX_POOL_2D" : "AVERAGE_POOL_2D";
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  if (!in || !out) return tfl_error(ctx, "%s: missing input or output", name);
  if (tfl_is_f32(in) && !tfl_is_f32(out)) return tfl_error(ctx, "%s: output must be float32", name);
  if (!tfl_is_f32(in)) return TFL_NOT_MINE;
  if (in->rank != 4) return tfl_error(ctx, "%s: input must be 4-D, got rank %d", name, in->rank);
  const TflPool2DOptions o = tfl_Pool2DOptions(node);
  int padding = o.padding, sw = o.stride_w, sh = o.stride_h;
  int fw = o.filter_width, fh = o.filter_height, act = o.fused_activation_function;
  if (sw < 1 || sh < 1 || fw < 1 || fh < 1) return tfl_error(ctx, "%s: strides and filter sizes must be >= 1", name);
  if (padding != TFL_PAD_SAME && padding != TFL_PAD_VALID) return tfl_error(ctx, "%s: unknown padding %d", name, padding);
  if (act >= TFL_ACT_TANH) return tfl_error(ctx, "%s: unsupported fused activation %d", name, act);
  PoolData *d = tfl_set_user_data(node, sizeof(PoolData));
  d->n = in->dims[0]; d->h = in->dims[1]; d->w = in->dims[2]; d->c = in->dims[3];
  d->fh = fh; d->fw = fw; d->sh = sh; d->sw = sw;
  d->oh = tfl_conv_out_size(padding, d->h, fh, sh, 1);
  d->ow = tfl_conv_out_size(padding, d->w, fw, sw, 1);
  d->pad_t = padding == TFL_PAD_SAME ? tfl_conv_pad(d->h, d->oh, fh, sh, 1) : 0;
  d->pad_l = padding == TFL_PAD_SAME ? tfl_conv_pad(d->w, d->ow, fw, sw, 1) : 0;
  if (!tfl_window_fits(d->oh, fh, sh, 1) || !tfl_window_fits(d->ow, fw, sw, 1))
    return tfl_error(ctx, "%s: stride or filter too large for the input", name);
  tfl_activation_range_f32(act, &d->lo, &d->hi);
  d->z512 = TFL_X86_CLONES && tfl_isa() >= TFL_ISA_AVX512;
  if ((int64_t)d->n * d->oh > INT32_MAX) return tfl_error(ctx, "%s: output too large", name);
  int32_t od[4] = {d->n, d->oh, d->ow, d->c};
  return tfl_resize(ctx, out, 4, od);
}

/* Output rows [r0, r1) over batch x height. */
static void pool_rows(const PoolData *d, const float *x, float *o, int is_max, int r0, int r1) {
  const int C = d->c;
  for (int r = r0; r < r1; r++) {
    int n = r / d->oh, oy = r % d->oh;
    for (int ox = 0; ox < d->ow; ox++) {
      float *restrict op = o + (((size_t)n * d->oh + oy) * d->ow + ox) * C;
      int y0 = oy * d->sh - d->pad_t, x0 = ox * d->sw - d->pad_l;
      int fy0 = y0 < 0 ? -y0 : 0, fy1 = d->h - y0 < d->fh ? d->h - y0 : d->fh;
      int fx0 = x0 < 0 ? -x0 : 0, fx1 = d->w - x0 < d->fw ? d->w - x0 : d->fw;
      float init = is_max ? -FLT_MAX : 0.0f;
      for (int c = 0; c < C; c++) op[c] = init;
      int count = 0;
      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++) {
          const float *restrict ip = x + (((size_t)n * d->h + y0 + fy) * d->w + x0 + fx) * C;
          if (is_max)
            for (int c = 0; c < C; c++) op[c] = ip[c] > op[c] ? ip[c] : op[c];
          else
            for (int c = 0; c < C; c++) op[c] += ip[c];
          count++;
        }
      for (int c = 0; c < C; c++) {
        float v = is_max ? op[c] : (count ? op[c] / (float)count : 0.0f);
        v = v < d->lo ? d->lo : v;
        op[c] = v > d->hi ? d->hi : v;
      }
    }
  }
}

#if TFL_X86_CLONES
#include <immintrin.h>
/* The same rows in 16-channel zmm blocks (the last masked), each output block accumulated in a register over the
 * window instead of in memory per tap. Same results bit for bit: max(x, acc) returns acc unless x > acc (NaN and
 * equal zeros keep acc, as the scalar compare), sums run over the taps in the same order, the clamp is max(lo, v)
 * then min(hi, v) (v kept when NaN, as the scalar compares). */
TFL_TARGET_AVX512 static void pool_rows_z(const PoolData *d, const float *x, float *o, int is_max, int r0, int r1) {
  const int C = d->c;
  const __m512 vlo = _mm512_set1_ps(d->lo), vhi = _mm512_set1_ps(d->hi);
  const __m512 init = _mm512_set1_ps(is_max ? -FLT_MAX : 0.0f);
  for (int r = r0; r < r1; r++) {
    int n = r / d->oh, oy = r % d->oh;
    int y0 = oy * d->sh - d->pad_t;
    int fy0 = y0 < 0 ? -y0 : 0, fy1 = d->h - y0 < d->fh ? d->h - y0 : d->fh;
    const float *xn = x + (size_t)n * d->h * d->w * C;
    for (int ox = 0; ox < d->ow; ox++) {
      float *restrict op = o + (((size_t)n * d->oh + oy) * d->ow + ox) * C;
      int x0 = ox * d->sw - d->pad_l;
      int fx0 = x0 < 0 ? -x0 : 0, fx1 = d->w - x0 < d->fw ? d->w - x0 : d->fw;
      int count = fy1 > fy0 && fx1 > fx0 ? (fy1 - fy0) * (fx1 - fx0) : 0;
      const __m512 vcount = _mm512_set1_ps((float)count);
      for (int c = 0; c < C; c += 16) {
        const __mmask16 m = C - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (C - c)) - 1);
        __m512 acc = init;
        for (int fy = fy0; fy < fy1 && fx1 > fx0; fy++) {
          const float *row = xn + ((size_t)(y0 + fy) * d->w + (x0 + fx0)) * C + c; /* first valid tap */
          for (int fx = 0; fx < fx1 - fx0; fx++) {
            const __m512 v = _mm512_maskz_loadu_ps(m, row + (size_t)fx * C);
            acc = is_max ? _mm512_max_ps(v, acc) : _mm512_add_ps(acc, v);
          }
        }
        if (!is_max) acc = count ? _mm512_div_ps(acc, vcount) : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(op + c, m, _mm512_min_ps(vhi, _mm512_max_ps(vlo, acc)));
      }
    }
  }
}
#endif

static void pool_rows_any(const PoolData *d, const float *x, float *o, int is_max, int r0, int r1) {
#if TFL_X86_CLONES
  if (d->z512) {
    pool_rows_z(d, x, o, is_max, r0, r1);
    return;
  }
#endif
  pool_rows(d, x, o, is_max, r0, r1);
}

typedef struct {
  const PoolData *d;
  const float *x;
  float *o;
  int is_max, rows, ntasks;
} PoolJob;

static void pool_task(void *arg, int task, int thread) {
  const PoolJob *j = arg;
  (void)thread;
  int r0 = (int)((int64_t)task * j->rows / j->ntasks), r1 = (int)((int64_t)(task + 1) * j->rows / j->ntasks);
  pool_rows_any(j->d, j->x, j->o, j->is_max, r0, r1);
}

/* Operations below which a pooling task is not worth its dispatch. */
#define POOL_MIN_TASK_OPS (512 * 1024)

static TflStatus pool_eval(TflContext *ctx, TflNode *node) {
  const PoolData *d = node->user_data;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  PoolJob j = {d, in->data, out->data, node->op == TFL_OP_MAX_POOL_2D, d->n * d->oh, 1};
  if (j.rows <= 0) return TFL_OK;
  int nt = tfl_num_threads(ctx), want = 4 * nt;
  double maxt = (double)j.rows * d->ow * d->c * d->fh * d->fw / POOL_MIN_TASK_OPS;
  if (maxt < want) want = (int)maxt;
  if (want > nt) want -= want % nt; /* few tasks: a multiple of the threads keeps them evenly loaded */
  if (want > j.rows) want = j.rows;
  if (nt <= 1 || want < 2) {
    pool_rows_any(d, j.x, j.o, j.is_max, 0, j.rows);
    return TFL_OK;
  }
  j.ntasks = want;
  tfl_parallel_for(ctx, want, pool_task, &j);
  return TFL_OK;
}

/* ------------------------------------------------------------------------------------------------- resize */

typedef struct {
  int n, h, w, c, oh, ow, align, half, esize, dynamic;
} ResizeData;

static TflStatus resize_shape(TflContext *ctx, TflNode *node, ResizeData *d) {
  const char *name = node->op == TFL_OP_RESIZE_BILINEAR ? "RESIZE_BILINEAR" : "RESIZE_NEAREST_NEIGHBOR";
  TflTensor *sz = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  int64_t v[2] = {0, 0};
  if (tfl_read_ints(sz, v, 2) != 2) return tfl_error(ctx, "%s: size must be an int32 tensor of 2 elements", name);
  if (v[0] <= 0 || v[1] <= 0 || v[0] > INT32_MAX || v[1] > INT32_MAX) return tfl_error(ctx, "%s: bad output size", name);
  d->oh = (int)v[0];
  d->ow = (int)v[1];
  int32_t od[4] = {d->n, d->oh, d->ow, d->c};
  return tfl_resize(ctx, out, 4, od);
}

static TflStatus resize_prepare(TflContext *ctx, TflNode *node) {
  int bil = node->op == TFL_OP_RESIZE_BILINEAR;
  const char *name = bil ? "RESIZE_BILINEAR" : "RESIZE_NEAREST_NEIGHBOR";
  TflTensor *in = tfl_input(ctx, node, 0), *sz = tfl_input(ctx, node, 1), *out = tfl_output(ctx, node, 0);
  if (!in || !sz || !out) return tfl_error(ctx, "%s: missing operands", name);
  if (bil && !tfl_is_f32(in)) return TFL_NOT_MINE;
  if (in->rank != 4) return tfl_error(ctx, "%s: input must be 4-D, got rank %d", name, in->rank);
  if (out->type != in->type) return tfl_error(ctx, "%s: output type differs from input", name);
  ResizeData *d = tfl_set_user_data(node, sizeof(ResizeData));
  d->n = in->dims[0]; d->h = in->dims[1]; d->w = in->dims[2]; d->c = in->dims[3];
  if (d->h <= 0 || d->w <= 0) return tfl_error(ctx, "%s: input spatial dims must be positive", name);
  if (bil) {
    const TflResizeBilinearOptions o = tfl_ResizeBilinearOptions(node);
    d->align = o.align_corners;
    d->half = o.half_pixel_centers;
  } else {
    const TflResizeNearestNeighborOptions o = tfl_ResizeNearestNeighborOptions(node);
    d->align = o.align_corners;
    d->half = o.half_pixel_centers;
  }
  d->esize = (int)tfl_type_size(in->type);
  if (d->esize <= 0) return tfl_error(ctx, "%s: unsupported element type %d", name, in->type);
  if (!tfl_value_known(sz)) {
    d->dynamic = 1;
    out->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  return resize_shape(ctx, node, d);
}

static void interp_values(int value, float scale, int half, int in_size, float *scaled, int *lo, int *hi) {
  *scaled = half ? ((float)value + 0.5f) * scale - 0.5f : (float)value * scale;
  float fl = floorf(*scaled);
  *lo = (int)fl > 0 ? (int)fl : 0;
  int c = (int)ceilf(*scaled);
  *hi = c < in_size - 1 ? c : in_size - 1;
}

static float resize_scale(int in, int out, int align) {
  return (align && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
}

static int nearest(int v, int in_size, int out_size, int align, int half) {
  float scale = resize_scale(in_size, out_size, align);
  float off = half ? 0.5f : 0.0f;
  int r = align ? (int)roundf(((float)v + off) * scale) : (int)floorf(((float)v + off) * scale);
  if (r > in_size - 1) r = in_size - 1;
  if (half && r < 0) r = 0;
  return r;
}

static TflStatus resize_eval(TflContext *ctx, TflNode *node) {
  ResizeData *d = node->user_data;
  if (d->dynamic && resize_shape(ctx, node, d) != TFL_OK) return TFL_ERROR;
  if (d->dynamic && tfl_num_elements(tfl_output(ctx, node, 0)) == 0) return TFL_OK;
  TflTensor *in = tfl_input(ctx, node, 0), *out = tfl_output(ctx, node, 0);
  const int C = d->c;
  if (node->op == TFL_OP_RESIZE_NEAREST_NEIGHBOR) {
    const char *x = in->data;
    char *o = out->data;
    size_t px = (size_t)C * d->esize;
    for (int n = 0; n < d->n; n++)
      for (int y = 0; y < d->oh; y++) {
        int iy = nearest(y, d->h, d->oh, d->align, d->half);
        for (int xx = 0; xx < d->ow; xx++) {
          int ix = nearest(xx, d->w, d->ow, d->align, d->half);
          memcpy(o + (((size_t)n * d->oh + y) * d->ow + xx) * px, x + (((size_t)n * d->h + iy) * d->w + ix) * px, px);
        }
      }
    return TFL_OK;
  }
  const float *x = in->data;
  float *o = out->data;
  float hs = resize_scale(d->h, d->oh, d->align), ws = resize_scale(d->w, d->ow, d->align);
  for (int n = 0; n < d->n; n++)
    for (int y = 0; y < d->oh; y++) {
      float iy;
      int y0, y1;
      interp_values(y, hs, d->half, d->h, &iy, &y0, &y1);
      for (int xx = 0; xx < d->ow; xx++) {
        float ix;
        int x0, x1;
        interp_values(xx, ws, d->half, d->w, &ix, &x0, &x1);
        const float *p00 = x + (((size_t)n * d->h + y0) * d->w + x0) * C;
        const float *p01 = x + (((size_t)n * d->h + y0) * d->w + x1) * C;
        const float *p10 = x + (((size_t)n * d->h + y1) * d->w + x0) * C;
        const float *p11 = x + (((size_t)n * d->h + y1) * d->w + x1) * C;
        float dy = iy - (float)y0, dx = ix - (float)x0;
        float w00 = (1 - dy) * (1 - dx), w10 = dy * (1 - dx), w01 = (1 - dy) * dx, w11 = dy * dx;
        float *op = o + (((size_t)n * d->oh + y) * d->ow + xx) * C;
        for (int c = 0; c < C; c++) {
          float v = p00[c] * w00;
          v += p10[c] * w10;
          v += p01[c] * w01;
          v += p11[c] * w11;
          op[c] = v;
        }
      }
    }
  return TFL_OK;
}

const TflKernel tfl_kernels_pool_f32[] = {
    {TFL_OP_AVERAGE_POOL_2D, "AVERAGE_POOL_2D", 1, 3, pool_prepare, pool_eval},
    {TFL_OP_MAX_POOL_2D, "MAX_POOL_2D", 1, 3, pool_prepare, pool_eval},
    {TFL_OP_RESIZE_BILINEAR, "RESIZE_BILINEAR", 1, 4, resize_prepare, resize_eval},
    {TFL_OP_RESIZE_NEAREST_NEIGHBOR, "RESIZE_NEAREST_NEIGHBOR", 1, 4, resize_prepare, resize_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
