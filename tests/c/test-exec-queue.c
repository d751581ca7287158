/* test-exec-queue.c: tests of the execution queues (cg_caller_queue_call)
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Most tests queue from the main thread into its own caller (the protected
 * main caller of test-helpers.h, bound to g_main_context_default(), which
 * the tests iterate themselves).
 */

#include <caller-glib.h>

#include "test-helpers.h"

#define MAIN_CTX (g_main_context_default ())

#define MAX_ITEMS 64

/* ------------------------------------------------------------------ */
/* Queued items                                                        */
/* ------------------------------------------------------------------ */

typedef enum
{
  ITEM_PLAIN,    /* records itself and returns */
  ITEM_PENDING,  /* returns a future the test completes later */
  ITEM_FAIL,     /* fails */
  ITEM_REQUEUE,  /* queues item index + 1 (plain) into its own queue */
} ItemMode;

typedef struct
{
  GMutex    mutex;
  GString  *order;                  /* "a0 a1 b0 ...", in run order */
  gint      inside_queue_call;      /* atomic: a queue_call is running */
  gint      active[4];              /* atomic: items of each queue running */
  gint      overlaps;               /* atomic: two items of a queue at once */
  gint      ran_inside;             /* atomic: items run inside queue_call */
  gint      ran[MAX_ITEMS];         /* atomic */
  gint      destroyed[MAX_ITEMS];   /* atomic */
  GThread  *threads[MAX_ITEMS];
  CgFuture *pending[MAX_ITEMS];     /* of ITEM_PENDING items */
  guint     pending_queue[MAX_ITEMS];
  GThread  *pending_owner;          /* thread of those futures; NULL: the item's */
  gboolean  requeue_ok;
  gint      requeued_ran_inside;    /* the requeued item ran inside its queue_call */
} QState;

typedef struct
{
  QState   *s;
  guint     queue;   /* index into QState.active, also the tag: 'a' + queue */
  guint     index;
  ItemMode  mode;
  CgJobFunc func;
  GObject  *instance;
} QItem;

static void
qstate_init (QState *s)
{
  memset (s, 0, sizeof *s);
  g_mutex_init (&s->mutex);
  s->order = g_string_new (NULL);
}

static void
qstate_clear (QState *s)
{
  for (guint i = 0; i < MAX_ITEMS; i++)
    g_clear_object (&s->pending[i]);
  g_string_free (s->order, TRUE);
  g_mutex_clear (&s->mutex);
}

static char *
qstate_dup_order (QState *s)
{
  char *ret;

  g_mutex_lock (&s->mutex);
  ret = g_strdup (s->order->str);
  g_mutex_unlock (&s->mutex);
  return ret;
}

#define assert_order(s, expected)                                             \
  G_STMT_START {                                                              \
    char *order_ = qstate_dup_order (s);                                      \
    g_assert_cmpstr (order_, ==, (expected));                                 \
    g_free (order_);                                                          \
  } G_STMT_END

static void
qitem_free (gpointer data)
{
  QItem *item = data;

  g_atomic_int_inc (&item->s->destroyed[item->index]);
  g_free (item);
}

static gboolean queue_item_full (QState *s, CgCaller *caller, CgJobFunc func, GObject *instance,
                                 guint queue, guint index, ItemMode mode, gint max,
                                 GError **error);

static void
item_run (CgFuture *future,
          QItem    *item)
{
  QState *s = item->s;
  GError *error = NULL;

  if (g_atomic_int_get (&s->inside_queue_call))
    g_atomic_int_inc (&s->ran_inside);
  if (g_atomic_int_add (&s->active[item->queue], 1) != 0)
    g_atomic_int_inc (&s->overlaps);

  g_mutex_lock (&s->mutex);
  g_string_append_printf (s->order, "%c%u ", 'a' + item->queue, item->index);
  s->threads[item->index] = g_thread_self ();
  g_mutex_unlock (&s->mutex);

  switch (item->mode)
    {
    case ITEM_PLAIN:
      g_atomic_int_add (&s->active[item->queue], -1);
      break;

    case ITEM_PENDING:
      /* the test decrements active when it completes the future */
      s->pending[item->index] = s->pending_owner != NULL
                                ? cg_future_new_for_thread (s->pending_owner)
                                : cg_future_new ();
      s->pending_queue[item->index] = item->queue;
      g_assert_true (cg_future_return_future (future, s->pending[item->index], &error));
      g_assert_no_error (error);
      break;

    case ITEM_FAIL:
      g_atomic_int_add (&s->active[item->queue], -1);
      g_assert_true (cg_future_return_new_error (future, G_IO_ERROR, G_IO_ERROR_FAILED, &error,
                                                 "item %u failed on purpose", item->index));
      g_assert_no_error (error);
      break;

    case ITEM_REQUEUE:
      s->requeue_ok = queue_item_full (s, cg_caller_get_current (), item->func, item->instance,
                                       item->queue, item->index + 1, ITEM_PLAIN, -1, &error);
      g_assert_no_error (error);
      if (g_atomic_int_get (&s->ran[item->index + 1]))
        g_atomic_int_inc (&s->requeued_ran_inside);
      g_atomic_int_add (&s->active[item->queue], -1);
      break;

    default:
      g_assert_not_reached ();
    }

  /* last, so that a test that saw it sees the rest */
  g_atomic_int_inc (&s->ran[item->index]);
}

/* Two functions: two queues. */
static void
func_a (CgFuture *future,
        gpointer  user_data)
{
  item_run (future, user_data);
}

static void
func_b (CgFuture *future,
        gpointer  user_data)
{
  item_run (future, user_data);
}

static QItem *
qitem_new (QState    *s,
           CgJobFunc  func,
           GObject   *instance,
           guint      queue,
           guint      index,
           ItemMode   mode)
{
  QItem *item = g_new0 (QItem, 1);

  g_assert_cmpuint (index, <, MAX_ITEMS);
  g_assert_cmpuint (queue, <, G_N_ELEMENTS (s->active));
  item->s = s;
  item->queue = queue;
  item->index = index;
  item->mode = mode;
  item->func = func;
  item->instance = instance;
  return item;
}

static gboolean
queue_item_full (QState     *s,
                 CgCaller   *caller,
                 CgJobFunc   func,
                 GObject    *instance,
                 guint       queue,
                 guint       index,
                 ItemMode    mode,
                 gint        max,
                 GError    **error)
{
  QItem *item = qitem_new (s, func, instance, queue, index, mode);
  gboolean ok;

  g_atomic_int_inc (&s->inside_queue_call);
  ok = cg_caller_queue_call (caller, func, instance, item, qitem_free, max, error);
  g_atomic_int_add (&s->inside_queue_call, -1);
  return ok;
}

/* Queues into the main caller and expects success. */
static void
queue_ok (QState    *s,
          CgJobFunc  func,
          GObject   *instance,
          guint      queue,
          guint      index,
          ItemMode   mode,
          gint       max)
{
  GError *error = NULL;

  g_assert_true (queue_item_full (s, cg_test_main_caller (), func, instance, queue, index, mode,
                                  max, &error));
  g_assert_no_error (error);
}

/* Queues into the main caller and expects @code. */
static void
queue_refused (QState    *s,
               CgJobFunc  func,
               GObject   *instance,
               guint      queue,
               guint      index,
               ItemMode   mode,
               gint       max,
               gint       code)
{
  GError *error = NULL;

  g_assert_false (queue_item_full (s, cg_test_main_caller (), func, instance, queue, index,
                                   mode, max, &error));
  g_assert_error (error, CG_CALLER_ERROR, code);
  g_clear_error (&error);
  /* dropped at once, never run */
  g_assert_cmpint (g_atomic_int_get (&s->destroyed[index]), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&s->ran[index]), ==, 0);
}

/* Completes the future an ITEM_PENDING item waits for. */
static void
complete_pending (QState *s,
                  guint   index)
{
  GError *error = NULL;

  g_assert_nonnull (s->pending[index]);
  g_atomic_int_add (&s->active[s->pending_queue[index]], -1);
  g_assert_true (cg_future_return_int (s->pending[index], 0, &error));
  g_assert_no_error (error);
}

static gboolean
ran (QState *s,
     guint   index)
{
  return g_atomic_int_get (&s->ran[index]) != 0;
}

/* Lets the main loop run a little: enough for an item that could run to
 * run (used only before asserting that something did NOT happen). */
static void
settle (void)
{
  cg_test_drain (MAIN_CTX);
  cg_test_iterate_for (MAIN_CTX, 30);
  cg_test_drain (MAIN_CTX);
}

static void
check_no_overlap (QState *s)
{
  g_assert_cmpint (g_atomic_int_get (&s->overlaps), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&s->ran_inside), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Async enqueuing                                                      */
/* ------------------------------------------------------------------ */

typedef struct
{
  gint     done;     /* atomic, set last */
  gboolean ok;
  GError  *error;
  GThread *thread;
} AsyncResult;

static void
queue_async_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncResult *r = user_data;

  g_assert_cmpint (g_atomic_int_get (&r->done), ==, 0);
  r->ok = cg_caller_queue_call_finish (CG_CALLER (source), result, &r->error);
  r->thread = g_thread_self ();
  g_atomic_int_set (&r->done, 1);
}

static void
queue_async (QState       *s,
             CgCaller     *caller,
             CgJobFunc     func,
             guint         queue,
             guint         index,
             ItemMode      mode,
             gint          max,
             GCancellable *cancellable,
             AsyncResult  *r)
{
  QItem *item = qitem_new (s, func, NULL, queue, index, mode);

  g_atomic_int_inc (&s->inside_queue_call);
  cg_caller_queue_call_async (caller, func, NULL, item, qitem_free, max, cancellable,
                              queue_async_cb, r);
  g_atomic_int_add (&s->inside_queue_call, -1);
}

/* ------------------------------------------------------------------ */
/* Order, one at a time, never inside queue_call                       */
/* ------------------------------------------------------------------ */

static void
test_order (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  GString *expected = g_string_new (NULL);
  QState s;

  qstate_init (&s);
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, NULL));

  for (guint i = 0; i < 20; i++)
    {
      queue_ok (&s, func_a, NULL, 0, i, ITEM_PLAIN, -1);
      g_string_append_printf (expected, "a%u ", i);
    }
  /* nothing ran inside queue_call, nor before the loop got control */
  for (guint i = 0; i < 20; i++)
    g_assert_false (ran (&s, i));
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, NULL));

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 19));
  assert_order (&s, expected->str);
  check_no_overlap (&s);
  for (guint i = 0; i < 20; i++)
    {
      g_assert_cmpint (g_atomic_int_get (&s.ran[i]), ==, 1);
      g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
      g_assert_true (s.threads[i] == g_thread_self ());
    }

  /* the queue stays until it is closed */
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, NULL));
  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, NULL));
  g_assert_false (cg_caller_queue_close (main_caller, func_a, NULL));

  g_string_free (expected, TRUE);
  qstate_clear (&s);
}

/* An item that finishes later (through a future) is awaited. */
static void
test_async_item_awaited (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, -1);
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PLAIN, -1);
  queue_ok (&s, func_a, NULL, 0, 2, ITEM_PENDING, -1);
  queue_ok (&s, func_a, NULL, 0, 3, ITEM_PLAIN, -1);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  settle ();
  g_assert_false (ran (&s, 1));

  complete_pending (&s, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 2));
  g_assert_true (ran (&s, 1));
  settle ();
  g_assert_false (ran (&s, 3));

  complete_pending (&s, 2);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 3));
  assert_order (&s, "a0 a1 a2 a3 ");
  check_no_overlap (&s);

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  qstate_clear (&s);
}

/* An item that queues into its own queue: the new item runs after it,
 * never inside queue_call. */
static void
test_not_inside_queue_call (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  AsyncResult r = { 0 };
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_REQUEUE, -1);
  g_assert_false (ran (&s, 0));
  /* the async form with room: queued, not run inside either */
  queue_async (&s, main_caller, func_b, 1, 10, ITEM_PLAIN, -1, NULL, &r);
  g_assert_false (ran (&s, 10));

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 1) && ran (&s, 10) &&
                                   g_atomic_int_get (&r.done));
  g_assert_true (s.requeue_ok);
  g_assert_cmpint (g_atomic_int_get (&s.requeued_ran_inside), ==, 0);
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  check_no_overlap (&s);
  {
    char *order = qstate_dup_order (&s);

    g_assert_nonnull (strstr (order, "a0 "));
    g_assert_true (strstr (order, "a0 ") < strstr (order, "a1 "));
    g_free (order);
  }

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  g_assert_true (cg_caller_queue_close (main_caller, func_b, NULL));
  qstate_clear (&s);
}

/* Queues of other functions, or of other instances, do not wait. */
static void
test_separate_queues (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  GObject *obj1 = g_object_new (G_TYPE_OBJECT, NULL);
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, -1);
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PLAIN, -1);
  queue_ok (&s, func_b, NULL, 1, 10, ITEM_PLAIN, -1);
  queue_ok (&s, func_b, NULL, 1, 11, ITEM_PENDING, -1);
  queue_ok (&s, func_b, NULL, 1, 12, ITEM_PLAIN, -1);
  queue_ok (&s, func_a, obj1, 2, 20, ITEM_PLAIN, -1);
  queue_ok (&s, func_a, obj1, 2, 21, ITEM_PLAIN, -1);

  g_assert_true (cg_caller_queue_exists (main_caller, func_a, NULL));
  g_assert_true (cg_caller_queue_exists (main_caller, func_b, NULL));
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, obj1));
  g_assert_false (cg_caller_queue_exists (main_caller, func_b, obj1));

  /* each queue goes on while queue a waits for item 0 */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0) && ran (&s, 11) && ran (&s, 21));
  g_assert_true (ran (&s, 10));
  g_assert_true (ran (&s, 20));
  settle ();
  g_assert_false (ran (&s, 1));
  g_assert_false (ran (&s, 12));

  complete_pending (&s, 11);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 12));
  g_assert_false (ran (&s, 1));
  complete_pending (&s, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 1));
  check_no_overlap (&s);

  /* closing one leaves the others */
  g_assert_true (cg_caller_queue_close (main_caller, func_a, obj1));
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, obj1));
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, NULL));
  g_assert_true (cg_caller_queue_exists (main_caller, func_b, NULL));
  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  g_assert_true (cg_caller_queue_close (main_caller, func_b, NULL));

  g_assert_finalize_object (obj1);
  qstate_clear (&s);
}

/* ------------------------------------------------------------------ */
/* A full queue                                                        */
/* ------------------------------------------------------------------ */

static void
test_full (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  QState s;

  qstate_init (&s);
  g_assert_cmpuint (cg_caller_get_max_buffer_size (), ==, CG_DEFAULT_MAX_BUFFER_SIZE);
  g_assert_cmpuint (CG_DEFAULT_MAX_BUFFER_SIZE, ==, 1000);

  /* Room for two items not yet started, the one handed to the loop among
   * them: with the loop not run yet, two calls fit and the third does not. */
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, 2);
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PLAIN, 2);
  queue_refused (&s, func_a, NULL, 0, 2, ITEM_PLAIN, 2, CG_CALLER_ERROR_WOULD_BLOCK);

  /* a0 has started (and waits): it no longer takes room */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  queue_ok (&s, func_a, NULL, 0, 3, ITEM_PLAIN, 2);
  queue_refused (&s, func_a, NULL, 0, 4, ITEM_PLAIN, 2, CG_CALLER_ERROR_WOULD_BLOCK);
  /* a bigger size does not resize a queue that exists */
  queue_refused (&s, func_a, NULL, 0, 5, ITEM_PLAIN, 100, CG_CALLER_ERROR_WOULD_BLOCK);

  complete_pending (&s, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 3));
  queue_ok (&s, func_a, NULL, 0, 6, ITEM_PLAIN, 2);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 6));
  assert_order (&s, "a0 a1 a3 a6 ");

  /* the process-wide default applies to queues made from then on (a size
   * of 0 or less means the default) */
  cg_caller_set_max_buffer_size (1);
  g_assert_cmpuint (cg_caller_get_max_buffer_size (), ==, 1);
  queue_ok (&s, func_b, NULL, 1, 10, ITEM_PENDING, -1);
  queue_refused (&s, func_b, NULL, 1, 11, ITEM_PLAIN, 0, CG_CALLER_ERROR_WOULD_BLOCK);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 10));
  queue_ok (&s, func_b, NULL, 1, 12, ITEM_PLAIN, 0);
  queue_refused (&s, func_b, NULL, 1, 13, ITEM_PLAIN, -1, CG_CALLER_ERROR_WOULD_BLOCK);
  cg_caller_set_max_buffer_size (CG_DEFAULT_MAX_BUFFER_SIZE);
  g_assert_cmpuint (cg_caller_get_max_buffer_size (), ==, CG_DEFAULT_MAX_BUFFER_SIZE);
  queue_refused (&s, func_b, NULL, 1, 14, ITEM_PLAIN, -1, CG_CALLER_ERROR_WOULD_BLOCK);
  complete_pending (&s, 10);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 12));

  settle ();
  g_assert_false (ran (&s, 2));
  g_assert_false (ran (&s, 4));
  g_assert_false (ran (&s, 5));
  g_assert_false (ran (&s, 11));
  g_assert_false (ran (&s, 13));
  g_assert_false (ran (&s, 14));
  check_no_overlap (&s);

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  g_assert_true (cg_caller_queue_close (main_caller, func_b, NULL));
  for (guint i = 0; i <= 6; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  for (guint i = 10; i <= 14; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  qstate_clear (&s);
}

/* ------------------------------------------------------------------ */
/* Waiting for room                                                    */
/* ------------------------------------------------------------------ */

/* The waiting form completes once the item is in the queue. */
static void
test_async_wait_basic (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  AsyncResult r = { 0 };
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, 1);
  /* a0 starts: from then on it takes no room in the buffer */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PLAIN, 1);
  queue_async (&s, main_caller, func_a, 0, 2, ITEM_PLAIN, 1, NULL, &r);

  settle ();
  g_assert_false (g_atomic_int_get (&r.done));
  g_assert_false (ran (&s, 1));
  /* the plain form is still refused meanwhile */
  queue_refused (&s, func_a, NULL, 0, 3, ITEM_PLAIN, 1, CG_CALLER_ERROR_WOULD_BLOCK);

  complete_pending (&s, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&r.done));
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  g_assert_true (r.thread == g_thread_self ());
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 2));
  assert_order (&s, "a0 a1 a2 ");
  check_no_overlap (&s);

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  for (guint i = 0; i <= 3; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  qstate_clear (&s);
}

/* The named form waits for room in the named queue, whatever function
 * its calls run: two functions share it, one at a time and in order. */
static void
test_async_wait_named (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  AsyncResult r = { 0 };
  GError *error = NULL;
  QState s;

  qstate_init (&s);
  g_assert_true (cg_caller_queue_call_named (main_caller, "named-wait", NULL, func_a,
                                             qitem_new (&s, func_a, NULL, 0, 0, ITEM_PENDING),
                                             qitem_free, 1, &error));
  g_assert_no_error (error);
  /* a0 starts: from then on it takes no room in the buffer */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  g_assert_true (cg_caller_queue_call_named (main_caller, "named-wait", NULL, func_b,
                                             qitem_new (&s, func_b, NULL, 0, 1, ITEM_PLAIN),
                                             qitem_free, 1, &error));
  g_assert_no_error (error);
  cg_caller_queue_call_named_async (main_caller, "named-wait", NULL, func_a,
                                    qitem_new (&s, func_a, NULL, 0, 2, ITEM_PLAIN), qitem_free,
                                    1, NULL, queue_async_cb, &r);
  /* not the queue of func_a */
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, NULL));

  settle ();
  g_assert_false (g_atomic_int_get (&r.done));

  complete_pending (&s, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&r.done));
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 2));
  assert_order (&s, "a0 a1 a2 ");
  check_no_overlap (&s);

  g_assert_true (cg_caller_queue_close_named (main_caller, "named-wait", NULL));
  for (guint i = 0; i <= 2; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  qstate_clear (&s);
}

/* There is room as soon as the queue takes its next item: the waiter
 * must not have to wait for that item to finish as well. */
static void
test_async_wait_admitted_when_room (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  AsyncResult r = { 0 };
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, 1);
  /* a0 starts: from then on it takes no room in the buffer */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PENDING, 1);
  queue_async (&s, main_caller, func_a, 0, 2, ITEM_PLAIN, 1, NULL, &r);
  settle ();
  g_assert_false (g_atomic_int_get (&r.done));

  /* item 0 ends and item 1 starts: nothing waits in the queue now */
  complete_pending (&s, 0);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 1));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&r.done));
  g_assert_true (r.ok);
  g_assert_false (ran (&s, 2));

  complete_pending (&s, 1);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 2));
  assert_order (&s, "a0 a1 a2 ");
  check_no_overlap (&s);
  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  qstate_clear (&s);
}

/* A waiter gives up when its cancellable is cancelled, or when the queue
 * closes; its item never runs and is freed once. */
static void
test_async_wait_cancel_and_close (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  GCancellable *cancellable = g_cancellable_new ();
  AsyncResult cancelled = { 0 }, closed = { 0 };
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, 1);
  /* a0 starts: from then on it takes no room in the buffer */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PLAIN, 1);
  queue_async (&s, main_caller, func_a, 0, 2, ITEM_PLAIN, 1, cancellable, &cancelled);
  queue_async (&s, main_caller, func_a, 0, 3, ITEM_PLAIN, 1, NULL, &closed);

  g_cancellable_cancel (cancellable);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&cancelled.done));
  g_assert_false (cancelled.ok);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[2]), ==, 1);
  g_assert_false (g_atomic_int_get (&closed.done));

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&closed.done));
  g_assert_false (closed.ok);
  g_assert_error (closed.error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[3]), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[1]), ==, 1);

  /* the running item finishes; nothing after it runs */
  complete_pending (&s, 0);
  settle ();
  g_assert_false (ran (&s, 1));
  g_assert_false (ran (&s, 2));
  g_assert_false (ran (&s, 3));
  for (guint i = 0; i <= 3; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);

  g_clear_error (&cancelled.error);
  g_clear_error (&closed.error);
  g_object_unref (cancellable);
  qstate_clear (&s);
}

/* ------------------------------------------------------------------ */
/* Closing                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  CgCaller *caller;
  gboolean  first_close;
  gboolean  exists_after;
  gboolean  second_close;
  gboolean  exists_other;
} Closer;

static gpointer
closer_thread (gpointer user_data)
{
  Closer *cl = user_data;

  cl->exists_other = cg_caller_queue_exists (cl->caller, func_b, NULL);
  cl->first_close = cg_caller_queue_close (cl->caller, func_a, NULL);
  cl->exists_after = cg_caller_queue_exists (cl->caller, func_a, NULL);
  cl->second_close = cg_caller_queue_close (cl->caller, func_a, NULL);
  return NULL;
}

static void
test_close_from_other_thread (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  AsyncResult waiter = { 0 };
  Closer cl = { 0 };
  GThread *thread;
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_PENDING, 3);
  /* a0 starts: from then on it takes no room in the buffer */
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0));
  for (guint i = 1; i <= 3; i++)
    queue_ok (&s, func_a, NULL, 0, i, ITEM_PLAIN, 3);
  queue_async (&s, main_caller, func_a, 0, 4, ITEM_PLAIN, 3, NULL, &waiter);

  cl.caller = main_caller;
  thread = g_thread_new ("queue-closer", closer_thread, &cl);
  g_thread_join (thread);

  g_assert_true (cl.first_close);
  g_assert_false (cl.exists_after);
  g_assert_false (cl.second_close);
  g_assert_false (cl.exists_other);
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, NULL));

  /* the waiting items were dropped, once each */
  for (guint i = 1; i <= 3; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, g_atomic_int_get (&waiter.done));
  g_assert_false (waiter.ok);
  g_assert_error (waiter.error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_true (waiter.thread == g_thread_self ());
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[4]), ==, 1);

  /* the running one finishes; none of the dropped ones runs */
  complete_pending (&s, 0);
  settle ();
  for (guint i = 1; i <= 4; i++)
    {
      g_assert_false (ran (&s, i));
      g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
    }
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[0]), ==, 1);

  /* a new queue is made on the next call */
  queue_ok (&s, func_a, NULL, 0, 5, ITEM_PLAIN, -1);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 5));
  assert_order (&s, "a0 a5 ");
  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));

  g_clear_error (&waiter.error);
  qstate_clear (&s);
}

static void
test_instance_finalized (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  GObject *obj = g_object_new (G_TYPE_OBJECT, NULL);
  gpointer obj_address = obj;
  QState s;

  qstate_init (&s);
  queue_ok (&s, func_a, obj, 0, 0, ITEM_PENDING, -1);
  queue_ok (&s, func_a, obj, 0, 1, ITEM_PLAIN, -1);
  queue_ok (&s, func_a, obj, 0, 2, ITEM_PLAIN, -1);
  queue_ok (&s, func_a, NULL, 1, 10, ITEM_PLAIN, -1);
  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 0) && ran (&s, 10));
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, obj));

  /* the queue holds no reference: the object goes, and its queue with it */
  g_object_add_weak_pointer (obj, (gpointer *) &obj);
  g_object_unref (obj);
  g_assert_null (obj);
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, obj_address));
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[1]), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[2]), ==, 1);
  /* the queue of the same function without an instance is another one */
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, NULL));

  complete_pending (&s, 0);
  settle ();
  g_assert_false (ran (&s, 1));
  g_assert_false (ran (&s, 2));
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[0]), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[1]), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[2]), ==, 1);

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  qstate_clear (&s);
}

/* ------------------------------------------------------------------ */
/* Failing items                                                       */
/* ------------------------------------------------------------------ */

static void
test_error_logged (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  const char *domain = cg_caller_get_log_domain (main_caller);
  QState s;

  qstate_init (&s);
  g_assert_cmpstr (domain, ==, CG_TEST_LIB_DOMAIN);
  g_assert_cmpstr (cg_caller_get_name (main_caller), ==, CG_CALLER_MAIN_THREAD);

  g_test_expect_message (domain, G_LOG_LEVEL_WARNING,
                         "*" CG_CALLER_MAIN_THREAD "*item 0 failed on purpose*");
  g_test_expect_message (domain, G_LOG_LEVEL_WARNING,
                         "*" CG_CALLER_MAIN_THREAD "*item 2 failed on purpose*");
  queue_ok (&s, func_a, NULL, 0, 0, ITEM_FAIL, -1);
  queue_ok (&s, func_a, NULL, 0, 1, ITEM_PLAIN, -1);
  queue_ok (&s, func_a, NULL, 0, 2, ITEM_FAIL, -1);
  queue_ok (&s, func_a, NULL, 0, 3, ITEM_PLAIN, -1);

  CG_TEST_ITERATE_UNTIL (MAIN_CTX, ran (&s, 3));
  g_test_assert_expected_messages ();
  assert_order (&s, "a0 a1 a2 a3 ");
  check_no_overlap (&s);
  g_assert_true (cg_caller_queue_exists (main_caller, func_a, NULL));

  g_assert_true (cg_caller_queue_close (main_caller, func_a, NULL));
  for (guint i = 0; i <= 3; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
  qstate_clear (&s);
}

/* ------------------------------------------------------------------ */
/* Stopping the caller                                                 */
/* ------------------------------------------------------------------ */

typedef struct
{
  QState  *s;
  gboolean all_ok;
  gboolean exists;
} StopQueuer;

static void
queue_five_job (CgFuture *future,
                gpointer  user_data)
{
  StopQueuer *sq = user_data;
  CgCaller *self = cg_caller_get_current ();
  GError *error = NULL;

  /* five calls, none started: a buffer of five */
  sq->all_ok = queue_item_full (sq->s, self, func_a, NULL, 0, 0, ITEM_PENDING, 5, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= 4; i++)
    {
      sq->all_ok = sq->all_ok &&
                   queue_item_full (sq->s, self, func_a, NULL, 0, i, ITEM_PLAIN, 5, &error);
      g_assert_no_error (error);
    }
  sq->exists = cg_caller_queue_exists (self, func_a, NULL);
  /* none ran inside queue_call, nor inside this job */
  for (guint i = 0; i <= 4; i++)
    if (ran (sq->s, i))
      sq->all_ok = FALSE;
}

static void
test_stop_drops_items (void)
{
  StopQueuer sq = { 0 };
  CgCaller *worker;
  CgFuture *job;
  GError *error = NULL;
  QState s;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  qstate_init (&s);
  worker = cg_caller_start_new ("queue-stop", FALSE, NULL, &error);
  g_assert_no_error (error);

  sq.s = &s;
  /* item 0 waits for a future of this thread, completed here after stop */
  s.pending_owner = g_thread_self ();
  job = cg_caller_call_soon (worker, queue_five_job, &sq, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (job, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sq.all_ok);
  g_assert_true (sq.exists);

  /* item 0 runs (on the worker) and waits; 1 to 4 wait behind it */
  CG_TEST_POLL_UNTIL (ran (&s, 0));
  g_assert_true (s.threads[0] == cg_caller_get_thread (worker));

  cg_caller_stop (worker, FALSE);
  g_assert_true (cg_caller_get_stopped (worker));
  g_assert_false (cg_caller_queue_exists (worker, func_a, NULL));
  for (guint i = 0; i <= 4; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);

  /* and nothing runs or is freed again later */
  settle ();
  for (guint i = 1; i <= 4; i++)
    g_assert_false (ran (&s, i));
  for (guint i = 0; i <= 4; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);

  /* a stopped caller takes no more: from its thread this would be CLOSED;
   * from here it is the wrong thread first */
  g_assert_false (queue_item_full (&s, worker, func_a, NULL, 0, 5, ITEM_PLAIN, -1, &error));
  cg_test_assert_error_clear (&error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[5]), ==, 1);
  g_assert_false (ran (&s, 5));

  /* stopping cancelled what item 0 waits for; whoever owns it completes it
   * (as cancelled), and then item 0 is over and nothing else happens */
  g_assert_true (cg_future_is_cancelled (s.pending[0]));
  complete_pending (&s, 0);
  settle ();
  for (guint i = 1; i <= 5; i++)
    g_assert_false (ran (&s, i));
  for (guint i = 0; i <= 5; i++)
    g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);

  g_object_unref (job);
  /* nothing keeps the stopped caller alive any more */
  cg_test_unref_and_wait_finalized (MAIN_CTX, worker);
  qstate_clear (&s);
}

typedef struct
{
  QState      *s;
  gboolean     ok;
  GError      *error;
} ClosedQueuer;

static void
queue_after_stop_job (CgFuture *future,
                      gpointer  user_data)
{
  ClosedQueuer *cq = user_data;
  CgCaller *self = cg_caller_get_current ();

  /* from a job of its own, stop returns at once */
  cg_caller_stop (self, FALSE);
  cq->ok = queue_item_full (cq->s, self, func_a, NULL, 0, 0, ITEM_PLAIN, -1, &cq->error);
}

/* On its own thread, a stopped caller refuses with CLOSED. */
static void
test_stopped_caller_refuses (void)
{
  ClosedQueuer cq = { 0 };
  CgCaller *worker;
  CgFuture *job;
  GError *error = NULL;
  QState s;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  qstate_init (&s);
  worker = cg_caller_start_new ("queue-closed", FALSE, NULL, &error);
  g_assert_no_error (error);

  cq.s = &s;
  job = cg_caller_call_soon (worker, queue_after_stop_job, &cq, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cg_future_wait_sync (job, CG_TEST_TIMEOUT_S, CG_WAIT_FLAGS_NO_RESULT, NULL,
                                      &error));
  g_assert_no_error (error);
  cg_caller_stop (worker, FALSE);

  g_assert_false (cq.ok);
  g_assert_error (cq.error, CG_CALLER_ERROR, CG_CALLER_ERROR_CLOSED);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[0]), ==, 1);
  g_assert_false (ran (&s, 0));
  g_assert_false (cg_caller_queue_exists (worker, func_a, NULL));

  g_clear_error (&cq.error);
  g_object_unref (job);
  g_object_unref (worker);
  qstate_clear (&s);
}

/* ------------------------------------------------------------------ */
/* The wrong thread                                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  QState      *s;
  CgCaller    *caller;
  gboolean     ok;
  GError      *error;
  AsyncResult  async;
  gboolean     exists;
  gboolean     closed;
} WrongThread;

static gpointer
wrong_thread_func (gpointer user_data)
{
  WrongThread *wt = user_data;
  GMainContext *ctx = g_main_context_get_thread_default ();

  wt->ok = queue_item_full (wt->s, wt->caller, func_a, NULL, 0, 0, ITEM_PLAIN, -1, &wt->error);
  queue_async (wt->s, wt->caller, func_a, 0, 1, ITEM_PLAIN, -1, NULL, &wt->async);
  CG_TEST_ITERATE_UNTIL (ctx, g_atomic_int_get (&wt->async.done));
  wt->exists = cg_caller_queue_exists (wt->caller, func_a, NULL);
  wt->closed = cg_caller_queue_close (wt->caller, func_a, NULL);
  return NULL;
}

static void
test_wrong_thread (void)
{
  CgCaller *main_caller = cg_test_main_caller ();
  WrongThread wt = { 0 };
  CgCaller *worker;
  GThread *thread;
  GError *error = NULL;
  QState s;

  g_test_queue_destroy (cg_test_stop_unprotected, NULL);
  qstate_init (&s);

  /* into the main thread's caller from another thread */
  wt.s = &s;
  wt.caller = main_caller;
  thread = cg_test_thread_new_with_context ("queue-wrong-thread", wrong_thread_func, &wt);
  g_thread_join (thread);

  g_assert_false (wt.ok);
  g_assert_error (wt.error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD);
  g_assert_false (wt.async.ok);
  g_assert_error (wt.async.error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD);
  g_assert_true (wt.async.thread != g_thread_self ());
  g_assert_false (wt.exists);
  g_assert_false (wt.closed);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[0]), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[1]), ==, 1);
  g_assert_false (cg_caller_queue_exists (main_caller, func_a, NULL));

  /* into another thread's caller from here */
  worker = cg_caller_start_new ("queue-wrong-worker", FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (queue_item_full (&s, worker, func_a, NULL, 0, 2, ITEM_PLAIN, -1, &error));
  cg_test_assert_error_clear (&error, CG_CALLER_ERROR, CG_CALLER_ERROR_WRONG_THREAD);
  g_assert_cmpint (g_atomic_int_get (&s.destroyed[2]), ==, 1);
  g_assert_false (cg_caller_queue_exists (worker, func_a, NULL));

  settle ();
  for (guint i = 0; i <= 2; i++)
    {
      g_assert_false (ran (&s, i));
      g_assert_cmpint (g_atomic_int_get (&s.destroyed[i]), ==, 1);
    }

  cg_caller_stop (worker, FALSE);
  g_object_unref (worker);
  g_clear_error (&wt.error);
  g_clear_error (&wt.async.error);
  qstate_clear (&s);
}

/* The test program's argv, kept reachable for leak checkers. */
static char **volatile test_argv;

int
main (int    argc,
      char **argv)
{
  cg_test_init (&argc, &argv);
  test_argv = argv;
  cg_test_main_caller ();

  cg_test_add ("/queue/order", test_order);
  cg_test_add ("/queue/async-item-awaited", test_async_item_awaited);
  cg_test_add ("/queue/not-inside-queue-call", test_not_inside_queue_call);
  cg_test_add ("/queue/separate", test_separate_queues);
  cg_test_add ("/queue/full", test_full);
  cg_test_add ("/queue/wait/basic", test_async_wait_basic);
  cg_test_add ("/queue/wait/admitted-when-room", test_async_wait_admitted_when_room);
  cg_test_add ("/queue/wait/named", test_async_wait_named);
  cg_test_add ("/queue/wait/cancel-and-close", test_async_wait_cancel_and_close);
  cg_test_add ("/queue/close/other-thread", test_close_from_other_thread);
  cg_test_add ("/queue/close/instance-finalized", test_instance_finalized);
  cg_test_add ("/queue/error-logged", test_error_logged);
  cg_test_add ("/queue/stop-drops-items", test_stop_drops_items);
  cg_test_add ("/queue/stopped-caller-refuses", test_stopped_caller_refuses);
  cg_test_add ("/queue/wrong-thread", test_wrong_thread);

  return g_test_run ();
}
