// Single-precision FFTW (libfftw3-dev), the FFT under BasedAnalysis's STFT.
#include <fftw3.h>
