/*
 * sentiment.h - a small rule-based sentiment scorer for review text.
 *
 * The built-in lexicon (model/sentiment_lexicon.c, the team's own word list
 * with valences -4..+4) is compiled into the binary. Rules: negation flips
 * and damps words within 3 tokens after "not"/"never"/"n't"..., intensifiers
 * ("very", "extremely") and dampeners ("slightly") scale the next word, a
 * "but" clause outweighs the one before it, an ALL-CAPS word in mixed-case
 * text is emphasised, and "!" adds emphasis. The result is a compound score
 * in [-1, 1] (sum normalised as x / sqrt(x^2 + 15)).
 *
 * Optionally a lexicon file in VADER's format ("token<TAB>mean<TAB>...",
 * one per line) replaces the built-in word list.
 *
 * Ownership: a tg_sentiment is immutable after open, so threads may share it.
 */
#ifndef TRENDGUARD_SENTIMENT_H
#define TRENDGUARD_SENTIMENT_H

#include <stddef.h>

typedef struct tg_sentiment tg_sentiment;

/*
 * Open a scorer: lexicon_path NULL uses the built-in lexicon. TG_EIO when the
 * file cannot be read, TG_EDATA when it has no valid line, TG_ENOMEM.
 */
int tg_sentiment_open(tg_sentiment **out, const char *lexicon_path);
void tg_sentiment_free(tg_sentiment **s);

/* Compound score of text in [-1, 1]; s NULL uses the built-in lexicon. */
double tg_sentiment_score(const tg_sentiment *s, const char *text);
/* Same for the first n bytes of text. */
double tg_sentiment_score_n(const tg_sentiment *s, const char *text, size_t n);

/* Number of entries of the built-in lexicon. */
size_t tg_sentiment_builtin_size(void);

#endif
