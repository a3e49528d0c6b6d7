/*
 * csv.c - streaming RFC 4180 reader (see csv.h).
 *
 * A byte-at-a-time state machine over a 256 KiB read buffer; the hot path
 * (unquoted bytes) copies runs with one memchr-free loop. On a malformed or
 * oversized record we stop storing bytes but keep the state machine running
 * to the record's real end, so the next call starts at a record boundary.
 */
#include "store/csv.h"

#include "trendguard/error.h"

#include <errno.h>
#include <string.h>

#define INBUF (256u << 10)
#define MAX_FIELDS 4096

int tg_store_csv_init(tg_store_csv *c, FILE *f, size_t max_record)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->in = tg_malloc(INBUF);
    c->fcap = 32;
    c->off = tg_malloc(sizeof *c->off * (size_t)c->fcap);
    c->flen = tg_malloc(sizeof *c->flen * (size_t)c->fcap);
    tg_buf_init(&c->rec, max_record ? max_record : (1u << 20));
    c->line = 1;
    if (!c->in || !c->off || !c->flen) {
        tg_store_csv_free(c);
        return TG_ENOMEM;
    }
    return TG_OK;
}

void tg_store_csv_free(tg_store_csv *c)
{
    tg_free(c->in);
    tg_free(c->off);
    tg_free(c->flen);
    tg_buf_free(&c->rec);
    c->in = NULL;
    c->off = c->flen = NULL;
}

const char *tg_store_csv_field(const tg_store_csv *c, int i)
{
    if (i < 0 || i >= c->nf)
        return "";
    return c->rec.data + c->off[i];
}

/* -1 at end of input, -2 on a read error. */
static int refill(tg_store_csv *c)
{
    if (c->eof)
        return -1;
    c->ilen = fread(c->in, 1, INBUF, c->f);
    c->ipos = 0;
    if (c->ilen == 0) {
        c->eof = 1;
        return ferror(c->f) ? -2 : -1;
    }
    return 0;
}

static inline int getb(tg_store_csv *c)
{
    if (c->ipos == c->ilen) {
        int r = refill(c);
        if (r)
            return r;
    }
    return c->in[c->ipos++];
}

static inline int peekb(tg_store_csv *c)
{
    if (c->ipos == c->ilen) {
        int r = refill(c);
        if (r)
            return r;
    }
    return c->in[c->ipos];
}

typedef struct {
    int err; /* first error of this record */
    const char *why;
} rstate;

static void fail(rstate *st, int err, const char *why)
{
    if (!st->err) {
        st->err = err;
        st->why = why;
    }
}

/* A failed append: over the record cap, or out of memory (which the caller
 * must not mistake for a bad row). */
static void add_failed(rstate *st, int rc)
{
    fail(st, rc, rc == TG_ENOMEM ? "out of memory" : "record too long");
}

static void add_byte(tg_store_csv *c, rstate *st, int b)
{
    if (st->err)
        return;
    if (b == 0) {
        fail(st, TG_EDATA, "NUL byte in field");
        return;
    }
    char ch = (char)b;
    int rc = tg_buf_add(&c->rec, &ch, 1);
    if (rc)
        add_failed(st, rc);
}

static void end_field(tg_store_csv *c, rstate *st, size_t start)
{
    if (st->err)
        return;
    if (c->nf == c->fcap) {
        if (c->fcap >= MAX_FIELDS) {
            fail(st, TG_ETOOBIG, "too many fields");
            return;
        }
        int ncap = c->fcap * 2;
        size_t *o = tg_realloc(c->off, sizeof *o * (size_t)ncap);
        if (!o) {
            fail(st, TG_ENOMEM, "out of memory");
            return;
        }
        c->off = o;
        size_t *l = tg_realloc(c->flen, sizeof *l * (size_t)ncap);
        if (!l) {
            fail(st, TG_ENOMEM, "out of memory");
            return;
        }
        c->flen = l;
        c->fcap = ncap;
    }
    c->off[c->nf] = start;
    c->flen[c->nf] = c->rec.len - start;
    c->nf++;
    int rc = tg_buf_add(&c->rec, "", 1);
    if (rc)
        add_failed(st, rc);
}

/* A line end: consume the LF of a CRLF. */
static void line_end(tg_store_csv *c, int b)
{
    if (b == '\r' && peekb(c) == '\n')
        c->ipos++;
    c->line++;
}

int tg_store_csv_next(tg_store_csv *c)
{
    if (!c->started) {
        c->started = 1;
        if (peekb(c) == 0xEF && c->ilen - c->ipos >= 3 &&
            memcmp(c->in + c->ipos, "\xEF\xBB\xBF", 3) == 0)
            c->ipos += 3;
    }
    for (;;) {
        rstate st = {0, NULL};
        tg_buf_reset(&c->rec);
        c->nf = 0;
        c->why = NULL;
        c->rec_line = c->line;
        int b = getb(c);
        if (b == -2)
            return TG_EIO;
        if (b == -1)
            return 0;
        if (b == '\n' || b == '\r') { /* empty line */
            line_end(c, b);
            continue;
        }
        size_t start = 0;
        for (;;) {
            /* at the start of a field; b is its first byte */
            if (b == '"') {
                for (;;) { /* quoted */
                    b = getb(c);
                    if (b < 0) {
                        if (b == -2)
                            return TG_EIO;
                        fail(&st, TG_EDATA, "unterminated quoted field");
                        break;
                    }
                    if (b == '"') {
                        if (peekb(c) == '"') {
                            c->ipos++;
                            add_byte(c, &st, '"');
                            continue;
                        }
                        b = getb(c); /* byte after the closing quote */
                        break;
                    }
                    if (b == '\n' || (b == '\r' && peekb(c) != '\n'))
                        c->line++;
                    add_byte(c, &st, b);
                }
                /* after a quoted field only , or a line end or EOF may follow */
                while (b >= 0 && b != ',' && b != '\n' && b != '\r') {
                    fail(&st, TG_EDATA, "text after a closing quote");
                    b = getb(c);
                    if (b == '"') { /* keep quote parity so we resync */
                        do
                            b = getb(c);
                        while (b >= 0 && b != '"');
                        if (b >= 0)
                            b = getb(c);
                    }
                }
            } else {
                while (b >= 0 && b != ',' && b != '\n' && b != '\r') {
                    if (b == '"')
                        fail(&st, TG_EDATA, "quote inside an unquoted field");
                    add_byte(c, &st, b);
                    /* fast path: copy the run of ordinary bytes in one append */
                    size_t i = c->ipos;
                    while (i < c->ilen) {
                        unsigned char ch = c->in[i];
                        if (ch == ',' || ch == '\n' || ch == '\r' || ch == '"' || ch == 0)
                            break;
                        i++;
                    }
                    int arc = i > c->ipos && !st.err
                                  ? tg_buf_add(&c->rec, c->in + c->ipos, i - c->ipos)
                                  : 0;
                    if (arc)
                        add_failed(&st, arc);
                    c->ipos = i;
                    b = getb(c);
                }
            }
            if (b == -2)
                return TG_EIO;
            end_field(c, &st, start);
            start = c->rec.len;
            if (b == ',') {
                b = getb(c);
                if (b == -2)
                    return TG_EIO;
                if (b == -1 || b == '\n' || b == '\r') { /* trailing empty field */
                    end_field(c, &st, start);
                    if (b >= 0)
                        line_end(c, b);
                    break;
                }
                continue;
            }
            if (b >= 0)
                line_end(c, b);
            break;
        }
        if (st.err) {
            c->why = st.why;
            c->nf = 0;
            return st.err;
        }
        return 1;
    }
}
