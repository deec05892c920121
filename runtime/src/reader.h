/* Validating FlatBuffer reader for .tflite files (schema v3).
 *
 * tfl_model_parse() checks every offset, vtable, vector length, string, union type, index and buffer size before it
 * is used and copies the model's structure into plain C structs. Constant tensor data is not copied: it points into
 * the caller's bytes, which must outlive the model.
 */
#ifndef TFLRT_READER_H
#define TFLRT_READER_H

#include <stddef.h>
#include <stdint.h>

#include "tflrt.h"

typedef struct {
  int32_t type;
  int32_t rank;
  int32_t dims[TFL_MAX_RANK];
  int32_t has_signature; /* shape_signature present */
  int32_t sig_rank;
  int32_t sig[TFL_MAX_RANK];
  uint32_t buffer;
  const uint8_t *data; /* constant data inside the file, NULL when the tensor has none */
  size_t data_len;
  char *name;
  int32_t nq;
  float *scales;
  int64_t *zero_points;
  int32_t qdim;
  int32_t is_variable;
  int32_t is_sparse;
} TflTensorDesc;

typedef struct {
  uint32_t opcode_index;
  int32_t ninputs, noutputs, nintermediates;
  int32_t *inputs, *outputs, *intermediates;
  const uint8_t *options; /* validated table position, or NULL */
  int32_t options_type;
  const uint8_t *custom_options;
  size_t custom_options_len;
} TflOpDesc;

typedef struct {
  int32_t op;
  int32_t version;
  char *custom_code; /* NULL unless present */
} TflOpCode;

typedef struct {
  int32_t ntensors;
  TflTensorDesc *tensors;
  int32_t ninputs, noutputs, nops;
  int32_t *inputs, *outputs;
  TflOpDesc *ops;
  char *name;
} TflSubgraphDesc;

typedef struct {
  char *name;
  int32_t tensor;
} TflSigTensor;

typedef struct {
  char *key;
  int32_t subgraph;
  int32_t ninputs, noutputs;
  TflSigTensor *inputs, *outputs;
} TflSignature;

typedef struct {
  const uint8_t *buf;
  size_t len;
  uint32_t version;
  int32_t nopcodes;
  TflOpCode *opcodes;
  int32_t nsubgraphs;
  TflSubgraphDesc *subgraphs;
  int32_t nsignatures;
  TflSignature *signatures;
  char *description;
} TflModel;

/* Returns 0 on success; otherwise fills err (NUL-terminated) and leaves *m empty. */
int tfl_model_parse(const uint8_t *buf, size_t len, TflModel *m, char *err, size_t errlen);
void tfl_model_free(TflModel *m);

#endif
