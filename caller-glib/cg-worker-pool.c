/* cg-worker-pool.c: being written */

#include "cg-private.h"
