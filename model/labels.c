/*
 * labels.c - regret labels for training.
 *
 * An order is a regret (1) when it was returned within 30 days of purchase
 * with the reason "Regret". A return with an empty reason is a regret under
 * the trend rule ([model] label_empty_reason = trend) when it falls between
 * the trend's peak + 7 days and its death, both estimated from the crawled
 * series of the product's hashtag. Labels look at the future by definition;
 * they are never features. Orders whose 30-day window ends after the data's
 * end are not labelled (-1) and are left out of training.
 */
#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <string.h>

int tg_model__labels_build(const tg_model_ctx *c, bool trend_rule, bool any_return,
                           tg_model__labels *out)
{
    size_t n = tg_model__ctx_norders(c);
    memset(out, 0, sizeof *out);
    out->y = tg_malloc(n ? n : 1);
    if (!out->y)
        return TG_ENOMEM;
    out->data_end = tg_model__ctx_data_end(c);
    for (size_t i = 0; i < n; i++) {
        const tg_order *o = tg_model__ctx_order(c, i);
        const char *reason = "";
        int64_t rt = tg_model__ctx_return(c, i, &reason);
        bool in_window = rt > 0 && rt - o->purchase_time <= TG_MODEL__LABEL_WINDOW;
        if (!in_window && o->purchase_time + TG_MODEL__LABEL_WINDOW > out->data_end) {
            out->y[i] = -1;
            out->unlabelled++;
            continue;
        }
        int8_t y = 0;
        if (in_window) {
            if (any_return || tg_streq_ci(reason, "regret")) {
                y = 1;
            } else if (reason[0] == 0) {
                int64_t from, to;
                out->empty++;
                if (trend_rule && tg_model__ctx_trend_window(c, i, &from, &to) && rt >= from &&
                    rt <= to) {
                    y = 1;
                    out->imputed++;
                }
            }
        }
        out->y[i] = y;
        out->regret += y;
    }
    return TG_OK;
}

void tg_model__labels_free(tg_model__labels *l)
{
    tg_free(l->y);
    l->y = NULL;
}
