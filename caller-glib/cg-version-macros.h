/* cg-version-macros.h
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#ifndef _CG_EXTERN
# define _CG_EXTERN __attribute__((visibility("default"))) extern
#endif

/* Every exported symbol of caller-glib carries this macro; the library is
 * built with -fvisibility=hidden so nothing else leaks out. */
#define CG_AVAILABLE_IN_ALL _CG_EXTERN
