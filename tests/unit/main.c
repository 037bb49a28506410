#include "harness.h"

unsigned harness_failed;

int main(void)
{
	test_util();
	test_host();
	test_profile();
	test_profile_service();
	test_plan();
	test_pathcheck();
	test_audit();
	test_robust();
	test_persist();
	test_owned();
	test_plan_ipvs();
	test_ipvs();
	test_owned_ipvs();
	test_events();
	test_health();
	test_sync();
	return harness_failed ? 1 : 0;
}
