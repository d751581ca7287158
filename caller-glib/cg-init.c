/* cg-init.c: process-wide set-up
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include <stdlib.h>

static GThread *main_thread;

/* The library is normally loaded before any thread starts, so the thread
 * that loads it is the main thread, the one that runs
 * g_main_context_default() in a typical application. */
__attribute__((constructor)) static void
cg_library_constructor (void)
{
  main_thread = g_thread_self ();
}

GThread *
_cg_main_thread (void)
{
  return main_thread;
}

void
_cg_init_i18n (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      /* CG_LOCALEDIR points at uninstalled translations (the tests). */
      const char *localedir = g_getenv ("CG_LOCALEDIR");

      bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialised, 1);
    }
}

gint64
_cg_spin_usec (void)
{
  static gsize value = 0;

  if (g_once_init_enter (&value))
    {
      const char *env = g_getenv ("CG_SPIN_USEC");
      gint64 spin = 15;

      if (env != NULL)
        spin = CLAMP (g_ascii_strtoll (env, NULL, 10), 0, 10000);
      /* Stored plus one so that a spin of zero still marks "initialised". */
      g_once_init_leave (&value, (gsize) spin + 1);
    }

  return (gint64) value - 1;
}

static CG_THREAD_LOCAL GThread *thread_self;

GThread *
_cg_thread_self (void)
{
  if (G_UNLIKELY (thread_self == NULL))
    thread_self = g_thread_self ();
  return thread_self;
}

/* Process-wide hooks ------------------------------------------------------ */

static GMutex hooks_lock;

void
_cg_hook_unref (CgHook *hook)
{
  if (hook != NULL && g_atomic_int_dec_and_test (&hook->ref))
    {
      if (hook->destroy != NULL)
        hook->destroy (hook->data);
      g_free (hook);
    }
}

/* Installs @func (NULL: none) in @slot; the old hook goes once no call
 * uses it any more. */
void
_cg_hook_replace (CgHook         **slot,
                  gpointer         func,
                  gpointer         data,
                  GDestroyNotify   destroy)
{
  CgHook *hook = NULL, *old;

  if (func != NULL)
    {
      hook = g_new0 (CgHook, 1);
      g_atomic_int_set (&hook->ref, 1);
      hook->func = func;
      hook->data = data;
      hook->destroy = destroy;
    }
  else if (destroy != NULL)
    {
      destroy (data);
    }

  g_mutex_lock (&hooks_lock);
  old = *slot;
  *slot = hook;
  g_mutex_unlock (&hooks_lock);

  _cg_hook_unref (old);
}

/* The hook in @slot with a reference, or NULL. */
CgHook *
_cg_hook_dup (CgHook **slot)
{
  CgHook *hook;

  g_mutex_lock (&hooks_lock);
  hook = *slot;
  if (hook != NULL)
    g_atomic_int_inc (&hook->ref);
  g_mutex_unlock (&hooks_lock);

  return hook;
}
