/* pipe.c: runs an upstream istream on its own thread and hands its bytes to
 * the reader through a bounded ring of buffers, so the stages above and below
 * the pipe use two cores. It moves bytes and errors; it does not look at them.
 * The reader may borrow a slot's bytes instead of copying them. */
#include "layer/layer.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define SLOTS 8
#define SLOT_SIZE (512u << 10)         /* 4 MiB per pipe: with two layers side by side
                                         * and their pipes, peak RSS stays under 64 MiB */

struct slot {
    uint8_t *buf;
    size_t len;
};

struct pipe_stream {
    struct ivet_istream base;
    struct ivet_istream *in;            /* used only by the producer thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct slot slot[SLOTS];
    unsigned head, count;               /* filled slots: head .. head+count-1 */
    size_t head_off;                    /* bytes of the head slot already read */
    bool lent;                          /* the head slot is read to its end but was
                                         * borrowed: freed at the reader's next call */
    bool eof, stop;
    struct ivet_err perr;               /* the producer's failure, if any */
};

/* Fills one slot as far as the upstream allows; returns bytes, 0 at EOF. */
static ssize_t fill_slot(struct pipe_stream *p, uint8_t *buf, struct ivet_err *err)
{
    size_t got = 0;
    while (got < SLOT_SIZE) {
        ssize_t r = ivet_istream_read(p->in, buf + got, SLOT_SIZE - got, err);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static void *producer(void *arg)
{
    struct pipe_stream *p = arg;
    struct ivet_err err = IVET_ERR_INIT;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == SLOTS && !p->stop)
            pthread_cond_wait(&p->not_full, &p->mu);
        bool stop = p->stop;
        unsigned tail = (p->head + p->count) % SLOTS;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        /* The tail slot is ours until it is published: no lock while reading. */
        struct slot *sl = &p->slot[tail];
        ssize_t r = fill_slot(p, sl->buf, &err);
        if (r > 0)
            sl->len = (size_t)r;
        pthread_mutex_lock(&p->mu);
        if (r < 0) {
            ivet_err_move(&p->perr, &err);
            if (p->perr.code == IVET_OK)
                ivet_err_set(&p->perr, IVET_E_INTERNAL, "pipe: upstream failed without an error");
        } else if (r > 0) {
            p->count++;
        }
        if (r < (ssize_t)SLOT_SIZE)
            p->eof = true;              /* a short slot means EOF or failure */
        pthread_cond_signal(&p->not_empty);
        bool done = p->eof;
        pthread_mutex_unlock(&p->mu);
        if (done)
            break;
    }
    ivet_err_release(&err);
    return NULL;
}

/* With p->mu held: hands the head slot back to the producer. */
static void release_head(struct pipe_stream *p)
{
    p->head = (p->head + 1) % SLOTS;
    p->head_off = 0;
    p->count--;
    p->lent = false;
    pthread_cond_signal(&p->not_full);
}

/* Waits for bytes and takes up to n of the head slot: *at points at them,
 * valid until the reader's next call (the head slot is the reader's until
 * released, and a slot read to its end goes back only at that next call). */
static ssize_t take(struct pipe_stream *p, const uint8_t **at, size_t n, struct ivet_err *err)
{
    pthread_mutex_lock(&p->mu);
    if (p->lent)
        release_head(p);
    while (p->count == 0 && !p->eof)
        pthread_cond_wait(&p->not_empty, &p->mu);
    if (p->count == 0) {
        ssize_t rc = 0;
        if (p->perr.code != IVET_OK)
            rc = ivet_err_set(err, p->perr.code, "%s", ivet_err_msg(&p->perr));
        pthread_mutex_unlock(&p->mu);
        return rc;
    }
    struct slot *sl = &p->slot[p->head];
    size_t k = IVET_MIN(n, sl->len - p->head_off);
    *at = sl->buf + p->head_off;
    p->head_off += k;
    if (p->head_off == sl->len)
        p->lent = true;
    pthread_mutex_unlock(&p->mu);
    return (ssize_t)k;
}

static ssize_t pipe_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err)
{
    struct pipe_stream *p = (struct pipe_stream *)s;
    const uint8_t *at;
    ssize_t k = take(p, &at, n, err);
    if (k > 0)
        memcpy(buf, at, (size_t)k);
    return k;
}

static ssize_t pipe_borrow(struct ivet_istream *s, const void **out, void *buf, size_t n,
                           struct ivet_err *err)
{
    (void)buf;
    struct pipe_stream *p = (struct pipe_stream *)s;
    const uint8_t *at = NULL;
    ssize_t k = take(p, &at, n, err);
    *out = at;
    return k;
}

static void free_pipe(struct pipe_stream *p)
{
    for (unsigned i = 0; i < SLOTS; i++)
        ivet_free(p->slot[i].buf);
    ivet_free(p);
}

static void pipe_close(struct ivet_istream *s)
{
    struct pipe_stream *p = (struct pipe_stream *)s;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->not_full);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    ivet_istream_close(p->in);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_empty);
    pthread_cond_destroy(&p->not_full);
    ivet_err_release(&p->perr);
    free_pipe(p);
}

static const struct ivet_istream_ops pipe_ops = { pipe_read, pipe_close, pipe_borrow };

struct ivet_istream *ivet_istream_pipe(struct ivet_istream *in, struct ivet_err *err)
{
    if (!in)
        return NULL;
    struct pipe_stream *p = ivet_calloc(1, sizeof(*p));
    if (!p)
        goto nomem;
    for (unsigned i = 0; i < SLOTS; i++)
        if (!(p->slot[i].buf = ivet_malloc(SLOT_SIZE)))
            goto nomem;
    ivet_istream_init(&p->base, &pipe_ops);
    p->in = in;
    p->perr = (struct ivet_err)IVET_ERR_INIT;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    int e = pthread_create(&p->thread, NULL, producer, p);
    if (e != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->not_empty);
        pthread_cond_destroy(&p->not_full);
        free_pipe(p);
        ivet_istream_close(in);
        errno = e;
        ivet_err_sys(err, IVET_E_INTERNAL, "cannot start the pipeline thread");
        return NULL;
    }
    return &p->base;
nomem:
    if (p)
        free_pipe(p);
    ivet_istream_close(in);
    ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return NULL;
}
