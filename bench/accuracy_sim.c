/*
 * accuracy_sim.c - runs simulation scenarios (tests/sim/scenarios/NAME.yaml)
 * through the real engine and prints, per scenario, what issue 3 measures:
 * RMS and max |true error|, U and max_error coverage, convergence time,
 * steps, max_error/|true error| 1 h into holdover, and the speed of the
 * simulation. bench/accuracy (a script) runs it on every scenario.
 *
 * usage: accuracy_sim [-v] [-s seed] scenario.yaml...
 *   -s  run every scenario with this seed instead of its own
 *   -v  also the details of each run: per-source selection states, state
 *       timeline, the first max_error miss if any.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "scenario.h"

static void
legend(void)
{
	printf("\nrms|err|, max|err|: true error over the steady points (after warm-up, locked):\n"
	    "  the clock's error when disciplining, the estimate's error when observing;\n"
	    "  rms(all), max(all): every point after warm-up, whatever the state.\n"
	    "U cov: share of steady points with |x^ - x| <= U (target 95..99.9 %%);"
	    " U(all): every point after warm-up.\n"
	    "maxe cov: share of all points with an estimate where |x^ - x| <= max_error"
	    " (must be 100 %%).\n"
	    "converge: from then on |true error| < 10 us while the sources last.\n"
	    "ho maxe/e: max_error / |x^ - x| 1 h after entering holdover (target <= 10).\n"
	    "speed: simulated time / wall time.\n");
}

int
main(int argc, char **argv)
{
	struct sim_result *res;
	int verbose = 0, n = 0, failed = 0, c;
	long long seed = -1;

	while ((c = getopt(argc, argv, "vs:")) != -1) {
		if (c == 'v') {
			verbose = 1;
		} else if (c == 's') {
			seed = strtoll(optarg, NULL, 10);
		} else {
			fprintf(stderr, "usage: %s [-v] [-s seed] scenario.yaml...\n", argv[0]);
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: %s [-v] scenario.yaml...\n", argv[0]);
		return 2;
	}
	if ((res = calloc((size_t)(argc - optind), sizeof(*res))) == NULL)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct scenario sc;
		char err[SCN_ERR_LEN];

		if (scenario_load(argv[i], &sc, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			failed = 1;
			continue;
		}
		if (seed >= 0)
			sc.seed = (uint64_t)seed;
		if (sim_run(&sc, NULL, &res[n]) < 0) {
			fprintf(stderr, "%s: the engine refused the scenario\n", argv[i]);
			failed = 1;
			continue;
		}
		if (verbose)
			sim_print_details(stdout, &res[n]);
		n++;
	}
	if (verbose)
		printf("\n");
	sim_print_header(stdout);
	for (int i = 0; i < n; i++) {
		sim_print_row(stdout, &res[i]);
		if (res[i].me_first_miss_t >= 0)
			printf("  ^ max_error MISSED: first at t=%.0f s, |x^ - x| %.3e s > %.3e s\n",
			    res[i].me_first_miss_t, res[i].me_first_miss_err < 0 ?
			    -res[i].me_first_miss_err : res[i].me_first_miss_err,
			    res[i].me_first_miss_bound);
		sim_result_free(&res[i]);
	}
	legend();
	free(res);
	return failed;
}
