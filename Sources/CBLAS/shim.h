// OpenBLAS's CBLAS and the LAPACKE C interface, from Debian's libopenblas-dev and liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
