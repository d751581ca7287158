/* cg-parking.c: where blocked threads wait for an address
 *
 * Copyright 2026 The caller-glib authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "cg-private.h"

#include "cg-parking-private.h"

#define N_LOTS 64

static CgParkingLot lots[N_LOTS];

CgParkingLot *
_cg_parking_lot_for (gconstpointer address)
{
  guintptr key = GPOINTER_TO_SIZE (address);

  key ^= key >> 7;
  key ^= key >> 13;
  return &lots[key % N_LOTS];
}

void
_cg_parking_wake (gconstpointer address)
{
  CgParkingLot *lot = _cg_parking_lot_for (address);

  _cg_mutex_lock (&lot->mutex);
  g_cond_broadcast (&lot->cond);
  _cg_mutex_unlock (&lot->mutex);
}
