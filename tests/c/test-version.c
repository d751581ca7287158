/* test-version.c: the version macros, with a program that asks for the
 * 0.1 API and no newer (CG_VERSION_MIN_REQUIRED / CG_VERSION_MAX_ALLOWED)
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define CG_VERSION_MIN_REQUIRED CG_VERSION_0_1
#define CG_VERSION_MAX_ALLOWED CG_VERSION_0_1

#include <caller-glib.h>

#include "test-helpers.h"

static void
test_version_macros (void)
{
  g_assert_cmpint (CG_VERSION_0_1, ==, G_ENCODE_VERSION (0, 1));
  g_assert_cmpint (CG_VERSION_MIN_REQUIRED, ==, CG_VERSION_0_1);
  g_assert_cmpint (CG_VERSION_MAX_ALLOWED, ==, CG_VERSION_0_1);
  g_assert_true (CG_CHECK_VERSION (0, 1, 0));
  g_assert_false (CG_CHECK_VERSION (CG_MAJOR_VERSION + 1, 0, 0));
  g_assert_cmpstr (CG_VERSION_S, !=, "");
  /* The 0.1 API is there (built with -Werror: no unavailable-API warning). */
  g_assert_cmpuint (cg_caller_get_default_max_pool_threads (), >=, 1);
}

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);
  g_test_add_func ("/version/macros", test_version_macros);
  return g_test_run ();
}
