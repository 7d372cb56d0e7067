// libFLAC's stream decoder (libflac-dev): FLAC, the usual upload format, decoded in-process.
#include <FLAC/stream_decoder.h>
