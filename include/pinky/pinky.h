/*
 * libpinky -- the data layer of Pinky's AI OS.
 * The umbrella header: include this one.
 */
#ifndef PINKY_H
#define PINKY_H

#include "common.h"
#include "db.h"
#include "user.h"
#include "sync.h"
#include "document.h"
#include "workflow.h"
#include "comm.h"
#include "property.h"
#include "system.h"

#endif /* PINKY_H */
