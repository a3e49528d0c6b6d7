/*
 * csv.h - a streaming RFC 4180 CSV reader with a bounded record size.
 *
 * Accepts quoted fields holding commas, quotes ("" inside quotes) and line
 * breaks; CRLF, LF or lone CR line ends; a UTF-8 byte order mark at the start.
 * Completely empty lines are skipped. Each record's first physical line number
 * is reported so that ingest can say "FILE:LINE: reason".
 *
 *     tg_store_csv c;
 *     tg_store_csv_init(&c, f, 1 << 20);
 *     while ((rc = tg_store_csv_next(&c)) == 1) {
 *         for (int i = 0; i < c.nf; i++) use(tg_store_csv_field(&c, i), c.flen[i]);
 *     }
 *     tg_store_csv_free(&c);
 *
 * tg_store_csv_next returns 1 (a record), 0 (end of input), or a negative
 * error for a bad record: TG_EDATA (malformed quoting or a NUL byte; c.why
 * says which) or TG_ETOOBIG (longer than max_record). After those the reader
 * is positioned at the next record, so the caller may skip and go on.
 * TG_EIO is final. Field pointers are valid until the next call; fields are
 * NUL-terminated.
 */
#ifndef TRENDGUARD_STORE_CSV_H
#define TRENDGUARD_STORE_CSV_H

#include "trendguard/util.h"

#include <stdio.h>

typedef struct tg_store_csv {
    FILE *f;
    unsigned char *in; /* read buffer */
    size_t ipos, ilen;
    int eof;
    int started; /* BOM check done */
    tg_buf rec;  /* field bytes, each followed by a NUL */
    size_t *off; /* start of field i in rec */
    size_t *flen;
    int nf, fcap;
    long line;       /* current physical line (1-based) */
    long rec_line;   /* line where the last record started */
    const char *why; /* reason of the last TG_EDATA */
} tg_store_csv;

int tg_store_csv_init(tg_store_csv *c, FILE *f, size_t max_record);
int tg_store_csv_next(tg_store_csv *c);
const char *tg_store_csv_field(const tg_store_csv *c, int i);
void tg_store_csv_free(tg_store_csv *c);

#endif
