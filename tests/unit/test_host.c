#include "harness.h"

void test_host(void)
{
}
