/* cg-private.h: what every file of the library shares
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "config.h"

#include <glib/gi18n-lib.h>

#include "caller-glib.h"

G_BEGIN_DECLS

/* Messages shown to users come from the caller-glib gettext domain; the
 * domain is bound on first use. */
void        _cg_init_i18n        (void);
#undef _
#define _(s) (_cg_init_i18n (), g_dgettext (GETTEXT_PACKAGE, (s)))

GThread    *_cg_main_thread      (void);

/* How long a waiting thread, or an owned caller thread that ran out of
 * work, spins before it parks (microseconds). Parking and being woken
 * costs tens of microseconds on a virtual machine; a short spin catches a
 * reply that is about to arrive. CG_SPIN_USEC overrides it. */
gint64      _cg_spin_usec        (void);

static inline void
_cg_cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

G_END_DECLS
