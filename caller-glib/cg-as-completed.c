/* cg-as-completed.c: being written */

#include "cg-private.h"
