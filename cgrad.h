#pragma once
// The whole public API of cgrad in one include.
#include "graph/anomaly.h"
#include "graph/error.h"
#include "graph/gradcheck.h"
#include "graph/graph.h"
#include "graph/parameter.h"
#include "graph/tensor.h"
#include "ops/registry.h"
