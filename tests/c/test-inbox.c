/* test-inbox.c: unit tests of a caller's inbox (cg-inbox.c)
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The inbox is private to the library, so this program compiles
 * caller-glib/cg-inbox.c into itself (see tests/c/meson.build) and links
 * GLib only. What the inbox promises (cg-inbox-private.h):
 *
 *  - any number of threads push, one thread (the consumer) takes; nodes
 *    come out in the order they were pushed, across any mix of
 *    cg_inbox_take() and cg_inbox_pop_local();
 *  - cg_inbox_close() returns what was pushed and not taken, oldest first,
 *    and every push after it fails with CG_INBOX_CLOSED;
 *  - once the consumer has said it may sleep (cg_inbox_set_sleeping()),
 *    exactly one push answers CG_INBOX_PUSHED_WAKE: the one producer that
 *    has to wake the consumer; the others answer CG_INBOX_PUSHED.
 */

#include "cg-private.h"

#include "cg-inbox-private.h"

#include "test-helpers.h"

/* A node of the tests: the inbox node first, so that a CgInboxNode * is
 * a TestNode *. */
typedef struct
{
  CgInboxNode node;
  guint       producer;
  guint       seq;
  gint        seen;     /* how many times the consumer got it */
} TestNode;

#define TEST_NODE(n) ((TestNode *) (n))

static void
inbox_init (CgInbox *inbox)
{
  memset (inbox, 0, sizeof *inbox);
}

static TestNode *
nodes_new (guint n)
{
  TestNode *nodes = g_new0 (TestNode, n);

  for (guint i = 0; i < n; i++)
    nodes[i].seq = i;
  return nodes;
}

/* Asserts that @list holds exactly nodes[first..first+n-1], in order. */
static void
assert_list (CgInboxNode *list,
             TestNode    *nodes,
             guint        first,
             guint        n)
{
  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (list);
      g_assert_true (list == &nodes[first + i].node);
      list = list->next;
    }
  g_assert_null (list);
}

/* ------------------------------------------------------------------ */
/* One thread                                                          */
/* ------------------------------------------------------------------ */

static void
test_empty (void)
{
  CgInbox inbox;

  inbox_init (&inbox);
  g_assert_false (cg_inbox_has_pending (&inbox));
  g_assert_false (cg_inbox_is_closed (&inbox));
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 0);
  g_assert_null (cg_inbox_pop_local (&inbox));
  g_assert_null (cg_inbox_steal_local (&inbox));
  g_assert_cmpuint (inbox.local_length, ==, 0);
  /* Closing an empty inbox gives nothing back. */
  g_assert_null (cg_inbox_close (&inbox));
  g_assert_true (cg_inbox_is_closed (&inbox));
  g_assert_false (cg_inbox_has_pending (&inbox));
}

/* Nodes come out in push order, whether they are taken all at once or
 * while more are pushed. */
static void
test_fifo_across_take_and_pop (void)
{
  TestNode *nodes = nodes_new (6);
  CgInbox inbox;
  CgInboxNode *node;

  inbox_init (&inbox);

  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[0].node), ==, CG_INBOX_PUSHED);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[1].node), ==, CG_INBOX_PUSHED);
  g_assert_true (cg_inbox_has_pending (&inbox));
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 2);
  g_assert_cmpuint (inbox.local_length, ==, 2);
  g_assert_true (cg_inbox_has_pending (&inbox));

  /* Pushed after the take: behind what was taken. */
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[2].node), ==, CG_INBOX_PUSHED);
  node = cg_inbox_pop_local (&inbox);
  g_assert_true (node == &nodes[0].node);
  /* A popped node is no longer linked to the others. */
  g_assert_null (node->next);
  g_assert_cmpuint (inbox.local_length, ==, 1);

  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[3].node), ==, CG_INBOX_PUSHED);
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 2);
  g_assert_cmpuint (inbox.local_length, ==, 3);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[4].node), ==, CG_INBOX_PUSHED);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[5].node), ==, CG_INBOX_PUSHED);

  for (guint i = 1; i < 4; i++)
    g_assert_true (cg_inbox_pop_local (&inbox) == &nodes[i].node);
  /* The local FIFO is empty, the pushed stack is not. */
  g_assert_null (cg_inbox_pop_local (&inbox));
  g_assert_cmpuint (inbox.local_length, ==, 0);
  g_assert_true (cg_inbox_has_pending (&inbox));

  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 2);
  g_assert_true (cg_inbox_pop_local (&inbox) == &nodes[4].node);
  g_assert_true (cg_inbox_pop_local (&inbox) == &nodes[5].node);
  g_assert_null (cg_inbox_pop_local (&inbox));
  g_assert_false (cg_inbox_has_pending (&inbox));
  g_assert_null (inbox.local_head);
  g_assert_null (inbox.local_tail);

  g_free (nodes);
}

/* cg_inbox_steal_local() gives the consumer's FIFO as a list, oldest
 * first, and leaves it empty; what was pushed and not taken stays. */
static void
test_steal_local (void)
{
  TestNode *nodes = nodes_new (5);
  CgInbox inbox;
  CgInboxNode *list;

  inbox_init (&inbox);
  for (guint i = 0; i < 3; i++)
    cg_inbox_push (&inbox, &nodes[i].node);
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 3);
  cg_inbox_push (&inbox, &nodes[3].node);
  cg_inbox_push (&inbox, &nodes[4].node);

  list = cg_inbox_steal_local (&inbox);
  assert_list (list, nodes, 0, 3);
  g_assert_cmpuint (inbox.local_length, ==, 0);
  g_assert_null (cg_inbox_pop_local (&inbox));
  g_assert_null (cg_inbox_steal_local (&inbox));

  /* The two pushed later are still there, and a take finds them. */
  g_assert_true (cg_inbox_has_pending (&inbox));
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 2);
  list = cg_inbox_steal_local (&inbox);
  assert_list (list, nodes, 3, 2);
  g_assert_false (cg_inbox_has_pending (&inbox));

  g_free (nodes);
}

/* Closing returns what was pushed and not taken, oldest first; every
 * later push fails; what the consumer had taken stays in its FIFO. */
static void
test_close (void)
{
  TestNode *nodes = nodes_new (6);
  CgInbox inbox;
  CgInboxNode *pending;

  inbox_init (&inbox);
  cg_inbox_push (&inbox, &nodes[0].node);
  cg_inbox_push (&inbox, &nodes[1].node);
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 2);
  for (guint i = 2; i < 5; i++)
    cg_inbox_push (&inbox, &nodes[i].node);

  pending = cg_inbox_close (&inbox);
  assert_list (pending, nodes, 2, 3);
  g_assert_true (cg_inbox_is_closed (&inbox));

  /* A push after the close fails, and the node is not kept. */
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[5].node), ==, CG_INBOX_CLOSED);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[5].node), ==, CG_INBOX_CLOSED);
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 0);

  /* Closing again gives nothing more. */
  g_assert_null (cg_inbox_close (&inbox));
  g_assert_true (cg_inbox_is_closed (&inbox));

  /* The consumer's FIFO was not touched: it still drains, in order. */
  g_assert_true (cg_inbox_has_pending (&inbox));
  g_assert_cmpuint (inbox.local_length, ==, 2);
  g_assert_true (cg_inbox_pop_local (&inbox) == &nodes[0].node);
  assert_list (cg_inbox_steal_local (&inbox), nodes, 1, 1);
  g_assert_false (cg_inbox_has_pending (&inbox));
  g_assert_true (cg_inbox_is_closed (&inbox));

  g_free (nodes);
}

/* The wake protocol with one thread: after the consumer says it may
 * sleep, the first push wakes it and the next ones do not; saying it again
 * arms one more wake; a consumer that is awake is never woken. */
static void
test_sleeping_wakes_once (void)
{
  TestNode *nodes = nodes_new (8);
  CgInbox inbox;

  inbox_init (&inbox);

  /* Awake: no push wakes. */
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[0].node), ==, CG_INBOX_PUSHED);

  cg_inbox_set_sleeping (&inbox, TRUE);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[1].node), ==, CG_INBOX_PUSHED_WAKE);
  /* The wake cleared the flag: the consumer is being woken already. */
  g_assert_cmpint (g_atomic_int_get (&inbox.sleeping), ==, 0);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[2].node), ==, CG_INBOX_PUSHED);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[3].node), ==, CG_INBOX_PUSHED);

  cg_inbox_set_sleeping (&inbox, TRUE);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[4].node), ==, CG_INBOX_PUSHED_WAKE);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[5].node), ==, CG_INBOX_PUSHED);

  /* Announced, then taken back (the consumer found work): no wake. */
  cg_inbox_set_sleeping (&inbox, TRUE);
  cg_inbox_set_sleeping (&inbox, FALSE);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[6].node), ==, CG_INBOX_PUSHED);

  /* A closed inbox refuses the node and wakes nobody. */
  g_assert_cmpuint (cg_inbox_take (&inbox), ==, 7);
  assert_list (cg_inbox_steal_local (&inbox), nodes, 0, 7);
  g_assert_null (cg_inbox_close (&inbox));
  cg_inbox_set_sleeping (&inbox, TRUE);
  g_assert_cmpint (cg_inbox_push (&inbox, &nodes[7].node), ==, CG_INBOX_CLOSED);

  g_free (nodes);
}

/* ------------------------------------------------------------------ */
/* Many producer threads                                               */
/* ------------------------------------------------------------------ */

#define N_PRODUCERS 4
#define N_PER_PRODUCER 20000

/* How long the consumer of a threaded test may take in all, in seconds:
 * generous, for slow machines and valgrind. */
#define BULK_TIMEOUT_S 60.0

typedef struct _Bench Bench;

typedef struct
{
  Bench    *bench;
  guint     index;
  TestNode *nodes;
  guint     n_accepted;   /* pushes that did not answer CLOSED */
  guint     n_wakes;      /* pushes that answered PUSHED_WAKE */
  gboolean  closed_stays; /* after one CLOSED, the next push is CLOSED too */
} Producer;

struct _Bench
{
  CgInbox     inbox;
  CgTestGate  start;      /* producers start together once it opens */
  Producer    producers[N_PRODUCERS];
  GThread    *threads[N_PRODUCERS];
  guint       pause_every; /* producers pause briefly after this many pushes */

  /* A counting semaphore the producers post to when a push answers
   * PUSHED_WAKE, standing for g_main_context_wakeup(). */
  GMutex      wake_mutex;
  GCond       wake_cond;
  guint       wakes;
};

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;
  Bench *bench = p->bench;

  /* Bounded: if the gate never opened, the test fails on its own. */
  cg_test_gate_wait (&bench->start, BULK_TIMEOUT_S, NULL);

  for (guint i = 0; i < N_PER_PRODUCER; i++)
    {
      /* Short pauses let the consumer run dry and announce sleep often. */
      if (bench->pause_every > 0 && i % bench->pause_every == 0)
        g_usleep (20);

      switch (cg_inbox_push (&bench->inbox, &p->nodes[i].node))
        {
        case CG_INBOX_PUSHED_WAKE:
          p->n_wakes++;
          g_mutex_lock (&bench->wake_mutex);
          bench->wakes++;
          g_cond_signal (&bench->wake_cond);
          g_mutex_unlock (&bench->wake_mutex);
          p->n_accepted++;
          break;
        case CG_INBOX_PUSHED:
          p->n_accepted++;
          break;
        case CG_INBOX_CLOSED:
        default:
          /* Closed for good: one more try must fail as well. */
          p->closed_stays = cg_inbox_push (&bench->inbox, &p->nodes[i].node) == CG_INBOX_CLOSED;
          return NULL;
        }
    }
  return NULL;
}

/* Starts the producers on a fresh inbox; with @sleeping, the consumer
 * has announced sleep before any push. */
static void
bench_start (Bench    *bench,
             gboolean  sleeping)
{
  inbox_init (&bench->inbox);
  if (sleeping)
    cg_inbox_set_sleeping (&bench->inbox, TRUE);
  cg_test_gate_init (&bench->start);
  g_mutex_init (&bench->wake_mutex);
  g_cond_init (&bench->wake_cond);
  bench->wakes = 0;

  for (guint p = 0; p < N_PRODUCERS; p++)
    {
      Producer *producer = &bench->producers[p];

      producer->bench = bench;
      producer->index = p;
      producer->nodes = nodes_new (N_PER_PRODUCER);
      for (guint i = 0; i < N_PER_PRODUCER; i++)
        producer->nodes[i].producer = p;
      bench->threads[p] = g_thread_new ("inbox-producer", producer_thread, producer);
    }
  cg_test_gate_open (&bench->start);
}

/* Joins every producer (they never wait for the consumer, so this ends). */
static void
bench_join (Bench *bench)
{
  for (guint p = 0; p < N_PRODUCERS; p++)
    g_clear_pointer (&bench->threads[p], g_thread_join);
}

static void
bench_clear (Bench *bench)
{
  bench_join (bench);
  for (guint p = 0; p < N_PRODUCERS; p++)
    g_free (bench->producers[p].nodes);
  cg_test_gate_clear (&bench->start);
  g_mutex_clear (&bench->wake_mutex);
  g_cond_clear (&bench->wake_cond);
}

/* The consumer's record of what it got: the next sequence number it
 * expects of each producer. A node out of order, or seen twice, fails. */
typedef struct
{
  guint next_seq[N_PRODUCERS];
  guint total;
} Seen;

static void
seen_node (Seen        *seen,
           CgInboxNode *node)
{
  TestNode *tn = TEST_NODE (node);

  g_assert_cmpuint (tn->producer, <, N_PRODUCERS);
  g_assert_cmpint (tn->seen, ==, 0);
  tn->seen++;
  /* Each producer's nodes come in the order it pushed them, none missing
   * in between. */
  g_assert_cmpuint (tn->seq, ==, seen->next_seq[tn->producer]);
  seen->next_seq[tn->producer]++;
  seen->total++;
}

static void
seen_list (Seen        *seen,
           CgInboxNode *list)
{
  while (list != NULL)
    {
      CgInboxNode *next = list->next;

      seen_node (seen, list);
      list = next;
    }
}

/* Takes and pops what is there; returns how many nodes it got. */
static guint
consume_some (Bench *bench,
              Seen  *seen)
{
  CgInboxNode *node;
  guint n = 0;

  cg_inbox_take (&bench->inbox);
  while ((node = cg_inbox_pop_local (&bench->inbox)) != NULL)
    {
      seen_node (seen, node);
      n++;
    }
  return n;
}

/* Four producers push 20000 nodes each at the same time; the consumer
 * gets each node once, each producer's nodes in order. */
static void
test_many_producers (void)
{
  Bench *bench = g_new0 (Bench, 1);
  Seen seen = { { 0, }, 0 };
  gint64 deadline = cg_test_deadline (BULK_TIMEOUT_S);

  bench_start (bench, FALSE);
  while (seen.total < N_PRODUCERS * N_PER_PRODUCER)
    {
      if (consume_some (bench, &seen) == 0)
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("timed out: the consumer got %u nodes of %u", seen.total,
                     N_PRODUCERS * N_PER_PRODUCER);
          g_thread_yield ();
        }
    }
  bench_join (bench);

  g_assert_false (cg_inbox_has_pending (&bench->inbox));
  g_assert_cmpuint (cg_inbox_take (&bench->inbox), ==, 0);
  for (guint p = 0; p < N_PRODUCERS; p++)
    {
      g_assert_cmpuint (seen.next_seq[p], ==, N_PER_PRODUCER);
      g_assert_cmpuint (bench->producers[p].n_accepted, ==, N_PER_PRODUCER);
      /* Nobody announced sleep: nobody was told to wake the consumer. */
      g_assert_cmpuint (bench->producers[p].n_wakes, ==, 0);
    }
  bench_clear (bench);
  g_free (bench);
}

/* The consumer closes the inbox while producers push: every node whose
 * push did not answer CLOSED is delivered exactly once (taken before, in
 * the consumer's FIFO, or returned by the close), in each producer's
 * order; no node whose push answered CLOSED is. */
static void
test_close_while_pushing (void)
{
  Bench *bench = g_new0 (Bench, 1);
  Seen seen = { { 0, }, 0 };
  gint64 deadline = cg_test_deadline (BULK_TIMEOUT_S);
  guint accepted = 0;
  CgInboxNode *pending;

  bench_start (bench, FALSE);

  /* Consume a while, until about a quarter has come (or the producers are
   * done, on a machine where they are that quick). */
  while (seen.total < N_PRODUCERS * N_PER_PRODUCER / 4)
    {
      if (consume_some (bench, &seen) == 0)
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("timed out: the consumer got %u nodes", seen.total);
          g_thread_yield ();
        }
    }
  /* Leave some taken and not popped, as a stopping caller may. */
  cg_inbox_take (&bench->inbox);

  pending = cg_inbox_close (&bench->inbox);
  g_assert_true (cg_inbox_is_closed (&bench->inbox));
  bench_join (bench);

  /* What the consumer had taken is older than what the close returned:
   * together, oldest first, they are the rest of every producer's
   * sequence. */
  seen_list (&seen, cg_inbox_steal_local (&bench->inbox));
  seen_list (&seen, pending);
  g_assert_cmpuint (cg_inbox_take (&bench->inbox), ==, 0);
  g_assert_false (cg_inbox_has_pending (&bench->inbox));

  for (guint p = 0; p < N_PRODUCERS; p++)
    {
      Producer *producer = &bench->producers[p];

      /* Exactly the accepted nodes, a prefix of what it tried to push. */
      g_assert_cmpuint (seen.next_seq[p], ==, producer->n_accepted);
      for (guint i = producer->n_accepted; i < N_PER_PRODUCER; i++)
        g_assert_cmpint (producer->nodes[i].seen, ==, 0);
      if (producer->n_accepted < N_PER_PRODUCER)
        g_assert_true (producer->closed_stays);
      accepted += producer->n_accepted;
    }
  g_assert_cmpuint (seen.total, ==, accepted);

  bench_clear (bench);
  g_free (bench);
}

/* The consumer runs the protocol of the caller's GSource: drain, announce
 * sleep, look once more, and only then block until a producer posts a
 * wake. A wake-up is lost if the consumer blocks while nodes are pending
 * and nobody is going to post: that shows as a wait that times out with
 * nodes pending. */
static void
test_no_lost_wakeup (void)
{
  Bench *bench = g_new0 (Bench, 1);
  Seen seen = { { 0, }, 0 };
  gint64 deadline = cg_test_deadline (BULK_TIMEOUT_S);
  guint n_sleeps = 0, n_blocks = 0, n_wakes = 0;

  bench->pause_every = 16;
  bench_start (bench, FALSE);
  while (seen.total < N_PRODUCERS * N_PER_PRODUCER)
    {
      gint64 until;

      if (consume_some (bench, &seen) > 0)
        continue;

      cg_inbox_set_sleeping (&bench->inbox, TRUE);
      n_sleeps++;
      if (cg_inbox_has_pending (&bench->inbox))
        {
          cg_inbox_set_sleeping (&bench->inbox, FALSE);
          continue;
        }

      /* Block until woken, in slices of CG_TEST_TIMEOUT_S: a slice that
       * ends with nodes pending and no wake posted is a lost wake-up. */
      n_blocks++;
      g_mutex_lock (&bench->wake_mutex);
      until = g_get_monotonic_time () + (gint64) (CG_TEST_TIMEOUT_S * G_USEC_PER_SEC);
      while (bench->wakes == 0)
        {
          if (!g_cond_wait_until (&bench->wake_cond, &bench->wake_mutex, until))
            {
              if (bench->wakes == 0 && cg_inbox_has_pending (&bench->inbox))
                g_error ("lost wake-up: nodes pending, no wake posted");
              if (g_get_monotonic_time () > deadline)
                g_error ("timed out: the consumer got %u nodes", seen.total);
              until = g_get_monotonic_time () + (gint64) (CG_TEST_TIMEOUT_S * G_USEC_PER_SEC);
            }
        }
      bench->wakes--;
      n_wakes++;
      g_mutex_unlock (&bench->wake_mutex);
      /* As caller_source_check() does once poll() returns. */
      cg_inbox_set_sleeping (&bench->inbox, FALSE);
    }
  bench_join (bench);

  /* Each wake answers one announcement of sleep; none is spare except
   * perhaps the last. */
  g_mutex_lock (&bench->wake_mutex);
  n_wakes += bench->wakes;
  g_mutex_unlock (&bench->wake_mutex);
  {
    guint producer_wakes = 0;

    for (guint p = 0; p < N_PRODUCERS; p++)
      producer_wakes += bench->producers[p].n_wakes;
    g_assert_cmpuint (producer_wakes, ==, n_wakes);
  }
  g_assert_cmpuint (n_wakes, <=, n_sleeps);
  g_assert_cmpuint (n_blocks, <=, n_wakes);
  g_test_message ("consumer announced sleep %u times, blocked %u times, was woken %u times",
                  n_sleeps, n_blocks, n_wakes);

  for (guint p = 0; p < N_PRODUCERS; p++)
    g_assert_cmpuint (seen.next_seq[p], ==, N_PER_PRODUCER);
  bench_clear (bench);
  g_free (bench);
}

/* Sleep announced once while many threads push: exactly one push of all
 * answers PUSHED_WAKE. */
static void
test_one_wake_among_producers (void)
{
  Bench *bench = g_new0 (Bench, 1);
  Seen seen = { { 0, }, 0 };
  guint producer_wakes = 0;

  /* Announced before the producers start, so that any push can see it. */
  bench_start (bench, TRUE);
  bench_join (bench);

  for (guint p = 0; p < N_PRODUCERS; p++)
    producer_wakes += bench->producers[p].n_wakes;
  g_assert_cmpuint (producer_wakes, ==, 1);
  g_assert_cmpuint (bench->wakes, ==, 1);

  g_assert_cmpuint (cg_inbox_take (&bench->inbox), ==, N_PRODUCERS * N_PER_PRODUCER);
  g_assert_cmpuint (bench->inbox.local_length, ==, N_PRODUCERS * N_PER_PRODUCER);
  seen_list (&seen, cg_inbox_steal_local (&bench->inbox));
  g_assert_cmpuint (seen.total, ==, N_PRODUCERS * N_PER_PRODUCER);

  bench_clear (bench);
  g_free (bench);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/inbox/empty", test_empty);
  g_test_add_func ("/inbox/fifo-across-take-and-pop", test_fifo_across_take_and_pop);
  g_test_add_func ("/inbox/steal-local", test_steal_local);
  g_test_add_func ("/inbox/close", test_close);
  g_test_add_func ("/inbox/sleeping/wakes-once", test_sleeping_wakes_once);
  g_test_add_func ("/inbox/threads/many-producers", test_many_producers);
  g_test_add_func ("/inbox/threads/close-while-pushing", test_close_while_pushing);
  g_test_add_func ("/inbox/threads/no-lost-wakeup", test_no_lost_wakeup);
  g_test_add_func ("/inbox/threads/one-wake", test_one_wake_among_producers);

  return g_test_run ();
}
