/* test-translation.c: caller-glib's errors come in the user's language
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs under de_DE.UTF-8 with CG_LOCALEDIR pointing at the translations
 * built in the build tree (see meson.build), provokes real failures of the
 * library and checks that their messages are the German ones of po/de.po.
 * Exits 77 (skipped) when the locale is not installed: generate it with
 * tools/install-deps.sh (as root).
 */

#include <caller-glib.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#define TEST_LOCALE "de_DE.UTF-8"
#define EXIT_SKIP 77

static int failures = 0;

static void
nothing_job (CgFuture *future,
             gpointer  user_data)
{
}

/* Checks that @error is set, in @domain with @code, and says @expected. */
static void
check_error (const char   *what,
             const GError *error,
             GQuark        domain,
             gint          code,
             const char   *expected)
{
  if (error == NULL)
    {
      printf ("FAIL %s: no error was reported\n", what);
      failures++;
    }
  else if (error->domain != domain || error->code != code)
    {
      printf ("FAIL %s: wrong error %s/%d: %s\n", what,
              g_quark_to_string (error->domain), error->code, error->message);
      failures++;
    }
  else if (strcmp (error->message, expected) != 0)
    {
      printf ("FAIL %s: the message is not the German one\n"
              "  got:      %s\n"
              "  expected: %s\n", what, error->message, expected);
      failures++;
    }
  else
    {
      printf ("ok   %s: %s\n", what, error->message);
    }
}

int
main (void)
{
  const char *locale;
  const char *localedir = g_getenv ("CG_LOCALEDIR");

  locale = setlocale (LC_ALL, "");
  if (locale == NULL || !g_str_has_prefix (locale, "de_DE"))
    {
      printf ("SKIP: the %s locale is not installed here (setlocale gave %s); "
              "run tools/install-deps.sh as root to generate it\n",
              TEST_LOCALE, locale != NULL ? locale : "nothing");
      return EXIT_SKIP;
    }
  printf ("locale %s, translations from %s\n", locale,
          localedir != NULL ? localedir : "the installed locale directory");

  /* NOT_FOUND: the current thread has no caller and none is created. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CgCaller) caller = cg_caller_get (NULL, FALSE, FALSE, &error);

    check_error ("cg_caller_get without create", error,
                 CG_CALLER_ERROR, CG_CALLER_ERROR_NOT_FOUND,
                 "Der Thread hat keinen Caller; lassen Sie einen erstellen");
  }

  /* CLOSED, with the caller's name in the message. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CgCaller) worker = NULL;
    g_autoptr(CgFuture) future = NULL;

    worker = cg_caller_start_new ("i18n-worker", FALSE, NULL, &error);
    if (worker == NULL)
      {
        printf ("FAIL could not start a caller: %s\n", error->message);
        return 1;
      }
    cg_caller_stop (worker, FALSE);

    future = cg_caller_call_soon (worker, nothing_job, NULL, NULL, &error);
    check_error ("cg_caller_call_soon after cg_caller_stop", error,
                 CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED,
                 "Der Caller „i18n-worker“ ist angehalten und nimmt keine "
                 "neuen Jobs an");
  }

  /* WRONG_THREAD: a blocking wait on the future's own thread. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CgFuture) future = cg_future_new ();

    cg_future_wait_sync (future, 1.0, CG_WAIT_FLAGS_SHIELD, NULL, &error);
    check_error ("cg_future_wait_sync on the owner thread", error,
                 CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD,
                 "In seinem eigenen Thread kann nicht blockierend auf ein "
                 "Future gewartet werden: Dieser Thread muss es abschließen; "
                 "warten Sie dort stattdessen asynchron darauf");
  }

  /* INVALID_STATE: reading a future that is not done. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CgFuture) future = cg_future_new ();

    cg_future_check (future, &error);
    check_error ("cg_future_check before completion", error,
                 CG_FUTURE_ERROR, CG_FUTURE_ERROR_INVALID_STATE,
                 "Das Future ist noch nicht abgeschlossen; warten Sie darauf, "
                 "bevor Sie sein Ergebnis lesen");
  }

  /* CANCELLED without a message of the canceller's own. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CgFuture) future = cg_future_new ();

    cg_future_cancel (future, NULL);
    cg_future_check (future, &error);
    check_error ("cg_future_check after cg_future_cancel", error,
                 CG_FUTURE_ERROR, CG_FUTURE_ERROR_CANCELLED,
                 "Das Future wurde abgebrochen");
  }

  if (failures > 0)
    {
      printf ("%d message(s) not translated\n", failures);
      return 1;
    }
  return 0;
}
