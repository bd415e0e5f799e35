// SQLite 3 (Debian: libsqlite3-dev), for the run index.
#include <sqlite3.h>
