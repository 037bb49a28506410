#include "progname.h"

const char *lvsdr_prog = "lvsdr";
