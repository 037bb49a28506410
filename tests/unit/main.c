#include "harness.h"

unsigned harness_failed;

int main(void)
{
	test_util();
	test_host();
	test_profile();
	test_plan();
	return harness_failed ? 1 : 0;
}
