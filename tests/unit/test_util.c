#include "harness.h"

void test_util(void)
{
}
