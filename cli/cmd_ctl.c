/*
 * `ksim ctl PATH COMMAND...`: sends one command to a `ksim serve --control
 * PATH` socket and prints its one-line answer (cli/serve_ctl.h lists the
 * commands). Exit 0 on `ok ...`, 1 on `error: ...`, 2 when it cannot
 * connect (or gets no answer).
 */
#include "cli/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int cmd_ctl(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(
		    "ctl: usage: ksim ctl PATH COMMAND... (e.g. kill broker-2)%s", "");
	char line[1024];
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		int k = snprintf(line + n, sizeof line - n, "%s%s", i > 1 ? " " : "", argv[i]);
		if (k < 0 || (size_t)k >= sizeof line - n - 1)
			return cli_usage_error("ctl: command too long%s", "");
		n += (size_t)k;
	}
	line[n++] = '\n';
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(argv[0]) >= sizeof sa.sun_path)
		return cli_usage_error("ctl: socket path too long: %s", argv[0]);
	strcpy(sa.sun_path, argv[0]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		fprintf(stderr, "ksim ctl: cannot connect to %s: %s\n", argv[0], strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	char answer[2048];
	size_t got = 0;
	if (write(fd, line, n) == (ssize_t)n) {
		struct timeval tv = {10, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		while (got < sizeof answer - 1 && !memchr(answer, '\n', got)) {
			ssize_t k = read(fd, answer + got, sizeof answer - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
	}
	close(fd);
	answer[got] = 0;
	if (!got || !strchr(answer, '\n')) {
		fprintf(stderr, "ksim ctl: no answer from %s\n", argv[0]);
		return 2;
	}
	fputs(answer, stdout);
	return strncmp(answer, "ok", 2) == 0 ? 0 : 1;
}
