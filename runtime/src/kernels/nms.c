/* NON_MAX_SUPPRESSION_V4 and NON_MAX_SUPPRESSION_V5 (LiteRT's non_max_suppression.cc, float32): greedy selection
 * of boxes [y1, x1, y2, x2] by descending score among those scoring above score_threshold, a candidate dropped when
 * its IoU with a selected box reaches iou_threshold; V5 adds Soft-NMS (each earlier selection scales a candidate's
 * score by exp(-0.5 / sigma * iou^2), a decayed candidate going back into the queue). The queue is a binary max-heap
 * on the score laid out and sifted exactly as libstdc++'s std::priority_queue (push_heap / pop_heap), so equal
 * scores come out in LiteRT's order. Outputs have max_output_size elements, zero past the selected count (V5's
 * scores too); with a non-constant max_output_size they are sized at eval. */
#include <math.h>
#include <stdlib.h>

#include "shape_common.h"

typedef struct {
  int32_t index;
  float score;
  int32_t suppress_begin;
} Candidate;

typedef struct {
  int dynamic;
} NmsData;

/* libstdc++ __push_heap: sift `value` up from `hole` (comparison: a.score < b.score). */
static void heap_sift_up(Candidate *h, int64_t hole, int64_t top, Candidate value) {
  int64_t parent = (hole - 1) / 2;
  while (hole > top && h[parent].score < value.score) {
    h[hole] = h[parent];
    hole = parent;
    parent = (hole - 1) / 2;
  }
  h[hole] = value;
}

static void heap_push(Candidate *h, int64_t *n, Candidate c) {
  h[*n] = c;
  (*n)++;
  heap_sift_up(h, *n - 1, 0, h[*n - 1]);
}

/* libstdc++ pop_heap (__adjust_heap): the last element refills the hole the top leaves, moving down along the larger
 * child (the right one unless the left is strictly larger), then up. */
static void heap_pop(Candidate *h, int64_t *n) {
  const int64_t len = *n - 1;
  if (len <= 0) {
    *n = 0;
    return;
  }
  const Candidate value = h[len];
  h[len] = h[0];
  int64_t hole = 0, child = 0;
  while (child < (len - 1) / 2) {
    child = 2 * (child + 1);
    if (h[child].score < h[child - 1].score) child--;
    h[hole] = h[child];
    hole = child;
  }
  if ((len & 1) == 0 && child == (len - 2) / 2) {
    child = 2 * (child + 1);
    h[hole] = h[child - 1];
    hole = child - 1;
  }
  heap_sift_up(h, hole, 0, value);
  *n = len;
}

/* std::min / std::max: the first argument unless the second compares below / above it. */
static float min_of(float a, float b) { return b < a ? b : a; }
static float max_of(float a, float b) { return a < b ? b : a; }

static float iou(const float *boxes, int32_t i, int32_t j) {
  const float *a = boxes + (int64_t)4 * i, *b = boxes + (int64_t)4 * j;
  const float ay0 = min_of(a[0], a[2]), ay1 = max_of(a[0], a[2]), ax0 = min_of(a[1], a[3]), ax1 = max_of(a[1], a[3]);
  const float by0 = min_of(b[0], b[2]), by1 = max_of(b[0], b[2]), bx0 = min_of(b[1], b[3]), bx1 = max_of(b[1], b[3]);
  const float area_a = (ay1 - ay0) * (ax1 - ax0), area_b = (by1 - by0) * (bx1 - bx0);
  if (area_a <= 0.0f || area_b <= 0.0f) return 0.0f;
  const float ih = min_of(ay1, by1) - max_of(ay0, by0), iw = min_of(ax1, bx1) - max_of(ax0, bx0);
  const float inter = max_of(ih, 0.0f) * max_of(iw, 0.0f);
  const float uni = area_a + area_b - inter;
  return uni == 0.0f ? 0.0f : inter / uni;
}

static int is_soft(const TflNode *node) { return node->ninputs == 6; }

static TflStatus nms_size_outputs(TflContext *ctx, TflNode *node, int32_t max_out) {
  const int nout = is_soft(node) ? 2 : 1;
  for (int i = 0; i < nout; i++)
    if (tfl_resize(ctx, tfl_output(ctx, node, i), 1, &max_out) != TFL_OK) return TFL_ERROR;
  return TFL_OK;
}

static int scalar_of(const TflTensor *t, int32_t type) { return t && t->type == type && t->rank == 0; }

static TflStatus nms_prepare(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  const int soft = is_soft(node);
  if (node->ninputs != 5 && node->ninputs != 6) return tfl_error(ctx, "%s: needs 5 or 6 inputs", name);
  if (node->noutputs != (soft ? 3 : 2)) return tfl_error(ctx, "%s: needs %d outputs", name, soft ? 3 : 2);
  TflTensor *boxes = tfl_input(ctx, node, 0), *scores = tfl_input(ctx, node, 1), *max_out = tfl_input(ctx, node, 2);
  if (!boxes || boxes->type != TFL_FLOAT32 || boxes->rank != 2 || boxes->dims[1] != 4)
    return tfl_error(ctx, "%s: boxes must be float32 [num_boxes, 4]", name);
  if (!scores || scores->type != TFL_FLOAT32 || scores->rank != 1 || scores->dims[0] != boxes->dims[0])
    return tfl_error(ctx, "%s: scores must be float32 [num_boxes]", name);
  if (!scalar_of(max_out, TFL_INT32)) return tfl_error(ctx, "%s: max_output_size must be an int32 scalar", name);
  for (int i = 3; i < node->ninputs; i++)
    if (!scalar_of(tfl_input(ctx, node, i), TFL_FLOAT32)) return tfl_error(ctx, "%s: thresholds must be float32 scalars", name);
  TflTensor *indices = tfl_output(ctx, node, 0), *count = tfl_output(ctx, node, soft ? 2 : 1);
  TflTensor *selected_scores = soft ? tfl_output(ctx, node, 1) : NULL;
  if (!indices || indices->type != TFL_INT32 || !count || count->type != TFL_INT32 ||
      (soft && (!selected_scores || selected_scores->type != TFL_FLOAT32)))
    return tfl_error(ctx, "%s: bad output types", name);
  NmsData *d = tfl_set_user_data(node, sizeof(NmsData));
  if (!d) return tfl_error(ctx, "%s: out of memory", name);
  if (tfl_resize(ctx, count, 0, NULL) != TFL_OK) return TFL_ERROR;
  if (defer_shape(indices, &d->dynamic, tfl_value_known(max_out))) {
    if (selected_scores) selected_scores->alloc = TFL_ALLOC_DYNAMIC;
    return TFL_OK;
  }
  const int32_t m = *(const int32_t *)max_out->data;
  if (m < 0) return tfl_error(ctx, "%s: max_output_size %d is negative", name, (int)m);
  return nms_size_outputs(ctx, node, m);
}

static TflStatus nms_eval(TflContext *ctx, TflNode *node) {
  const char *name = tfl_op_name(node->op);
  const int soft = is_soft(node);
  NmsData *d = node->user_data;
  TflTensor *boxes_t = tfl_input(ctx, node, 0), *scores_t = tfl_input(ctx, node, 1);
  const int32_t max_out = *(const int32_t *)tfl_input(ctx, node, 2)->data;
  if (max_out < 0) return tfl_error(ctx, "%s: max_output_size %d is negative", name, (int)max_out);
  if (d->dynamic && nms_size_outputs(ctx, node, max_out) != TFL_OK) return TFL_ERROR;
  const float iou_threshold = *(const float *)tfl_input(ctx, node, 3)->data;
  const float score_threshold = *(const float *)tfl_input(ctx, node, 4)->data;
  const float sigma = soft ? *(const float *)tfl_input(ctx, node, 5)->data : 0.0f;
  const float *boxes = boxes_t->data, *scores = scores_t->data;
  int32_t *selected = tfl_output(ctx, node, 0)->data;
  float *selected_scores = soft ? tfl_output(ctx, node, 1)->data : NULL;
  int32_t *count_out = tfl_output(ctx, node, soft ? 2 : 1)->data;
  const int32_t num_boxes = boxes_t->dims[0];
  int32_t count = 0;
  Candidate *heap = tfl_eval_scratch(ctx, sizeof(Candidate) * (size_t)(num_boxes ? num_boxes : 1));
  if (!heap) return tfl_error(ctx, "%s: out of memory", name);
  int64_t n = 0;
  for (int32_t i = 0; i < num_boxes; i++)
    if (scores[i] > score_threshold) heap_push(heap, &n, (Candidate){i, scores[i], 0});
  const int32_t num_outputs = n < max_out ? (int32_t)n : max_out;
  const float scale = sigma > 0.0f ? -0.5f / sigma : 0.0f;
  while (count < num_outputs && n > 0) {
    Candidate next = heap[0];
    const float original = next.score;
    heap_pop(heap, &n);
    int hard = 0;
    for (int32_t j = count - 1; j >= next.suppress_begin; j--) {
      const float o = iou(boxes, next.index, selected[j]);
      if (o >= iou_threshold) {
        hard = 1;
        break;
      }
      if (sigma > 0.0f) next.score = next.score * expf(scale * o * o);
      if (next.score <= score_threshold) break;
    }
    next.suppress_begin = count;
    if (hard) continue;
    if (next.score == original) {
      selected[count] = next.index;
      if (selected_scores) selected_scores[count] = next.score;
      count++;
    }
    if (next.score > score_threshold) heap_push(heap, &n, next);
  }
  *count_out = count;
  for (int32_t i = count; i < max_out; i++) {
    selected[i] = 0;
    if (selected_scores) selected_scores[i] = 0.0f;
  }
  return TFL_OK;
}

const TflKernel tfl_kernels_nms[] = {
    {TFL_OP_NON_MAX_SUPPRESSION_V4, "NON_MAX_SUPPRESSION_V4", 1, 1, nms_prepare, nms_eval},
    {TFL_OP_NON_MAX_SUPPRESSION_V5, "NON_MAX_SUPPRESSION_V5", 1, 1, nms_prepare, nms_eval},
    {0, NULL, 0, 0, NULL, NULL},
};
