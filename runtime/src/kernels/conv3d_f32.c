/* CONV_3D and CONV_3D_TRANSPOSE, float32, as LiteRT's reference kernels: NDHWC data, TensorFlow's filter layouts
 * (CONV_3D [D, H, W, I, O], CONV_3D_TRANSPOSE [D, H, W, O, I]), optional bias [O], SAME/VALID padding with
 * TensorFlow's split (the odd pixel after), dilations, a fused activation. Convolution sums over (kd, kh, kw, ic) in
 * that order per output; the transpose scatters each input element into the output it reaches. */
#include "common_f32.h"

typedef struct {
  int n, id, ih, iw, ic;      /* input (of the forward convolution for CONV_3D; the transpose's input otherwise) */
  int od, oh, ow, oc;         /* output */
  int kd, kh, kw;             /* filter window */
  int sd, sh, sw, dd, dh, dw; /* strides, dilations */
  int pd, ph, pw;             /* padding before */
  float lo, hi;
} Conv3DData;

/* The forward convolution's window fits int32 index math (for the transpose, its input is the forward output). */
static int window_ok(const Conv3DData *d, int transpose) {
  int gd = transpose ? d->id : d->od, gh = transpose ? d->ih : d->oh, gw = transpose ? d->iw : d->ow;
  return tfl_window_fits(gd, d->kd, d->sd, d->dd) && tfl_window_fits(gh, d->kh, d->sh, d->dh) &&
         tfl_window_fits(gw, d->kw, d->sw, d->dw);
}

static TflStatus conv3d_prepare(TflContext *ctx, TflNode *node) {
  int transpose = node->op == TFL_OP_CONV_3D_TRANSPOSE;
  const char *name = transpose ? "CONV_3D_TRANSPOSE" : "CONV_3D";
  TflTensor *in = tfl_input(ctx, node, transpose ? 2 : 0), *f = tfl_input(ctx, node, 1);
  TflTensor *b = tfl_input(ctx, node, transpose ? 3 : 2), *out = tfl_output(ctx, node, 0);
  if (!in || !f || !out) return tfl_error(ctx, "%s: missing input, filter or output", name);
  if (!tfl_is_f32(in) || !tfl_is_f32(f) || !tfl_is_f32(out)) return tfl_error(ctx, "%s: only float32 is supported", name);
  if (in->rank != 5 || f->rank != 5) return tfl_error(ctx, "%s: input and filter must be 5-D", name);
  const TflConv3DOptions o = tfl_Conv3DOptions(node);
  if (o.stride_d < 1 || o.stride_h < 1 || o.stride_w < 1 || o.dilation_d_factor < 1 || o.dilation_h_factor < 1 ||
      o.dilation_w_factor < 1)
    return tfl_error(ctx, "%s: strides and dilations must be >= 1", name);
  if (o.padding != TFL_PAD_SAME && o.padding != TFL_PAD_VALID) return tfl_error(ctx, "%s: unknown padding %d", name, o.padding);
  if (o.fused_activation_function >= TFL_ACT_TANH) return tfl_error(ctx, "%s: unsupported fused activation", name);
  Conv3DData *d = tfl_set_user_data(node, sizeof(Conv3DData));
  d->n = in->dims[0]; d->id = in->dims[1]; d->ih = in->dims[2]; d->iw = in->dims[3]; d->ic = in->dims[4];
  d->kd = f->dims[0]; d->kh = f->dims[1]; d->kw = f->dims[2];
  d->sd = o.stride_d; d->sh = o.stride_h; d->sw = o.stride_w;
  d->dd = o.dilation_d_factor; d->dh = o.dilation_h_factor; d->dw = o.dilation_w_factor;
  int fin = transpose ? f->dims[4] : f->dims[3];
  d->oc = transpose ? f->dims[3] : f->dims[4];
  if (fin != d->ic) return tfl_error(ctx, "%s: filter input depth %d != input channels %d", name, fin, d->ic);
  if (b && (!tfl_is_f32(b) || tfl_num_elements(b) != d->oc)) return tfl_error(ctx, "%s: bias must be float32 [%d]", name, d->oc);
  int32_t od[5];
  if (transpose) {
    TflTensor *shape = tfl_input(ctx, node, 0);
    int64_t s[5];
    if (!shape || !tfl_value_known(shape) || tfl_read_ints(shape, s, 5) != 5)
      return tfl_error(ctx, "%s: output_shape must be a constant of 5 integers", name);
    for (int i = 0; i < 5; i++) {
      if (s[i] < 0 || s[i] > INT32_MAX) return tfl_error(ctx, "%s: bad output shape", name);
      od[i] = (int32_t)s[i];
    }
    if (od[0] != d->n || od[4] != d->oc) return tfl_error(ctx, "%s: output shape disagrees with input/filter", name);
    d->od = od[1]; d->oh = od[2]; d->ow = od[3];
    /* padding as for the forward convolution from the output (its input) to the input (its output) */
    d->pd = o.padding == TFL_PAD_SAME ? tfl_conv_pad(d->od, d->id, d->kd, d->sd, d->dd) : 0;
    d->ph = o.padding == TFL_PAD_SAME ? tfl_conv_pad(d->oh, d->ih, d->kh, d->sh, d->dh) : 0;
    d->pw = o.padding == TFL_PAD_SAME ? tfl_conv_pad(d->ow, d->iw, d->kw, d->sw, d->dw) : 0;
  } else {
    d->od = tfl_conv_out_size(o.padding, d->id, d->kd, d->sd, d->dd);
    d->oh = tfl_conv_out_size(o.padding, d->ih, d->kh, d->sh, d->dh);
    d->ow = tfl_conv_out_size(o.padding, d->iw, d->kw, d->sw, d->dw);
    d->pd = o.padding == TFL_PAD_SAME ? tfl_conv_pad(d->id, d->od, d->kd, d->sd, d->dd) : 0;
    d->ph = o.padding == TFL_PAD_SAME ? tfl_conv_pad(d->ih, d->oh, d->kh, d->sh, d->dh) : 0;
    d->pw = o.padding == TFL_PAD_SAME ? tfl_conv_pad(d->iw, d->ow, d->kw, d->sw, d->dw) : 0;
    od[0] = d->n; od[1] = d->od; od[2] = d->oh; od[3] = d->ow; od[4] = d->oc;
  }
  if (!window_ok(d, transpose)) return tfl_error(ctx, "%s: stride or dilation too large for the input", name);
  if (tfl_prod(od, 0, 5) > INT32_MAX || tfl_num_elements(in) > INT32_MAX) return tfl_error(ctx, "%s: tensors too large", name);
  tfl_activation_range_f32(o.fused_activation_function, &d->lo, &d->hi);
  return tfl_resize(ctx, out, 5, od);
}

static TflStatus conv3d_eval(TflContext *ctx, TflNode *node) {
  const Conv3DData *d = node->user_data;
  const float *x = tfl_input(ctx, node, 0)->data, *w = tfl_input(ctx, node, 1)->data;
  TflTensor *bt = tfl_input(ctx, node, 2);
  const float *bias = bt ? (const float *)bt->data : NULL;
  float *y = tfl_output(ctx, node, 0)->data;
  for (int n = 0; n < d->n; n++)
    for (int z = 0; z < d->od; z++)
      for (int r = 0; r < d->oh; r++)
        for (int c = 0; c < d->ow; c++)
          for (int oc = 0; oc < d->oc; oc++) {
            float acc = 0.0f;
            for (int kz = 0; kz < d->kd; kz++) {
              int iz = z * d->sd - d->pd + kz * d->dd;
              if (iz < 0 || iz >= d->id) continue;
              for (int kr = 0; kr < d->kh; kr++) {
                int ir = r * d->sh - d->ph + kr * d->dh;
                if (ir < 0 || ir >= d->ih) continue;
                for (int kc = 0; kc < d->kw; kc++) {
                  int ic0 = c * d->sw - d->pw + kc * d->dw;
                  if (ic0 < 0 || ic0 >= d->iw) continue;
                  const float *xp = x + ((((int64_t)n * d->id + iz) * d->ih + ir) * d->iw + ic0) * d->ic;
                  const float *wp = w + (((int64_t)kz * d->kh + kr) * d->kw + kc) * d->ic * d->oc + oc;
                  for (int i = 0; i < d->ic; i++) acc += xp[i] * wp[(int64_t)i * d->oc];
                }
              }
            }
            if (bias) acc += bias[oc];
            y[((((int64_t)n * d->od + z) * d->oh + r) * d->ow + c) * d->oc + oc] = tfl_clampf(acc, d->lo, d->hi);
          }
  return TFL_OK;
}

static TflStatus conv3d_transpose_eval(TflContext *ctx, TflNode *node) {
  const Conv3DData *d = node->user_data;
  const float *w = tfl_input(ctx, node, 1)->data, *x = tfl_input(ctx, node, 2)->data;
  TflTensor *bt = tfl_input(ctx, node, 3), *out = tfl_output(ctx, node, 0);
  float *y = out->data;
  int64_t total = tfl_num_elements(out);
  memset(y, 0, (size_t)total * sizeof(float));
  for (int n = 0; n < d->n; n++)
    for (int z = 0; z < d->id; z++)
      for (int r = 0; r < d->ih; r++)
        for (int c = 0; c < d->iw; c++)
          for (int i = 0; i < d->ic; i++) {
            float v = x[((((int64_t)n * d->id + z) * d->ih + r) * d->iw + c) * d->ic + i];
            for (int kz = 0; kz < d->kd; kz++) {
              int oz = z * d->sd - d->pd + kz * d->dd;
              if (oz < 0 || oz >= d->od) continue;
              for (int kr = 0; kr < d->kh; kr++) {
                int orow = r * d->sh - d->ph + kr * d->dh;
                if (orow < 0 || orow >= d->oh) continue;
                for (int kc = 0; kc < d->kw; kc++) {
                  int ocol = c * d->sw - d->pw + kc * d->dw;
                  if (ocol < 0 || ocol >= d->ow) continue;
                  float *yp = y + ((((int64_t)n * d->od + oz) * d->oh + orow) * d->ow + ocol) * d->oc;
                  const float *wp = w + (((int64_t)kz * d->kh + kr) * d->kw + kc) * d->oc * d->ic + i;
                  for (int o = 0; o < d->oc; o++) yp[o] += v * wp[(int64_t)o * d->ic];
                }
              }
            }
          }
  const float *bias = bt ? (const float *)bt->data : NULL;
  for (int64_t k = 0; k < total; k++) y[k] = tfl_clampf(y[k] + (bias ? bias[k % d->oc] : 0.0f), d->lo, d->hi);
  return TFL_OK;
}

const TflKernel tfl_kernels_conv3d_f32[] = {
    {TFL_OP_CONV_3D, "CONV_3D", 1, 1, conv3d_prepare, conv3d_eval},
    {TFL_OP_CONV_3D_TRANSPOSE, "CONV_3D_TRANSPOSE", 1, 1, conv3d_prepare, conv3d_transpose_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
