/*
 * ebay.c - eBay as the simulated world serves it: the OAuth token, the
 * Browse API search (active listings, JSON) and the website's sold-listings
 * search pages (HTML) in both real layouts: the older minified `li.s-item`
 * with unquoted attributes on odd pages and the 2025 `s-card` layout on
 * even pages, with the real pages' noise (a "Shop on eBay" placeholder
 * first item, price ranges, struck-through prices, shipping lines).
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define SOLD_PER_PAGE 60

static const char *const cond_ids[] = {"1000", "1500", "3000", "1500"};
static const char *const title_suffix[] = {
    "", " - Brand New", " Viral TikTok", " NWT", " Authentic", " Like New", " Bundle", " Sealed"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void title_of(const tg_sim_world *w, const tg_sim__listing *l, char *out, size_t n)
{
    const tg_sim__product *p = &w->products[l->product];
    snprintf(out, n, "%s%s", p->name, title_suffix[l->legacy_id % 8]);
}

static int ebay_error(tg_sim__resp *rs, int status, int id, const char *domain,
                      const char *category, const char *msg)
{
    rs->status = status;
    rs->ctype = "application/json";
    int rc = tg_buf_printf(&rs->body,
                           "{\"errors\":[{\"errorId\":%d,\"domain\":\"%s\",\"category\":\"%s\","
                           "\"message\":",
                           id, domain, category);
    if (rc == TG_OK)
        rc = tg_sim__putjs(&rs->body, msg);
    return rc ? rc : TG_SIM__PUTL(&rs->body, "}]}");
}

int tg_sim__ebay_token(const tg_sim__req *rq, tg_sim__resp *rs)
{
    const char *auth = tg_sim__header(rq, "Authorization");
    char grant[64];
    rs->ctype = "application/json";
    if (!auth || strncasecmp(auth, "Basic ", 6) != 0 || strlen(auth) < 10) {
        rs->status = 401;
        return tg_sim__puts(&rs->body, "{\"error\":\"invalid_client\",\"error_description\":"
                                       "\"client authentication failed\"}");
    }
    if (!tg_sim__form_get(rq->body, "grant_type", grant, sizeof grant) ||
        strcmp(grant, "client_credentials") != 0) {
        rs->status = 400;
        return tg_sim__puts(&rs->body, "{\"error\":\"unsupported_grant_type\","
                                       "\"error_description\":\"grant type in request is not "
                                       "supported by the authorization server\"}");
    }
    char tok[128];
    int rc = tg_sim__token_issue(rq->srv, 'e', tok, sizeof tok);
    if (rc)
        return rc;
    rs->status = 200;
    return tg_buf_printf(&rs->body,
                         "{\"access_token\":\"%s\",\"expires_in\":%.0f,"
                         "\"token_type\":\"Application Access Token\"}",
                         tok, tg_sim__token_ttl(rq->srv));
}

static bool parse_int_arg(const char *s, long lo, long hi, long *out)
{
    if (!s)
        return true;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int put_money_obj(tg_buf *b, double v)
{
    int rc = TG_SIM__PUTL(b, "{\"value\":\"");
    rc = rc ? rc : tg_sim__putmoney(b, v, false);
    return rc ? rc : TG_SIM__PUTL(b, "\",\"currency\":\"USD\"}");
}

static int put_iso_ms(tg_buf *b, int64_t t)
{
    char s[32];
    tg_time_format(t, s, sizeof s); /* ...:SSZ */
    size_t n = strlen(s);
    int rc = tg_sim__put(b, s, n - 1);
    return rc ? rc : TG_SIM__PUTL(b, ".000Z");
}

static int url_q(tg_buf *b, const char *q)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = TG_OK;
    for (const unsigned char *p = (const unsigned char *)q; *p && rc == TG_OK; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.') {
            rc = tg_sim__put(b, (const char *)p, 1);
        } else if (*p == ' ') {
            rc = TG_SIM__PUTL(b, "+");
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = tg_sim__put(b, e, 3);
        }
    }
    return rc;
}

static int browse_item(const tg_sim__req *rq, const tg_sim__listing *l, tg_buf *b)
{
    const tg_sim_world *w = rq->w;
    char title[160];
    title_of(w, l, title, sizeof title);
    int rc = TG_SIM__PUTL(b, "{\"itemId\":\"v1|");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "|0\",\"title\":");
    rc = rc ? rc : tg_sim__putjs(b, title);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"leafCategoryIds\":[\"");
    rc = rc ? rc : tg_sim__putu(b, 11450 + (uint64_t)w->products[l->product].category);
    rc = rc ? rc : TG_SIM__PUTL(b, "\"],\"categories\":[{\"categoryId\":\"");
    rc = rc ? rc : tg_sim__putu(b, 11450 + (uint64_t)w->products[l->product].category);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"categoryName\":\"");
    rc = rc ? rc : tg_sim__puts(b, tg_sim__categories[w->products[l->product].category]);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "\"}],\"image\":{\"imageUrl\":\"https://i.ebayimg.com/thumbs/"
                              "images/g/sim");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "/s-l225.jpg\"},\"price\":");
    rc = rc ? rc : put_money_obj(b, l->price);
    if (l->auction) {
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"currentBidPrice\":");
        rc = rc ? rc : put_money_obj(b, l->price * 0.8);
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"bidCount\":");
        rc = rc ? rc : tg_sim__putu(b, l->legacy_id % 9);
    }
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"itemHref\":\"http://");
    rc = rc ? rc : tg_sim__puts(b, rq->host);
    rc = rc ? rc : TG_SIM__PUTL(b, "/buy/browse/v1/item/v1%7C");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "%7C0\",\"seller\":{\"username\":\"");
    rc = rc ? rc : tg_sim__puts(b, w->sellers[l->seller]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"feedbackPercentage\":\"");
    rc = rc ? rc : tg_buf_printf(b, "%.1f", 95.0 + (double)(l->seller % 50) / 10.0);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"feedbackScore\":");
    rc = rc ? rc : tg_sim__putu(b, 10 + (uint64_t)l->seller * 37 % 5000);
    rc = rc ? rc : TG_SIM__PUTL(b, "},\"condition\":\"");
    rc = rc ? rc : tg_sim__puts(b, tg_sim__conditions[l->cond]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"conditionId\":\"");
    rc = rc ? rc : tg_sim__puts(b, cond_ids[l->cond]);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "\",\"thumbnailImages\":[],\"shippingOptions\":[{"
                              "\"shippingCostType\":\"FIXED\",\"shippingCost\":");
    rc = rc ? rc : put_money_obj(b, l->ship);
    rc = rc ? rc : TG_SIM__PUTL(b, "}],\"buyingOptions\":[");
    rc = rc ? rc
            : (l->auction ? TG_SIM__PUTL(b, "\"AUCTION\"") : TG_SIM__PUTL(b, "\"FIXED_PRICE\""));
    rc = rc ? rc : TG_SIM__PUTL(b, "],\"itemWebUrl\":\"http://");
    rc = rc ? rc : tg_sim__puts(b, rq->host);
    rc = rc ? rc : TG_SIM__PUTL(b, "/itm/");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "\",\"itemLocation\":{\"country\":\"US\"},\"adultOnly\":false,"
                              "\"legacyItemId\":\"");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"availableCoupons\":false,\"itemCreationDate\":\"");
    rc = rc ? rc : put_iso_ms(b, l->created);
    rc = rc ? rc : TG_SIM__PUTL(b, "\"");
    if (l->auction) { /* fixed-price listings are Good 'Til Cancelled: no end date */
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"itemEndDate\":\"");
        rc = rc ? rc : put_iso_ms(b, l->ends);
        rc = rc ? rc : TG_SIM__PUTL(b, "\"");
    }
    return rc ? rc
              : TG_SIM__PUTL(b, ",\"topRatedBuyingExperience\":false,\"priorityListing\":false}");
}

static bool active_at(const tg_sim__listing *l, int64_t now)
{
    if (l->created > now)
        return false;
    return l->sold ? l->sold > now : l->ends > now;
}

int tg_sim__ebay_browse(const tg_sim__req *rq, tg_sim__resp *rs)
{
    const tg_sim_world *w = rq->w;
    if (!tg_sim__token_ok(rq->srv, 'e', tg_sim__header(rq, "Authorization")))
        return ebay_error(rs, 401, 1001, "OAuth", "REQUEST",
                          "Invalid access token. Check the value of the Authorization HTTP "
                          "request header.");
    if (rq->fault < rq->fault_rate)
        return ebay_error(rs, 500, 10001, "API_BROWSE", "APPLICATION",
                          "There was a problem with an eBay internal system or process. Contact "
                          "eBay developer support for assistance.");
    const char *q = tg_sim__arg(rq, "q");
    long limit = 50, offset = 0;
    if (!q || !*q)
        return ebay_error(rs, 400, 12001, "API_BROWSE", "REQUEST",
                          "The call must have a valid 'q', 'category_ids', 'epid', 'gtin' or "
                          "'charity_ids' query parameter.");
    if (!parse_int_arg(tg_sim__arg(rq, "limit"), 1, 200, &limit))
        return ebay_error(rs, 400, 12002, "API_BROWSE", "REQUEST",
                          "The 'limit' value must be between 1 and 200.");
    if (!parse_int_arg(tg_sim__arg(rq, "offset"), 0, 10000, &offset))
        return ebay_error(rs, 400, 12003, "API_BROWSE", "REQUEST",
                          "The 'offset' value must be between 0 and 10000.");
    int32_t pi = tg_sim__product_match(w, q);
    const tg_sim__product *p = pi >= 0 ? &w->products[pi] : NULL;
    long total = 0;
    if (p)
        for (int32_t i = 0; i < p->nebay_all; i++)
            total += active_at(&w->listings[p->ebay_active[i]], rq->now);
    rs->status = 200;
    rs->ctype = "application/json";
    tg_buf *b = &rs->body;
    int rc = TG_SIM__PUTL(b, "{\"href\":\"http://");
    rc = rc ? rc : tg_sim__puts(b, rq->host);
    rc = rc ? rc : TG_SIM__PUTL(b, "/buy/browse/v1/item_summary/search?q=");
    rc = rc ? rc : url_q(b, q);
    rc = rc ? rc : tg_buf_printf(b, "&limit=%ld&offset=%ld\",\"total\":%ld", limit, offset, total);
    if (offset + limit < total) {
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"next\":\"http://");
        rc = rc ? rc : tg_sim__puts(b, rq->host);
        rc = rc ? rc : TG_SIM__PUTL(b, "/buy/browse/v1/item_summary/search?q=");
        rc = rc ? rc : url_q(b, q);
        rc = rc ? rc : tg_buf_printf(b, "&limit=%ld&offset=%ld\"", limit, offset + limit);
    }
    rc = rc ? rc : tg_buf_printf(b, ",\"limit\":%ld,\"offset\":%ld", limit, offset);
    if (p && offset < total) {
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"itemSummaries\":[");
        long seen = 0, out = 0;
        for (int32_t i = 0; i < p->nebay_all && out < limit && rc == TG_OK; i++) {
            const tg_sim__listing *l = &w->listings[p->ebay_active[i]];
            if (!active_at(l, rq->now))
                continue;
            if (seen++ < offset)
                continue;
            if (out++)
                rc = TG_SIM__PUTL(b, ",");
            rc = rc ? rc : browse_item(rq, l, b);
        }
        rc = rc ? rc : TG_SIM__PUTL(b, "]");
    }
    return rc ? rc : TG_SIM__PUTL(b, "}");
}

/* ------------------------------------------------------------------------ */
/* Sold-listing pages */

static const char block_page[] =
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"UTF-8\"><meta name=\"robots\" "
    "content=\"noindex,nofollow\"><title>Error Page | eBay</title></head><body><main "
    "class=\"main-content\"><div class=\"status--container\"><div class=\"error-header\"><div "
    "class=\"error-header__text-block\"><p class=\"error-header__headline\">SORRY</p><div "
    "id=\"error-info\"><p>Something went wrong on our end</p><hr><p class=\"reference-id\">"
    "0.3de52e17.1785821235.10f301e4</p><hr><p>Please go back and try again<br>or go to eBay "
    "Homepage.</p></div><a class=\"fake-btn\" href=\"/\">Go to homepage</a></div></div></div>"
    "</main><footer id=\"glbfooter\"><p>Copyright \xc2\xa9 1995-2026 eBay Inc. All Rights "
    "Reserved.</p></footer></body></html>";

static int sold_date(tg_buf *b, int64_t t)
{
    char d[16];
    tg_date_format(t, d, sizeof d); /* YYYY-MM-DD */
    int m = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
    int rc = TG_SIM__PUTL(b, "Sold  ");
    rc = rc ? rc : tg_sim__puts(b, months[m - 1]);
    rc = rc ? rc : TG_SIM__PUTL(b, " ");
    rc = rc ? rc : tg_sim__putu(b, (uint64_t)day);
    rc = rc ? rc : TG_SIM__PUTL(b, ", ");
    return rc ? rc : tg_sim__put(b, d, 4);
}

static int price_text(tg_buf *b, const tg_sim__listing *l)
{
    int rc = TG_SIM__PUTL(b, "$");
    rc = rc ? rc : tg_sim__putmoney(b, l->price, true);
    if (l->noise & 1) {
        rc = rc ? rc : TG_SIM__PUTL(b, " to $");
        rc = rc ? rc : tg_sim__putmoney(b, l->price * 1.3, true);
    }
    return rc;
}

static int item_link(tg_buf *b, const tg_sim__req *rq, const tg_sim__listing *l)
{
    int rc = TG_SIM__PUTL(b, "http://");
    rc = rc ? rc : tg_sim__puts(b, rq->host);
    rc = rc ? rc : TG_SIM__PUTL(b, "/itm/");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "?hash=item");
    return rc ? rc : tg_buf_printf(b, "%llx", (unsigned long long)(l->legacy_id * 2654435761ULL));
}

static int sitem(tg_buf *b, const tg_sim__req *rq, const tg_sim__listing *l, int iid)
{
    char title[160];
    title_of(rq->w, l, title, sizeof title);
    int rc = TG_SIM__PUTL(b, "<li data-viewport='{\"trackableId\":\"01SIM");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "\"}' class=\"s-item s-item__pl-on-bottom\" data-view=mi:1686|iid:");
    rc = rc ? rc : tg_sim__putu(b, (uint64_t)iid);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "><div class=\"s-item__wrapper clearfix\"><div class=s-item__image-section>"
                     "<div class=s-item__image><a tabindex=-1 target=_blank aria-hidden=true "
                     "_sp=p2351460.m1686.l7400 href=");
    rc = rc ? rc : item_link(b, rq, l);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "><div class=\"s-item__image-wrapper image-treatment\"><img src="
                              "https://i.ebayimg.com/thumbs/images/g/sim/s-l225.jpg loading=eager "
                              "class=s-item__image-img alt=\"");
    rc = rc ? rc : tg_sim__puth(b, title);
    rc = rc ? rc
            : TG_SIM__PUTL(b,
                           "\"></div></a></div></div><div class=\"s-item__info clearfix\"><div "
                           "class=s-item__title--tag><div class=\"s-item__title--tagblock \"><span "
                           "class=POSITIVE>");
    rc = rc ? rc : sold_date(b, l->sold);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</span><span class=clipped>Sold Item</span></div></div><a target=_blank "
                     "_sp=p2351460.m1686.l7400 class=s-item__link href=");
    rc = rc ? rc : item_link(b, rq, l);
    rc = rc ? rc : TG_SIM__PUTL(b, "><div class=s-item__title><span role=heading aria-level=3>");
    if (iid % 7 == 3)
        rc = rc ? rc : TG_SIM__PUTL(b, "<span class=LIGHT_HIGHLIGHT>New Listing</span>");
    rc = rc ? rc : tg_sim__puth(b, title);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</span></div><span class=clipped>Opens in a new window or tab</span></a>"
                     "<div class=s-item__subtitle><span class=SECONDARY_INFO>");
    rc = rc ? rc : tg_sim__puts(b, tg_sim__conditions[l->cond]);
    rc =
        rc ? rc
           : TG_SIM__PUTL(
                 b,
                 "</span></div><div class=\"s-item__details clearfix\"><div class=\"s-item__detail "
                 "s-item__detail--primary\"><span class=s-item__price><span class=POSITIVE>");
    rc = rc ? rc : price_text(b, l);
    rc = rc ? rc : TG_SIM__PUTL(b, "</span></span></div>");
    if (l->noise & 2) {
        rc = rc ? rc
                : TG_SIM__PUTL(b, "<div class=\"s-item__detail s-item__detail--primary\"><span "
                                  "class=s-item__trending-price><span class=STRIKETHROUGH>$");
        rc = rc ? rc : tg_sim__putmoney(b, l->orig_price, true);
        rc = rc ? rc : TG_SIM__PUTL(b, "</span></span></div>");
    }
    if (l->auction) {
        rc = rc ? rc
                : TG_SIM__PUTL(b, "<div class=\"s-item__detail s-item__detail--primary\"><span "
                                  "class=\"s-item__bids s-item__bidCount\">");
        rc = rc ? rc : tg_sim__putu(b, 1 + l->legacy_id % 17);
        rc = rc ? rc : TG_SIM__PUTL(b, " bids</span></div>");
    } else {
        rc = rc ? rc
                : TG_SIM__PUTL(
                      b, "<div class=\"s-item__detail s-item__detail--primary\"><span "
                         "class=\"s-item__dynamic s-item__purchaseOptionsWithIcon\">Buy It Now"
                         "</span></div>");
    }
    rc = rc ? rc
            : TG_SIM__PUTL(b, "<span class=\"s-item__detail s-item__detail--secondary\"><span "
                              "class=s-item__seller-info><span class=s-item__seller-info-text>");
    rc = rc ? rc : tg_sim__puts(b, rq->w->sellers[l->seller]);
    rc = rc ? rc
            : tg_buf_printf(b, " (%d) %.1f%%", 10 + l->seller * 37 % 5000,
                            95.0 + (double)(l->seller % 50) / 10.0);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</span></span></span><div class=\"s-item__detail s-item__detail--primary\">"
                     "<span class=\"s-item__shipping s-item__logisticsCost\">");
    if (l->noise & 4) {
        rc = rc ? rc : TG_SIM__PUTL(b, "+$");
        rc = rc ? rc : tg_sim__putmoney(b, l->ship, true);
        rc = rc ? rc : TG_SIM__PUTL(b, " shipping");
    } else {
        rc = rc ? rc : TG_SIM__PUTL(b, "Free shipping");
    }
    return rc ? rc : TG_SIM__PUTL(b, "</span></div></div></div></div></li>");
}

static int scard(tg_buf *b, const tg_sim__req *rq, const tg_sim__listing *l, int iid)
{
    char title[160];
    title_of(rq->w, l, title, sizeof title);
    int rc = TG_SIM__PUTL(b, "<li data-viewport=\"{&quot;trackableId&quot;:&quot;01SIM");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "&quot;}\" data-view=\"mi:1686|iid:");
    rc = rc ? rc : tg_sim__putu(b, (uint64_t)iid);
    rc = rc ? rc : TG_SIM__PUTL(b, "\" id=\"item");
    rc = rc ? rc : tg_buf_printf(b, "%llx", (unsigned long long)l->legacy_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "\" data-listingid=\"");
    rc = rc ? rc : tg_sim__putu(b, l->legacy_id);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "\" class=\"s-card s-card--horizontal\"><div class=\"su-card-container "
                     "su-card-container--horizontal\"><div class=\"su-card-container__media\">"
                     "<div class=\"su-media su-media--image\"><div class=\"su-media__image\">"
                     "<a class=\"image-treatment\" href=\"");
    rc = rc ? rc : item_link(b, rq, l);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "\" target=\"_blank\" tabindex=\"-1\"><img class=\"s-card__image\" "
                              "src=\"https://i.ebayimg.com/images/g/sim/s-l500.webp\" alt=\"");
    rc = rc ? rc : tg_sim__puth(b, title);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "\"></a></div></div></div><div class=\"su-card-container__content\"><div "
                     "class=\"su-card-container__header\"><div class=\"s-card__caption\"><span "
                     "class=\"su-styled-text positive default\">");
    rc = rc ? rc : sold_date(b, l->sold);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</span></div><a class=\"su-link\" aria-label=\"Opens in a new window or "
                     "tab\" target=\"_blank\" href=\"");
    rc = rc ? rc : item_link(b, rq, l);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "\"><div role=\"heading\" aria-level=\"3\" class=\"s-card__title\"><span "
                     "class=\"su-styled-text primary default\">");
    rc = rc ? rc : tg_sim__puth(b, title);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "</span></div></a><div class=\"s-card__subtitle-row\"><div "
                              "class=\"s-card__subtitle\"><span class=\"su-styled-text secondary "
                              "default\">");
    rc = rc ? rc : tg_sim__puts(b, tg_sim__conditions[l->cond]);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</span></div></div></div><div class=\"su-card-container__attributes "
                     "su-card-container__attributes--has-secondary\"><div "
                     "class=\"su-card-container__attributes__primary\"><div "
                     "class=\"s-card__attribute-row\"><span class=\"su-styled-text positive bold "
                     "large-1 s-card__price\">");
    rc = rc ? rc : price_text(b, l);
    rc = rc ? rc : TG_SIM__PUTL(b, "</span>");
    if (l->noise & 2) {
        rc = rc ? rc
                : TG_SIM__PUTL(b, "<span class=\"su-styled-text strikethrough secondary large\">$");
        rc = rc ? rc : tg_sim__putmoney(b, l->orig_price, true);
        rc = rc ? rc : TG_SIM__PUTL(b, "</span>");
    }
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</div><div class=\"s-card__attribute-row\"><span class=\"su-styled-text "
                     "primary bold large\">");
    if (l->auction) {
        rc = rc ? rc : tg_sim__putu(b, 1 + l->legacy_id % 17);
        rc = rc ? rc : TG_SIM__PUTL(b, " bids");
    } else {
        rc = rc ? rc : TG_SIM__PUTL(b, "Buy It Now");
    }
    rc = rc ? rc
            : TG_SIM__PUTL(b, "</span></div><div class=\"s-card__attribute-row\"><span "
                              "class=\"su-styled-text secondary large\">");
    if (l->noise & 4) {
        rc = rc ? rc : TG_SIM__PUTL(b, "+$");
        rc = rc ? rc : tg_sim__putmoney(b, l->ship, true);
        rc = rc ? rc : TG_SIM__PUTL(b, " delivery");
    } else {
        rc = rc ? rc : TG_SIM__PUTL(b, "Free delivery");
    }
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, "</span></div></div><div class=\"su-card-container__attributes__secondary\">"
                     "<div class=\"s-card__attribute-row\"><span class=\"su-styled-text primary "
                     "large\">");
    rc = rc ? rc : tg_sim__puts(b, rq->w->sellers[l->seller]);
    rc = rc ? rc
            : tg_buf_printf(b,
                            " </span><span class=\"su-styled-text primary large\">%.1f%% positive "
                            "(%d)</span></div></div></div></div></div></li>",
                            95.0 + (double)(l->seller % 50) / 10.0, 10 + l->seller * 37 % 5000);
    return rc;
}

/* gzip of in (level 6) into a new cache entry under key; NULL on failure. */
static tg_sim__blob *gzip_put(tg_sim_server *s, uint64_t key, const char *in, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)n);
    unsigned char *out = tg_malloc(cap);
    tg_sim__blob *b = NULL;
    if (out) {
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END)
            b = tg_sim__cache_put(s, key, (const char *)out, z.total_out);
    }
    deflateEnd(&z);
    tg_free(out);
    return b;
}

static bool wants_gzip(const tg_sim__req *rq)
{
    const char *ae = tg_sim__header(rq, "Accept-Encoding");
    return ae && strstr(ae, "gzip");
}

int tg_sim__ebay_sold(const tg_sim__req *rq, tg_sim__resp *rs)
{
    const tg_sim_world *w = rq->w;
    rs->status = 200;
    rs->ctype = "text/html;charset=utf-8";
    if (rq->fault < rq->fault_rate)
        return tg_sim__put(&rs->body, block_page, sizeof block_page - 1);
    const char *q = tg_sim__arg(rq, "_nkw");
    long pg = 1;
    if (!parse_int_arg(tg_sim__arg(rq, "_pgn"), 1, 1000, &pg))
        pg = 1;
    if (!q)
        q = "";
    int32_t pi = tg_sim__product_match(w, q);
    const tg_sim__product *p = pi >= 0 ? &w->products[pi] : NULL;
    /* Sold listings visible now: p->ebay is sorted by sold time, newest first. */
    int32_t first = 0, n = 0;
    if (p) {
        int32_t lo = 0, hi = p->nebay;
        while (lo < hi) {
            int32_t mid = (lo + hi) / 2;
            if (w->listings[p->ebay[mid]].sold > rq->now)
                lo = mid + 1;
            else
                hi = mid;
        }
        first = lo;
        n = p->nebay - lo;
    }
    /* The page depends only on these: serve it from the cache when nothing sold since. */
    uint64_t kv[5] = {(uint64_t)pi, (uint64_t)pg, (uint64_t)first, tg_hash64(q, strlen(q)),
                      tg_hash64(rq->host, strlen(rq->host))};
    uint64_t key = tg_hash64(kv, sizeof kv);
    bool gz = wants_gzip(rq);
    rs->hdr2_name = "Vary";
    rs->hdr2_value = "Accept-Encoding";
    if (gz && (rs->blob = tg_sim__cache_get(rq->srv, key ^ 1))) {
        rs->hdr_name = "Content-Encoding";
        rs->hdr_value = "gzip";
        return TG_OK;
    }
    if (!gz && (rs->blob = tg_sim__cache_get(rq->srv, key)))
        return TG_OK;
    bool card = pg % 2 == 0;
    int32_t from = (int32_t)((pg - 1) * SOLD_PER_PAGE);
    int32_t to = from + SOLD_PER_PAGE < n ? from + SOLD_PER_PAGE : n;
    tg_buf *b = &rs->body;
    int rc = tg_sim__reserve(b, 4096 + (size_t)(to > from ? to - from : 0) * 2048);
    rc =
        rc ? rc : TG_SIM__PUTL(b, "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>");
    rc = rc ? rc : tg_sim__puth(b, q);
    rc = rc ? rc
            : TG_SIM__PUTL(
                  b, " for sale | eBay</title><meta name=viewport content=\"width=device-width\">"
                     "<script>window.SRP=window.SRP||{};</script></head><body class=\"s-page "
                     "srp-sold\"><div id=mainContent><div class=srp-controls__count><h1 "
                     "class=srp-controls__count-heading><span class=BOLD>");
    rc = rc ? rc : tg_sim__putu(b, (uint64_t)n);
    rc = rc ? rc : TG_SIM__PUTL(b, "</span> results for <span class=BOLD>");
    rc = rc ? rc : tg_sim__puth(b, q);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "</span></h1></div><div class=\"srp-river-results clearfix\" "
                              "id=srp-river-results><ul class=\"srp-results srp-list clearfix\">");
    /* The placeholder first item every real page carries. */
    if (card)
        rc = rc ? rc
                : TG_SIM__PUTL(
                      b, "<li class=\"s-card s-card--horizontal\" data-view=\"mi:1686|iid:0\">"
                         "<div class=\"su-card-container\"><div class=\"s-card__title\"><span "
                         "class=\"su-styled-text primary default\">Shop on eBay</span></div>"
                         "<div class=\"s-card__attribute-row\"><span class=\"su-styled-text "
                         "primary bold large-1 s-card__price\">$20.00</span></div></div></li>");
    else
        rc = rc ? rc
                : TG_SIM__PUTL(
                      b, "<li class=\"s-item s-item__pl-on-bottom\" data-view=mi:1686|iid:1><div "
                         "class=\"s-item__wrapper clearfix\"><div class=\"s-item__info clearfix\">"
                         "<a _sp class=s-item__link "
                         "href=https://ebay.com/itm/123456?hash=item28caef0a3a>"
                         "<div class=s-item__title><span role=heading aria-level=3>Shop on eBay"
                         "</span></div></a><div class=\"s-item__details clearfix\"><div "
                         "class=\"s-item__detail s-item__detail--primary\"><span "
                         "class=s-item__price>$20.00</span></div></div></div></div></li>");
    if (n == 0)
        rc = rc ? rc
                : TG_SIM__PUTL(b,
                               "<li class=srp-river-answer><h3 class=srp-save-null-search__heading>"
                               "No exact matches found</h3></li>");
    for (int32_t i = from; i < to && rc == TG_OK; i++) {
        const tg_sim__listing *l = &w->listings[p->ebay[first + i]];
        rc = card ? scard(b, rq, l, (int)(i - from + 1)) : sitem(b, rq, l, (int)(i - from + 2));
    }
    rc =
        rc ? rc
           : TG_SIM__PUTL(b, "</ul></div><nav class=pagination aria-label=\"Results Pagination\">");
    if (to < n) {
        rc = rc ? rc : TG_SIM__PUTL(b, "<a href=http://");
        rc = rc ? rc : tg_sim__puts(b, rq->host);
        rc = rc ? rc : TG_SIM__PUTL(b, "/sch/i.html?_from=R40&_nkw=");
        rc = rc ? rc : url_q(b, q);
        rc = rc ? rc
                : tg_buf_printf(b,
                                "&_sacat=0&LH_Sold=1&LH_Complete=1&rt=nc&_pgn=%ld type=next "
                                "class=\"pagination__next icon-link\" aria-label=\"Go to next "
                                "search page\"></a>",
                                pg + 1);
    }
    rc = rc ? rc : TG_SIM__PUTL(b, "</nav></div></body></html>");
    if (rc != TG_OK)
        return rc;
    if (gz && (rs->blob = gzip_put(rq->srv, key ^ 1, b->data, b->len))) {
        rs->hdr_name = "Content-Encoding";
        rs->hdr_value = "gzip";
        tg_buf_reset(b);
    } else if (!gz && (rs->blob = tg_sim__cache_put(rq->srv, key, b->data, b->len))) {
        tg_buf_reset(b);
    }
    return TG_OK;
}
