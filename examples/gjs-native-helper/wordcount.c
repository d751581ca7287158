/* wordcount.c: counts the words of a file on a pool thread; JavaScript
 * awaits the future on its own thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "wordcount.h"

/* Runs on a pool thread: blocking is fine here. */
static void
count_words (CgFuture *future,
             gpointer  user_data)
{
  const char *path = user_data;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gssize words = 0;
  gboolean in_word = FALSE;

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      cg_future_return_error (future, g_steal_pointer (&error), NULL);
      return;
    }
  for (const char *p = text; *p != '\0'; p++)
    {
      gboolean space = g_ascii_isspace (*p);

      words += !space && !in_word;
      in_word = !space;
    }
  cg_future_return_int (future, words, NULL);
}

/**
 * word_count_file:
 * @path: (type filename): a file
 *
 * Counts the words of @path on a pool thread.
 *
 * Returns: (transfer full): a future of the count
 */
CgFuture *
word_count_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  CgFuture *future = cg_caller_to_thread (count_words, g_strdup (path), g_free, &error);

  if (future == NULL)
    {
      future = cg_future_new ();
      cg_future_return_error (future, g_steal_pointer (&error), NULL);
    }
  return future;
}
