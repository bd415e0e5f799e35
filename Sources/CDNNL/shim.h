// oneDNN's C API (Debian's libdnnl-dev ships no pkg-config file, so the module links `dnnl`).
#include <oneapi/dnnl/dnnl.h>
