// libsoxr (libsoxr-dev), the resampler librosa loads with (soxr_hq), run in-process.
#include <soxr.h>
