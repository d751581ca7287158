/* scangobj-blurbs.h: forced into gtkdoc-scangobj's scanner program only
 * (see meson.build beside this file); never part of the library.
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * caller-glib's properties have no nick and no blurb (NULL, as GLib does
 * now): they are documented by their gtk-doc comments. gtk-doc 1.33's
 * scanner writes a NULL blurb as "(null)" and gtkdoc-mkdb then warns
 * "Property X:y has no documentation" even when the doc comment is there
 * and used. Reading a NULL blurb as "" keeps the manual the same and the
 * build free of that false warning.
 */

#pragma once

#include <glib-object.h>

#define g_param_spec_get_blurb(pspec) \
  (g_param_spec_get_blurb (pspec) != NULL ? g_param_spec_get_blurb (pspec) : "")
