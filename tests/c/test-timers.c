/* test-timers.c: unit tests of a caller's timer heap (cg-timers.c)
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The heap is private to the library, so this program compiles
 * caller-glib/cg-timers.c into itself (see tests/c/meson.build) and links
 * GLib only. What the heap promises (cg-timers-private.h, cg-timers.c):
 *
 *  - nodes come out by deadline, earliest first; nodes with the same
 *    deadline come out in the order they were pushed;
 *  - cg_timer_heap_pop_due() gives a node only once its deadline is not
 *    after `now`; cg_timer_heap_next() is the earliest deadline, or
 *    G_MAXINT64 for an empty heap;
 *  - every node in the heap knows its index (CgInboxNode.timer_slot), so
 *    cg_timer_heap_remove() takes any node out, and answers FALSE for a
 *    node that is not in the heap;
 *  - the heap grows as needed, and gives back room once three quarters
 *    of it are unused, keeping at least MIN_ALLOCATED (16) entries.
 *
 * Besides the outcomes, the tests check the heap's own invariant after
 * each change: every parent comes before its children, and every node's
 * timer_slot is its index.
 */

#include "cg-private.h"

#include "cg-timers-private.h"

#include <string.h>

/* The least room the heap keeps once it has any: MIN_ALLOCATED in
 * cg-timers.c. */
#define HEAP_MIN_ALLOCATED 16

typedef struct
{
  CgInboxNode node;
  gint64      deadline;
  guint       order;    /* push order, for ties */
  gboolean    in_heap;
} TestTimer;

#define TEST_TIMER(n) ((TestTimer *) (n))

static gboolean
timer_before (const TestTimer *a,
              const TestTimer *b)
{
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->order < b->order);
}

/* The heap's invariant: parents first, slots right, room enough. */
static void
assert_heap_valid (CgTimerHeap *heap)
{
  g_assert_cmpuint (heap->length, <=, heap->allocated);
  for (guint i = 0; i < heap->length; i++)
    {
      CgTimerEntry *entry = &heap->entries[i];

      g_assert_nonnull (entry->node);
      g_assert_cmpuint (entry->node->timer_slot, ==, i);
      g_assert_cmpint (entry->deadline, ==, TEST_TIMER (entry->node)->deadline);
      if (i > 0)
        {
          CgTimerEntry *parent = &heap->entries[(i - 1) / 2];

          g_assert_true (parent->deadline < entry->deadline ||
                         (parent->deadline == entry->deadline &&
                          parent->serial < entry->serial));
        }
    }
  if (heap->length == 0)
    g_assert_cmpint (cg_timer_heap_next (heap), ==, G_MAXINT64);
  else
    g_assert_cmpint (cg_timer_heap_next (heap), ==, heap->entries[0].deadline);
}

static guint next_order;

static void
push (CgTimerHeap *heap,
      TestTimer   *timer,
      gint64       deadline)
{
  timer->deadline = deadline;
  timer->order = next_order++;
  timer->in_heap = TRUE;
  cg_timer_heap_push (heap, deadline, &timer->node);
  assert_heap_valid (heap);
}

static TestTimer *
pop_due (CgTimerHeap *heap,
         gint64       now)
{
  CgInboxNode *node = cg_timer_heap_pop_due (heap, now);

  assert_heap_valid (heap);
  if (node == NULL)
    return NULL;
  g_assert_true (TEST_TIMER (node)->in_heap);
  g_assert_cmpint (TEST_TIMER (node)->deadline, <=, now);
  TEST_TIMER (node)->in_heap = FALSE;
  return TEST_TIMER (node);
}

static void
test_empty (void)
{
  CgTimerHeap heap = { 0, };
  TestTimer timer;

  memset (&timer, 0, sizeof timer);
  g_assert_cmpint (cg_timer_heap_next (&heap), ==, G_MAXINT64);
  g_assert_null (cg_timer_heap_pop_due (&heap, G_MAXINT64));
  g_assert_null (cg_timer_heap_steal_all (&heap));
  /* A node that was never pushed is not there (its slot is 0, the
   * heap has no entry 0). */
  g_assert_false (cg_timer_heap_remove (&heap, &timer.node));
  cg_timer_heap_clear (&heap);
  cg_timer_heap_clear (&heap);
}

/* Earliest deadline first, whatever the push order; nothing before its
 * deadline, and a deadline equal to `now` is due. */
static void
test_deadline_order (void)
{
  const gint64 deadlines[] = { 50, 10, 40, 30, 20, -5, 100, 0 };
  const gint64 sorted[] = { -5, 0, 10, 20, 30, 40, 50, 100 };
  TestTimer timers[G_N_ELEMENTS (deadlines)];
  CgTimerHeap heap = { 0, };
  TestTimer *timer;

  memset (timers, 0, sizeof timers);
  for (guint i = 0; i < G_N_ELEMENTS (deadlines); i++)
    push (&heap, &timers[i], deadlines[i]);
  g_assert_cmpint (cg_timer_heap_next (&heap), ==, -5);

  /* Nothing is due before the earliest deadline. */
  g_assert_null (pop_due (&heap, -6));

  /* At 20: the four up to 20, earliest first, then nothing more. */
  for (guint i = 0; i < 4; i++)
    {
      timer = pop_due (&heap, 20);
      g_assert_nonnull (timer);
      g_assert_cmpint (timer->deadline, ==, sorted[i]);
    }
  g_assert_null (pop_due (&heap, 20));
  g_assert_cmpint (cg_timer_heap_next (&heap), ==, 30);

  for (guint i = 4; i < G_N_ELEMENTS (sorted); i++)
    {
      timer = pop_due (&heap, G_MAXINT64);
      g_assert_nonnull (timer);
      g_assert_cmpint (timer->deadline, ==, sorted[i]);
    }
  g_assert_null (pop_due (&heap, G_MAXINT64));
  g_assert_cmpuint (heap.length, ==, 0);
  cg_timer_heap_clear (&heap);
}

/* Equal deadlines come out in push order, also when pushed among others
 * and after some were taken out. */
static void
test_ties_keep_push_order (void)
{
  TestTimer timers[40];
  CgTimerHeap heap = { 0, };
  TestTimer *prev = NULL, *timer;

  memset (timers, 0, sizeof timers);
  /* Deadlines 0, 1, 2, 0, 1, 2, ...: each deadline 13 or 14 times. */
  for (guint i = 0; i < 30; i++)
    push (&heap, &timers[i], i % 3);
  /* Remove some from the middle, then push more with the same deadlines:
   * the new ones come after the old ones of their deadline. */
  for (guint i = 4; i < 30; i += 7)
    {
      g_assert_true (cg_timer_heap_remove (&heap, &timers[i].node));
      timers[i].in_heap = FALSE;
      assert_heap_valid (&heap);
    }
  for (guint i = 30; i < 40; i++)
    push (&heap, &timers[i], i % 3);

  while ((timer = pop_due (&heap, G_MAXINT64)) != NULL)
    {
      if (prev != NULL)
        g_assert_true (timer_before (prev, timer));
      prev = timer;
    }
  for (guint i = 0; i < 40; i++)
    g_assert_false (timers[i].in_heap);
  cg_timer_heap_clear (&heap);
}

/* Removing from the middle: the other nodes' slots follow their moves,
 * and the order of the rest is kept. A node that is not there (removed
 * already, popped, never pushed) is refused and changes nothing. */
static void
test_remove_middle (void)
{
  TestTimer timers[12], stranger;
  CgTimerHeap heap = { 0, };
  TestTimer *timer, *prev = NULL;
  guint length;

  memset (timers, 0, sizeof timers);
  memset (&stranger, 0, sizeof stranger);
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    push (&heap, &timers[i], (gint64) ((i * 7) % 12) * 10);

  /* A node deep in the heap: neither the root nor the last entry. */
  timer = TEST_TIMER (heap.entries[4].node);
  g_assert_true (cg_timer_heap_remove (&heap, &timer->node));
  timer->in_heap = FALSE;
  assert_heap_valid (&heap);
  g_assert_cmpuint (heap.length, ==, 11);

  /* Removed already: refused, heap unchanged. */
  length = heap.length;
  g_assert_false (cg_timer_heap_remove (&heap, &timer->node));
  g_assert_cmpuint (heap.length, ==, length);
  assert_heap_valid (&heap);

  /* Never pushed, its slot pointing at a real index: refused. */
  stranger.node.timer_slot = 2;
  g_assert_false (cg_timer_heap_remove (&heap, &stranger.node));
  g_assert_cmpuint (heap.length, ==, length);

  /* A node in a list (its slot is a pointer): refused. */
  stranger.node.next = &timers[0].node;
  g_assert_false (cg_timer_heap_remove (&heap, &stranger.node));

  /* The root, and the last entry. */
  timer = TEST_TIMER (heap.entries[0].node);
  g_assert_true (cg_timer_heap_remove (&heap, &timer->node));
  timer->in_heap = FALSE;
  assert_heap_valid (&heap);
  timer = TEST_TIMER (heap.entries[heap.length - 1].node);
  g_assert_true (cg_timer_heap_remove (&heap, &timer->node));
  timer->in_heap = FALSE;
  assert_heap_valid (&heap);
  g_assert_cmpuint (heap.length, ==, 9);

  /* Popped: refused too. */
  timer = pop_due (&heap, G_MAXINT64);
  g_assert_nonnull (timer);
  g_assert_false (cg_timer_heap_remove (&heap, &timer->node));
  g_assert_cmpuint (heap.length, ==, 8);

  prev = timer;
  while ((timer = pop_due (&heap, G_MAXINT64)) != NULL)
    {
      g_assert_true (timer_before (prev, timer));
      prev = timer;
    }
  cg_timer_heap_clear (&heap);
}

/* The heap grows past its first room, stays ordered, and gives the room
 * back as it empties, down to its least room. */
static void
test_growth (void)
{
  const guint n = 5000;
  TestTimer *timers = g_new0 (TestTimer, n);
  CgTimerHeap heap = { 0, };
  TestTimer *timer, *prev = NULL;
  guint peak, popped = 0;

  /* Deadlines in a scrambled order (7919 is prime, so i * 7919 % n visits
   * every value once), each twice over two halves: ties on the way. */
  for (guint i = 0; i < n; i++)
    {
      cg_timer_heap_push (&heap, (gint64) ((i * 7919) % (n / 2)), &timers[i].node);
      timers[i].deadline = (gint64) ((i * 7919) % (n / 2));
      timers[i].order = next_order++;
      timers[i].in_heap = TRUE;
      g_assert_cmpuint (heap.length, ==, i + 1);
      g_assert_cmpuint (heap.allocated, >=, heap.length);
    }
  assert_heap_valid (&heap);
  peak = heap.allocated;
  g_assert_cmpuint (peak, >=, n);
  /* Doubling: never more than twice what is needed. */
  g_assert_cmpuint (peak, <, 2 * n);

  while ((timer = pop_due (&heap, G_MAXINT64)) != NULL)
    {
      if (prev != NULL)
        g_assert_true (timer_before (prev, timer));
      prev = timer;
      popped++;
      /* Never three quarters unused, beyond the least room. */
      if (heap.allocated > HEAP_MIN_ALLOCATED)
        g_assert_cmpuint (heap.length, >=, heap.allocated / 4);
    }
  g_assert_cmpuint (popped, ==, n);
  g_assert_cmpuint (heap.allocated, ==, HEAP_MIN_ALLOCATED);

  /* Room comes back on removal from the middle too. */
  for (guint i = 0; i < n; i++)
    cg_timer_heap_push (&heap, (gint64) (n - i), &timers[i].node);
  for (guint i = 0; i < n; i++)
    timers[i].deadline = (gint64) (n - i);
  assert_heap_valid (&heap);
  for (guint i = 0; i < n; i += 2)
    g_assert_true (cg_timer_heap_remove (&heap, &timers[i].node));
  assert_heap_valid (&heap);
  for (guint i = 1; i < n; i += 2)
    {
      g_assert_true (cg_timer_heap_remove (&heap, &timers[i].node));
      if (heap.allocated > HEAP_MIN_ALLOCATED)
        g_assert_cmpuint (heap.length, >=, heap.allocated / 4);
    }
  assert_heap_valid (&heap);
  g_assert_cmpuint (heap.length, ==, 0);
  g_assert_cmpuint (heap.allocated, ==, HEAP_MIN_ALLOCATED);

  cg_timer_heap_clear (&heap);
  g_assert_null (heap.entries);
  g_assert_cmpuint (heap.allocated, ==, 0);
  g_free (timers);
}

/* cg_timer_heap_steal_all() empties the heap into a list linked through
 * `next`, in deadline order (ties in push order). */
static void
test_steal_all (void)
{
  TestTimer timers[20];
  CgTimerHeap heap = { 0, };
  CgInboxNode *list;
  TestTimer *prev = NULL;
  guint n = 0;

  memset (timers, 0, sizeof timers);
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    push (&heap, &timers[i], (gint64) ((i * 3) % 7));

  list = cg_timer_heap_steal_all (&heap);
  g_assert_cmpuint (heap.length, ==, 0);
  assert_heap_valid (&heap);
  for (; list != NULL; list = list->next)
    {
      if (prev != NULL)
        g_assert_true (timer_before (prev, TEST_TIMER (list)));
      prev = TEST_TIMER (list);
      n++;
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (timers));

  /* The emptied heap works as a new one. */
  push (&heap, &timers[0], 1);
  g_assert_true (pop_due (&heap, 1) == &timers[0]);
  cg_timer_heap_clear (&heap);
}

/* A model check: random pushes, removals and pops, compared with a
 * sorted array of what should be in the heap. The seed comes from GTest
 * (--seed to repeat a run). */
static void
model_insert (GPtrArray *model,
              TestTimer *timer)
{
  guint i = model->len;

  while (i > 0 && timer_before (timer, g_ptr_array_index (model, i - 1)))
    i--;
  g_ptr_array_insert (model, (gint) i, timer);
}

static void
test_random_against_model (void)
{
  const guint n = 1000;
  TestTimer *timers = g_new0 (TestTimer, n);
  GPtrArray *model = g_ptr_array_new ();
  CgTimerHeap heap = { 0, };
  guint next_free = 0;

  for (guint step = 0; step < 6000; step++)
    {
      gint what = g_test_rand_int_range (0, 10);

      if (what < 5 && next_free < n)
        {
          TestTimer *timer = &timers[next_free++];

          push (&heap, timer, g_test_rand_int_range (0, 200));
          model_insert (model, timer);
        }
      else if (what < 7 && model->len > 0)
        {
          guint k = (guint) g_test_rand_int_range (0, (gint32) model->len);
          TestTimer *timer = g_ptr_array_index (model, k);

          g_assert_true (cg_timer_heap_remove (&heap, &timer->node));
          timer->in_heap = FALSE;
          assert_heap_valid (&heap);
          g_ptr_array_remove_index (model, k);
          g_assert_false (cg_timer_heap_remove (&heap, &timer->node));
        }
      else
        {
          gint64 now = g_test_rand_int_range (-10, 210);
          TestTimer *timer = pop_due (&heap, now);

          if (model->len > 0 && TEST_TIMER (g_ptr_array_index (model, 0))->deadline <= now)
            {
              g_assert_true (timer == g_ptr_array_index (model, 0));
              g_ptr_array_remove_index (model, 0);
            }
          else
            g_assert_null (timer);
        }
      g_assert_cmpuint (heap.length, ==, model->len);
    }

  cg_timer_heap_clear (&heap);
  g_ptr_array_unref (model);
  g_free (timers);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/timers/empty", test_empty);
  g_test_add_func ("/timers/deadline-order", test_deadline_order);
  g_test_add_func ("/timers/ties-keep-push-order", test_ties_keep_push_order);
  g_test_add_func ("/timers/remove-middle", test_remove_middle);
  g_test_add_func ("/timers/growth", test_growth);
  g_test_add_func ("/timers/steal-all", test_steal_all);
  g_test_add_func ("/timers/random-against-model", test_random_against_model);

  return g_test_run ();
}
