#include "harness.h"

void test_plan(void)
{
}
