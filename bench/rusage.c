/* rusage: run a command, then write its wall time, CPU times, peak RSS and exit
 * status to a file, one line: "wall_s user_s sys_s maxrss_kib status".
 *
 *     rusage OUTFILE COMMAND [ARG...]
 *
 * Why not python3's os.wait4 directly: Linux keeps the peak RSS of the memory a
 * process had before exec(), so a command started from python3 reports at least
 * python3's own RSS (about 18 MiB here). Started from this small program it
 * reports at most this program's (about 1 MiB), so the figure is the command's.
 * Built by bench/run with cc; GNU time would do the same but is not installed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG...]\n");
		return 64;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror("rusage: cannot create output");
		return 73;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 71;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("rusage: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("rusage: wait4");
		return 71;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "%.6f %.6f %.6f %ld %d\n",
	        (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	        seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss, rc);
	if (fclose(out) != 0) {
		perror("rusage: cannot write output");
		return 74;
	}
	return rc;
}
