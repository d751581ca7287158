/* test-recycler.c: unit tests of the recycler that keeps futures and
 * direct calls for reuse (cg-recycler.c)
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The recycler is private to the library, so this program compiles
 * caller-glib/cg-recycler.c into itself (see tests/c/meson.build) and links
 * GLib only. What it promises (cg-recycler-private.h):
 *
 *  - an item given back comes out again, last in first out, with its link
 *    cleared; an empty recycler gives NULL;
 *  - a thread keeps CG_RECYCLER_MAGAZINE items; more go to the shared
 *    depot a magazine at a time, where another thread takes them;
 *  - with the magazine and the depot (CG_RECYCLER_DEPOT batches) full,
 *    there is no room: _cg_recycler_give() answers FALSE;
 *  - when a thread ends, what it keeps is dropped, and items given back
 *    while it ends (by the drops) are refused.
 */

#include "cg-private.h"

#include "cg-recycler-private.h"

typedef struct
{
  gpointer link;
  guint    id;
} Item;

static gint dropped;
static gint refused_while_exiting;
static CgRecycler *exiting_recycler;

static void
item_drop (gpointer data)
{
  Item *item = data;

  g_atomic_int_inc (&dropped);
  /* What a drop gives back (a future's last unref) is not kept. */
  if (exiting_recycler != NULL)
    {
      Item *more = g_new0 (Item, 1);

      if (!_cg_recycler_give (exiting_recycler, more))
        {
          g_atomic_int_inc (&refused_while_exiting);
          g_free (more);
        }
    }
  g_free (item);
}

static Item *
item_new (guint id)
{
  Item *item = g_new0 (Item, 1);

  item->id = id;
  return item;
}

/* Each test has a recycler of its own; as in the library, a thread uses a
 * slot for one recycler only, so tests that share a slot on one thread
 * leave it empty. */

static void
test_take_what_was_given (void)
{
  static CgRecycler recycler = CG_RECYCLER_INIT (G_STRUCT_OFFSET (Item, link), item_drop, 0);
  Item *a = item_new (1), *b = item_new (2), *got;

  g_assert_null (_cg_recycler_take (&recycler));
  g_assert_true (_cg_recycler_give (&recycler, a));
  g_assert_true (_cg_recycler_give (&recycler, b));

  got = _cg_recycler_take (&recycler);
  g_assert_true (got == b);
  g_assert_null (got->link);
  got = _cg_recycler_take (&recycler);
  g_assert_true (got == a);
  g_assert_null (got->link);
  g_assert_null (_cg_recycler_take (&recycler));

  g_free (a);
  g_free (b);
}

typedef struct
{
  CgRecycler *recycler;
  guint       n;
  GPtrArray  *taken;
} Taker;

static gpointer
take_all (gpointer data)
{
  Taker *taker = data;
  Item *item;

  while ((item = _cg_recycler_take (taker->recycler)) != NULL)
    g_ptr_array_add (taker->taken, item);
  return NULL;
}

static void
test_full_magazines_go_to_the_depot (void)
{
  static CgRecycler recycler = CG_RECYCLER_INIT (G_STRUCT_OFFSET (Item, link), item_drop, 1);
  Taker taker = { &recycler, 0, g_ptr_array_new_with_free_func (g_free) };
  guint n = 2 * CG_RECYCLER_MAGAZINE + 5;
  GThread *thread;

  for (guint i = 0; i < n; i++)
    g_assert_true (_cg_recycler_give (&recycler, item_new (i)));

  /* Another thread finds the two full magazines in the depot, not the
   * five this thread still keeps. */
  thread = g_thread_new ("taker", take_all, &taker);
  g_thread_join (thread);
  g_assert_cmpuint (taker.taken->len, ==, 2 * CG_RECYCLER_MAGAZINE);

  for (guint i = 0; i < 5; i++)
    {
      Item *item = _cg_recycler_take (&recycler);

      g_assert_nonnull (item);
      g_assert_cmpuint (item->id, ==, n - 1 - i);
      g_free (item);
    }
  g_assert_null (_cg_recycler_take (&recycler));
  g_ptr_array_unref (taker.taken);
}

static gpointer
fill_depot_and_more (gpointer data)
{
  CgRecycler *recycler = data;
  guint kept = 0;
  Item *item;

  for (guint i = 0; i < (CG_RECYCLER_DEPOT + 1) * CG_RECYCLER_MAGAZINE; i++)
    {
      item = item_new (i);
      if (_cg_recycler_give (recycler, item))
        kept++;
      else
        g_free (item);
    }
  g_assert_cmpuint (kept, ==, (CG_RECYCLER_DEPOT + 1) * CG_RECYCLER_MAGAZINE);

  /* Magazine and depot full: no room. */
  item = item_new (0);
  g_assert_false (_cg_recycler_give (recycler, item));
  g_free (item);

  /* The thread ends: its full magazine is dropped, the depot stays. */
  g_atomic_int_set (&dropped, 0);
  return NULL;
}

static void
test_no_room_when_full (void)
{
  static CgRecycler recycler = CG_RECYCLER_INIT (G_STRUCT_OFFSET (Item, link), item_drop, 0);
  GThread *thread = g_thread_new ("filler", fill_depot_and_more, &recycler);
  guint taken = 0;
  Item *item;

  g_thread_join (thread);
  g_assert_cmpint (g_atomic_int_get (&dropped), ==, CG_RECYCLER_MAGAZINE);

  while ((item = _cg_recycler_take (&recycler)) != NULL)
    {
      taken++;
      g_free (item);
    }
  g_assert_cmpuint (taken, ==, CG_RECYCLER_DEPOT * CG_RECYCLER_MAGAZINE);
}

static gpointer
keep_some (gpointer data)
{
  CgRecycler *recycler = data;

  for (guint i = 0; i < 10; i++)
    g_assert_true (_cg_recycler_give (recycler, item_new (i)));
  exiting_recycler = recycler;
  return NULL;
}

static void
test_a_thread_that_ends_drops_what_it_keeps (void)
{
  static CgRecycler recycler = CG_RECYCLER_INIT (G_STRUCT_OFFSET (Item, link), item_drop, 1);
  GThread *thread;

  g_atomic_int_set (&dropped, 0);
  g_atomic_int_set (&refused_while_exiting, 0);
  thread = g_thread_new ("keeper", keep_some, &recycler);
  g_thread_join (thread);
  exiting_recycler = NULL;

  g_assert_cmpint (g_atomic_int_get (&dropped), ==, 10);
  g_assert_cmpint (g_atomic_int_get (&refused_while_exiting), ==, 10);
  /* Nothing of it went to the depot. */
  g_assert_null (recycler.depot);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recycler/take-what-was-given", test_take_what_was_given);
  g_test_add_func ("/recycler/full-magazines-go-to-the-depot",
                   test_full_magazines_go_to_the_depot);
  g_test_add_func ("/recycler/no-room-when-full", test_no_room_when_full);
  g_test_add_func ("/recycler/a-thread-that-ends-drops-what-it-keeps",
                   test_a_thread_that_ends_drops_what_it_keeps);

  return g_test_run ();
}
