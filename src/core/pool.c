/* pool.c: a fixed pool of worker threads running queued jobs. */
#include "core/core.h"

#include <pthread.h>
#include <unistd.h>

struct job {
    ivet_job_fn fn;
    void *arg;
    struct job *next;
};

struct ivet_pool {
    pthread_mutex_t mu;
    pthread_cond_t have_job, idle;
    struct job *head, *tail;
    unsigned nthreads, running;
    bool stop;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    struct ivet_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->have_job, &p->mu);
        if (!p->head && p->stop)
            break;
        struct job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        j->fn(j->arg);
        ivet_free(j);
        pthread_mutex_lock(&p->mu);
        p->running--;
        if (!p->head && !p->running)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct ivet_pool *ivet_pool_new(unsigned threads, struct ivet_err *err)
{
    if (threads == 0)
        threads = 1;
    struct ivet_pool *p = ivet_calloc(1, sizeof(*p));
    if (!p || !(p->threads = ivet_calloc(threads, sizeof(pthread_t)))) {
        ivet_free(p);
        ivet_err_set(err, IVET_E_NOMEM, "out of memory for a thread pool");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->have_job, NULL);
    pthread_cond_init(&p->idle, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            ivet_err_sys(err, IVET_E_INTERNAL, "cannot start worker thread %u", i);
            p->nthreads = i;
            ivet_pool_free(p);
            return NULL;
        }
        p->nthreads = i + 1;
    }
    return p;
}

int ivet_pool_submit(struct ivet_pool *p, ivet_job_fn fn, void *arg, struct ivet_err *err)
{
    struct job *j = ivet_malloc(sizeof(*j));
    if (!j)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory queueing a job");
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    pthread_cond_signal(&p->have_job);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void ivet_pool_wait(struct ivet_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->head || p->running)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void ivet_pool_free(struct ivet_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->have_job);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->have_job);
    pthread_cond_destroy(&p->idle);
    ivet_free(p->threads);
    ivet_free(p);
}

unsigned ivet_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}
