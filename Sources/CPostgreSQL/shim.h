// libpq, PostgreSQL's client library (Debian: libpq-dev), for the PostgreSQL run store.
#include <libpq-fe.h>
