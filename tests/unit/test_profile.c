#include "harness.h"

void test_profile(void)
{
}
