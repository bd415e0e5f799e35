// Cairo 2D graphics with its PNG, SVG and PDF surfaces (Debian: libcairo2-dev, libpng-dev).
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
