/* hub_fake.h: starts and stops tests/fixtures/names/hub_server.py, the
 * stand-in for Docker Hub's API on 127.0.0.1 (a free port chosen by the
 * kernel). Header-only: included by the tests that need it. */
#ifndef IVET_HUB_FAKE_H
#define IVET_HUB_FAKE_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct hub_fake {
    pid_t pid;
    int port;
    int out;            /* the server's stdout, kept open while it runs */
    char url[64];
};

/* 0 when running; -1 when python3 or the script is missing (skip). */
static int hub_fake_start(struct hub_fake *h, const char *source_dir)
{
    char script[4096];
    int fds[2];
    snprintf(script, sizeof(script), "%s/tests/fixtures/names/hub_server.py", source_dir);
    if (access(script, R_OK) != 0 || pipe(fds) != 0)
        return -1;
    h->pid = fork();
    if (h->pid == 0) {
        /* never hold the test runner's output pipes: an orphaned server
         * would keep ctest waiting */
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 2);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32] = "";
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    h->out = fds[0];
    if (n <= 0 || (h->port = atoi(buf)) <= 0) {
        if (h->pid > 0) {
            kill(h->pid, SIGTERM);
            waitpid(h->pid, NULL, 0);
        }
        close(h->out);
        return -1;
    }
    snprintf(h->url, sizeof(h->url), "http://127.0.0.1:%d", h->port);
    return 0;
}

static void hub_fake_stop(struct hub_fake *h)
{
    if (h->pid > 0) {
        kill(h->pid, SIGTERM);
        waitpid(h->pid, NULL, 0);
        close(h->out);
        h->pid = 0;
    }
}

#endif
