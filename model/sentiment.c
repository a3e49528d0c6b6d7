/*
 * sentiment.c - rule-based sentiment: lexicon lookup plus negation,
 * intensifiers, "but" clauses, capitals and exclamation marks.
 */
#include "trendguard/sentiment.h"

#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 32
#define MAX_TOKENS 4096
#define LEXFILE_MAX_LINE 4096
#define BARE_NEGATION (-1.0)

typedef struct entry {
    char w[WORD_MAX];
    float v;
    bool used;
} entry;

struct tg_sentiment {
    entry *tab;
    size_t mask; /* table size - 1 (power of two) */
    size_t n;
};

static tg_sentiment builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static int builtin_err;

static const char *const negators[] = {
    "not",    "no",     "never",   "nothing",  "none",    "nobody", "neither", "nor",   "without",
    "hardly", "cannot", "cant",    "dont",     "doesnt",  "didnt",  "isnt",    "wasnt", "arent",
    "werent", "wont",   "wouldnt", "shouldnt", "couldnt", "havent", "hasnt",   "aint",  NULL};
static const char *const boosters[] = {
    "very",       "really",     "so",     "extremely",  "absolutely", "totally",
    "incredibly", "truly",      "super",  "highly",     "completely", "utterly",
    "most",       "too",        "quite",  "especially", "seriously",  "definitely",
    "such",       "thoroughly", "deeply", "real",       NULL};
/* Negating these keeps them negative ("don't waste your money"). */
static const char *const unflippable[] = {"waste", "wasted", "wasting", "fooled", NULL};
static const char *const dampeners[] = {"slightly", "somewhat", "kinda", "kind",       "sort",
                                        "barely",   "little",   "bit",   "marginally", "fairly",
                                        "almost",   "partly",   NULL};

static bool in_list(const char *const *l, const char *w)
{
    for (; *l; l++)
        if (strcmp(*l, w) == 0)
            return true;
    return false;
}

static size_t slot_of(const tg_sentiment *s, const char *w)
{
    size_t i = (size_t)tg_hash64(w, strlen(w)) & s->mask;
    while (s->tab[i].used && strcmp(s->tab[i].w, w) != 0)
        i = (i + 1) & s->mask;
    return i;
}

static bool lookup(const tg_sentiment *s, const char *w, float *v)
{
    if (!s->tab)
        return false;
    size_t i = slot_of(s, w);
    if (!s->tab[i].used)
        return false;
    *v = s->tab[i].v;
    return true;
}

/* Insert (first definition wins). Caller sized the table. */
static void insert(tg_sentiment *s, const char *w, size_t len, float v)
{
    char k[WORD_MAX];
    if (len == 0 || len >= WORD_MAX)
        return;
    memcpy(k, w, len);
    k[len] = 0;
    size_t i = slot_of(s, k);
    if (s->tab[i].used)
        return;
    memcpy(s->tab[i].w, k, len + 1);
    s->tab[i].v = v;
    s->tab[i].used = true;
    s->n++;
}

static int table_alloc(tg_sentiment *s, size_t want)
{
    size_t cap = 64;
    while (cap < want * 2)
        cap <<= 1;
    s->tab = tg_calloc(cap, sizeof *s->tab);
    if (!s->tab)
        return TG_ENOMEM;
    s->mask = cap - 1;
    s->n = 0;
    return TG_OK;
}

static void build_builtin(void)
{
    size_t ng, words = 0;
    const tg_model__lexgroup *g = tg_model__lexicon_groups(&ng);
    for (size_t i = 0; i < ng; i++)
        for (const char *p = g[i].words; *p; p++)
            words += (*p == ' ');
    words += ng;
    builtin_err = table_alloc(&builtin, words);
    if (builtin_err)
        return;
    for (size_t i = 0; i < ng; i++) {
        const char *p = g[i].words;
        while (*p) {
            while (*p == ' ')
                p++;
            const char *e = p;
            while (*e && *e != ' ')
                e++;
            insert(&builtin, p, (size_t)(e - p), (float)g[i].valence);
            p = e;
        }
    }
}

static const tg_sentiment *get_builtin(void)
{
    pthread_once(&builtin_once, build_builtin);
    return builtin_err ? NULL : &builtin;
}

size_t tg_sentiment_builtin_size(void)
{
    const tg_sentiment *b = get_builtin();
    return b ? b->n : 0;
}

int tg_sentiment_open(tg_sentiment **out, const char *lexicon_path)
{
    int rc = TG_OK;
    FILE *f = NULL;
    tg_sentiment *s = NULL;
    char *line = NULL;
    *out = NULL;
    if (!lexicon_path) {
        if (!get_builtin())
            return TG_ENOMEM;
        *out = NULL; /* NULL means built-in everywhere */
        return TG_OK;
    }
    f = fopen(lexicon_path, "r");
    if (!f) {
        tg_error("sentiment", "cannot open lexicon %s", lexicon_path);
        return TG_EIO;
    }
    size_t lines = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF)
        lines += (ch == '\n');
    rewind(f);
    s = tg_calloc(1, sizeof *s);
    line = tg_malloc(LEXFILE_MAX_LINE);
    if (!s || !line || table_alloc(s, lines + 1) != TG_OK) {
        rc = TG_ENOMEM;
        goto out_free;
    }
    while (fgets(line, LEXFILE_MAX_LINE, f)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        char *end;
        double v = strtod(tab + 1, &end);
        if (end == tab + 1 || !isfinite(v))
            continue;
        for (char *p = line; p < tab; p++)
            *p = (char)tolower((unsigned char)*p);
        insert(s, line, (size_t)(tab - line), (float)v);
    }
    if (s->n == 0) {
        tg_error("sentiment", "no valid entry in %s", lexicon_path);
        rc = TG_EDATA;
        goto out_free;
    }
    *out = s;
    s = NULL;
out_free:
    tg_free(line);
    if (s) {
        tg_free(s->tab);
        tg_free(s);
    }
    fclose(f);
    return rc;
}

void tg_sentiment_free(tg_sentiment **s)
{
    if (!s || !*s)
        return;
    tg_free((*s)->tab);
    tg_free(*s);
    *s = NULL;
}

/* Valence of a normalised word, trying a few suffix strippings. */
static bool valence_of(const tg_sentiment *s, const char *w, float *v)
{
    char b[WORD_MAX + 2];
    size_t n = strlen(w);
    if (lookup(s, w, v))
        return true;
    static const char *const suf[] = {"ly", "s", "es", "ed", "ing", "er", "est", "ness", NULL};
    for (int i = 0; suf[i]; i++) {
        size_t sl = strlen(suf[i]);
        if (n <= sl + 2 || strcmp(w + n - sl, suf[i]) != 0)
            continue;
        memcpy(b, w, n - sl);
        b[n - sl] = 0;
        if (lookup(s, b, v))
            return true;
        b[n - sl] = 'e';
        b[n - sl + 1] = 0;
        if (lookup(s, b, v))
            return true;
    }
    return false;
}

typedef struct token {
    char w[WORD_MAX];
    bool caps; /* all upper case, >= 2 letters */
    bool seen; /* within the window before a lexicon word */
} token;

double tg_sentiment_score(const tg_sentiment *s, const char *text)
{
    return tg_sentiment_score_n(s, text, text ? strlen(text) : 0);
}

double tg_sentiment_score_n(const tg_sentiment *s, const char *text, size_t len)
{
    if (!s)
        s = get_builtin();
    if (!s || !text || len == 0)
        return 0.0;
    token tok[256];
    size_t nt = 0, bangs = 0, lowers = 0;
    size_t i = 0;
    while (i < len && nt < 256) {
        while (i < len && !isalnum((unsigned char)text[i]) && text[i] != '\'') {
            bangs += (text[i] == '!');
            i++;
        }
        if (i >= len)
            break;
        size_t j = 0, upp = 0, let = 0;
        token *t = &tok[nt];
        while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '\'')) {
            unsigned char c = (unsigned char)text[i++];
            if (c == '\'')
                continue;
            if (isalpha(c)) {
                let++;
                if (isupper(c))
                    upp++;
                else
                    lowers++;
            }
            if (j < WORD_MAX - 1)
                t->w[j++] = (char)tolower(c);
        }
        t->w[j] = 0;
        if (j == 0)
            continue;
        t->caps = let >= 2 && upp == let;
        t->seen = false;
        nt++;
    }
    bool mixed = lowers > 0;
    /* Position of the last "but": earlier words count half, later 1.5x. */
    size_t but = SIZE_MAX;
    for (size_t k = 0; k < nt; k++)
        if (strcmp(tok[k].w, "but") == 0 || strcmp(tok[k].w, "however") == 0 ||
            strcmp(tok[k].w, "although") == 0)
            but = k;
    double sum = 0;
    for (size_t k = 0; k < nt; k++) {
        float v;
        if (in_list(boosters, tok[k].w) || in_list(dampeners, tok[k].w) ||
            in_list(negators, tok[k].w))
            continue;
        if (!valence_of(s, tok[k].w, &v))
            continue;
        double x = v;
        double sign = x > 0 ? 1 : -1;
        if (tok[k].caps && mixed)
            x += sign * 0.733;
        /* Intensifiers and negation in the three words before. */
        bool neg = false;
        for (size_t d = 1; d <= 3 && d <= k; d++) {
            const char *p = tok[k - d].w;
            tok[k - d].seen = true;
            double decay = d == 1 ? 1.0 : d == 2 ? 0.95 : 0.9;
            if (in_list(boosters, p))
                x += sign * 0.293 * decay;
            else if (in_list(dampeners, p))
                x -= sign * 0.293 * decay;
            if (in_list(negators, p))
                neg = true;
            if (strcmp(p, "but") == 0)
                break;
        }
        /* "couldn't be happier": a negated comparative is praise */
        size_t wl = strlen(tok[k].w);
        bool comparative = (wl > 3 && strcmp(tok[k].w + wl - 2, "er") == 0) ||
                           (k > 0 && strcmp(tok[k - 1].w, "more") == 0);
        if (neg && !(comparative && x > 0) && !in_list(unflippable, tok[k].w))
            x *= -0.74;
        if (but != SIZE_MAX)
            x *= k < but ? 0.5 : k > but ? 1.5 : 1.0;
        sum += x;
    }
    /* A negation that governs no lexicon word ("doesn't work", "does not
     * hold a charge") is a complaint in review text. */
    for (size_t k = 0; k < nt; k++)
        if (!tok[k].seen && in_list(negators, tok[k].w))
            sum += BARE_NEGATION * (but != SIZE_MAX && k > but ? 1.5 : 1.0);
    if (bangs > 4)
        bangs = 4;
    if (sum > 0)
        sum += 0.292 * (double)bangs;
    else if (sum < 0)
        sum -= 0.292 * (double)bangs;
    return sum / sqrt(sum * sum + 15.0);
}
