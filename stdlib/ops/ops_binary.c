#include "stdlib/ops/ops.h"
const OpFamily ops_binary = {NULL, 0};
