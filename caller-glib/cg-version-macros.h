/* cg-version-macros.h: which version each symbol appeared in
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(CALLER_GLIB_INSIDE) && !defined(CG_COMPILATION)
# error "Only <caller-glib.h> can be included directly."
#endif

#include <glib.h>

#include "cg-version.h"

/**
 * SECTION:cg-version-macros
 * @title: API versions
 * @short_description: choosing which caller-glib API a program may use
 *
 * Every public symbol of caller-glib is marked with the version it
 * appeared in (`CG_AVAILABLE_IN_0_1`) and, once deprecated, with the
 * version that deprecated it and its replacement (`CG_DEPRECATED_IN_x_y`,
 * `CG_DEPRECATED_IN_x_y_FOR`). A program that must build against an older
 * caller-glib defines, before including `<caller-glib.h>`:
 *
 * - %CG_VERSION_MIN_REQUIRED: the oldest version it supports. Symbols
 *   deprecated in that version or before give deprecation warnings.
 * - %CG_VERSION_MAX_ALLOWED: the newest version whose API it may use.
 *   Symbols added after it give warnings that they are unavailable.
 *
 * |[<!-- language="C" -->
 * #define CG_VERSION_MIN_REQUIRED CG_VERSION_0_1
 * #define CG_VERSION_MAX_ALLOWED CG_VERSION_0_1
 * #include <caller-glib.h>
 * ]|
 *
 * This is the scheme of GLib's `GLIB_VERSION_MIN_REQUIRED` and
 * `GLIB_VERSION_MAX_ALLOWED`. Define `CG_DISABLE_DEPRECATION_WARNINGS` to
 * silence the deprecation warnings.
 */

#ifndef _CG_EXTERN
# define _CG_EXTERN __attribute__((visibility("default"))) extern
#endif

#ifdef CG_DISABLE_DEPRECATION_WARNINGS
# define _CG_DEPRECATED _CG_EXTERN
# define _CG_DEPRECATED_FOR(f) _CG_EXTERN
# define _CG_UNAVAILABLE(maj,min) _CG_EXTERN
#else
# define _CG_DEPRECATED G_DEPRECATED _CG_EXTERN
# define _CG_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _CG_EXTERN
# define _CG_UNAVAILABLE(maj,min) G_UNAVAILABLE (maj, min) _CG_EXTERN
#endif

/**
 * CG_VERSION_0_1:
 *
 * The version number of caller-glib 0.1, for %CG_VERSION_MIN_REQUIRED and
 * %CG_VERSION_MAX_ALLOWED.
 *
 * Since: 0.1
 */
#define CG_VERSION_0_1 (G_ENCODE_VERSION (0, 1))

/* The current stable version: an odd minor version is a development
 * series, whose API counts as that of the next stable one. */
#if (CG_MINOR_VERSION % 2)
# define _CG_VERSION_CUR_STABLE (G_ENCODE_VERSION (CG_MAJOR_VERSION, CG_MINOR_VERSION + 1))
#else
# define _CG_VERSION_CUR_STABLE (G_ENCODE_VERSION (CG_MAJOR_VERSION, CG_MINOR_VERSION))
#endif

/**
 * CG_VERSION_MIN_REQUIRED:
 *
 * The oldest version of caller-glib the program supports: define it
 * before including `<caller-glib.h>` as one of the `CG_VERSION_x_y`
 * macros. API deprecated in that version or before gives deprecation
 * warnings. Defaults to the version being compiled against.
 *
 * Since: 0.1
 */
#ifndef CG_VERSION_MIN_REQUIRED
# define CG_VERSION_MIN_REQUIRED (_CG_VERSION_CUR_STABLE)
#endif

/**
 * CG_VERSION_MAX_ALLOWED:
 *
 * The newest version of caller-glib whose API the program may use: define
 * it before including `<caller-glib.h>` as one of the `CG_VERSION_x_y`
 * macros. API added after it gives warnings. Defaults to the version being
 * compiled against.
 *
 * Since: 0.1
 */
#ifndef CG_VERSION_MAX_ALLOWED
# define CG_VERSION_MAX_ALLOWED (_CG_VERSION_CUR_STABLE)
#endif

#if CG_VERSION_MAX_ALLOWED < CG_VERSION_MIN_REQUIRED
# error "CG_VERSION_MAX_ALLOWED must be at least CG_VERSION_MIN_REQUIRED"
#endif
#if CG_VERSION_MIN_REQUIRED < CG_VERSION_0_1
# error "CG_VERSION_MIN_REQUIRED must be at least CG_VERSION_0_1"
#endif

/**
 * CG_AVAILABLE_IN_ALL:
 *
 * Marks a symbol that every version of caller-glib has.
 *
 * Since: 0.1
 */
#define CG_AVAILABLE_IN_ALL _CG_EXTERN

/**
 * CG_AVAILABLE_IN_0_1:
 *
 * Marks a symbol that appeared in caller-glib 0.1.
 *
 * Since: 0.1
 */
#if CG_VERSION_MAX_ALLOWED < CG_VERSION_0_1
# define CG_AVAILABLE_IN_0_1 _CG_UNAVAILABLE (0, 1)
#else
# define CG_AVAILABLE_IN_0_1 _CG_EXTERN
#endif

/**
 * CG_DEPRECATED_IN_0_1:
 *
 * Marks a symbol deprecated in caller-glib 0.1.
 *
 * Since: 0.1
 */
/**
 * CG_DEPRECATED_IN_0_1_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol deprecated in caller-glib 0.1 in favour of @f.
 *
 * Since: 0.1
 */
#if CG_VERSION_MIN_REQUIRED >= CG_VERSION_0_1
# define CG_DEPRECATED_IN_0_1 _CG_DEPRECATED
# define CG_DEPRECATED_IN_0_1_FOR(f) _CG_DEPRECATED_FOR (f)
#else
# define CG_DEPRECATED_IN_0_1 _CG_EXTERN
# define CG_DEPRECATED_IN_0_1_FOR(f) _CG_EXTERN
#endif

/**
 * CG_DEPRECATED:
 *
 * Marks a deprecated symbol, whatever %CG_VERSION_MIN_REQUIRED says.
 *
 * Since: 0.1
 */
#define CG_DEPRECATED _CG_DEPRECATED

/**
 * CG_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol deprecated in favour of @f, whatever
 * %CG_VERSION_MIN_REQUIRED says.
 *
 * Since: 0.1
 */
#define CG_DEPRECATED_FOR(f) _CG_DEPRECATED_FOR (f)
