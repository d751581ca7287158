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

/* A function a binding installs for the whole process (with its data and
 * the data's destroy notify), replaced as a whole: a call under way keeps
 * the hook it took (_cg_hook_dup() ... _cg_hook_unref()). */
typedef struct
{
  gint           ref;   /* atomic */
  gpointer       func;
  gpointer       data;
  GDestroyNotify destroy;
} CgHook;

void        _cg_hook_replace     (CgHook        **slot,
                                  gpointer        func,
                                  gpointer        data,
                                  GDestroyNotify  destroy);
CgHook     *_cg_hook_dup         (CgHook        **slot);
void        _cg_hook_unref       (CgHook         *hook);

/* Thread-local variables of the library, on its hot paths. The
 * initial-exec model reads them without a call into the dynamic linker;
 * the few bytes they take fit in the static TLS space glibc keeps for
 * libraries loaded later (by a binding, say). */
#define CG_THREAD_LOCAL __thread __attribute__ ((tls_model ("initial-exec")))

/* g_thread_self() without its thread-specific-data lookup. */
GThread    *_cg_thread_self      (void);

/* How long a waiting thread, or an owned caller thread that ran out of
 * work, spins before it parks (microseconds). Parking and being woken
 * costs tens of microseconds on a virtual machine; a short spin catches a
 * reply that is about to arrive. CG_SPIN_USEC overrides it. */
gint64      _cg_spin_usec        (void);

/* ThreadSanitizer cannot see the synchronisation inside GLib, which is not
 * instrumented: these wrappers tell it about the locks the library uses.
 * Outside TSan builds they are the plain GLib calls. */
#if defined(__SANITIZE_THREAD__)
# define CG_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define CG_TSAN 1
# endif
#endif

#ifdef CG_TSAN
# include <sanitizer/tsan_interface.h>
# define _CG_TSAN_ACQUIRE(p) __tsan_acquire ((void *) (p))
# define _CG_TSAN_RELEASE(p) __tsan_release ((void *) (p))
#else
# define _CG_TSAN_ACQUIRE(p) ((void) 0)
# define _CG_TSAN_RELEASE(p) ((void) 0)
#endif

static inline void
_cg_mutex_lock (GMutex *mutex)
{
  g_mutex_lock (mutex);
  _CG_TSAN_ACQUIRE (mutex);
}

static inline void
_cg_mutex_unlock (GMutex *mutex)
{
  _CG_TSAN_RELEASE (mutex);
  g_mutex_unlock (mutex);
}

static inline void
_cg_cond_wait (GCond  *cond,
               GMutex *mutex)
{
  _CG_TSAN_RELEASE (mutex);
  g_cond_wait (cond, mutex);
  _CG_TSAN_ACQUIRE (mutex);
}

static inline gboolean
_cg_cond_wait_until (GCond  *cond,
                     GMutex *mutex,
                     gint64  end_time)
{
  gboolean signalled;

  _CG_TSAN_RELEASE (mutex);
  signalled = g_cond_wait_until (cond, mutex, end_time);
  _CG_TSAN_ACQUIRE (mutex);
  return signalled;
}

static inline void
_cg_bit_lock (gint *address,
              gint  bit)
{
  g_bit_lock (address, bit);
  _CG_TSAN_ACQUIRE (address);
}

static inline void
_cg_bit_unlock (gint *address,
                gint  bit)
{
  _CG_TSAN_RELEASE (address);
  g_bit_unlock (address, bit);
}

/* Destroys and drops a source the library attached, if there is one. */
static inline void
_cg_source_drop (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static inline void
_cg_cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

/* Asks the processor to fetch the cache line of @address for writing,
 * without waiting for it: a hint, which never faults. */
static inline void
_cg_prefetch_for_write (gconstpointer address)
{
#if defined(__GNUC__)
  __builtin_prefetch (address, 1, 3);
#endif
}

/* Spinning threads (an idle caller's, a blocking wait's, a pool worker's)
 * read the clock every 64 pauses and give the processor away
 * (sched_yield()) at most every 20 µs. The yield is for a thread that
 * shares this processor, the one that is to answer perhaps; it is a
 * system call, 1 to 2 µs on a virtual machine, during which the spinner
 * sees nothing, so yielding at every clock reading made a round trip
 * between two spinning threads slower by a fifth. */
#define CG_SPIN_YIELD_USEC 20

typedef struct
{
  gint64 now;        /* the last clock reading */
  gint64 next_yield;
  guint  i;
} CgSpin;

static inline void
_cg_spin_init (CgSpin *spin)
{
  spin->now = g_get_monotonic_time ();
  spin->next_yield = spin->now + CG_SPIN_YIELD_USEC;
  spin->i = 0;
}

/* One pause of a spin; every 64, spin->now is read again (and the
 * processor given away when it is time). */
static inline void
_cg_spin_pause (CgSpin *spin)
{
  _cg_cpu_relax ();
  if ((++spin->i & 63) != 0)
    return;
  spin->now = g_get_monotonic_time ();
  if (spin->now >= spin->next_yield)
    {
      g_thread_yield ();
      spin->next_yield = spin->now + CG_SPIN_YIELD_USEC;
    }
}

G_END_DECLS
