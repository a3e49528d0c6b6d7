/*
 * eBay result pages (sold listings, search) and the generic "ebay-listings"
 * extractor, with libxml2's HTML push parser in SAX mode: no tree is built;
 * start/end callbacks track class attributes and route text into the field
 * the innermost interesting element stands for.
 *
 *   item      <li class="s-item ..."> (2023 layout) | <li class="s-card ..."> (2025)
 *   link      a.s-item__link | the first a[href*="/itm/"] | the first a[href]
 *   title     .s-item__title | .s-card__title (minus .LIGHT_HIGHLIGHT "New Listing"
 *             and .clipped screen-reader text)
 *   price     .s-item__price | .s-card__price ("$10.00 to $20.00" = a range)
 *   original  .STRIKETHROUGH | .strikethrough | .s-item__trending-price (kept apart)
 *   sold      "Sold  Feb 1, 2023" in .s-item__title--tag / .POSITIVE / .s-card__caption
 *   id        data-listingid, else the digits of /itm/<digits> in the link
 *   next      a.pagination__next
 * The first s-item of a result page is a hidden "Shop on eBay" placeholder;
 * it is skipped. The block page ("Something went wrong" / "Error Page |
 * eBay") returns TG_EBLOCKED with zero listings.
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/url.h"
#include "trendguard/util.h"

#include <libxml/HTMLparser.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXD 512
#define FIELD_CAP 4096

enum field { F_NONE, F_TITLE, F_PRICE, F_ORIG, F_SOLD, F_SKIP, F_PAGETITLE };

typedef struct item {
    tg_buf title, price, orig, sold;
    char *url;     /* tg_malloc'd */
    char *data_id; /* tg_malloc'd */
    bool card;
} item;

typedef struct sax {
    tg_parse_result *r;
    tg_parse_arena *a;
    const char *base;
    bool want_links;
    tg_source source;
    int depth;
    int item_depth; /* depth of the open item element, or -1 */
    unsigned char field[MAXD];
    item it;
    tg_parse_vec listings, links;
    tg_buf pagetitle;
    int n_sitem, n_scard;
    int err;
} sax;

/* The class tokens the extractor cares about, as bits. */
enum {
    C_ITEM = 1 << 0,
    C_CARD = 1 << 1,
    C_LINK = 1 << 2,
    C_NEXT = 1 << 3,
    C_TITLE = 1 << 4,
    C_PRICE = 1 << 5,
    C_ORIG = 1 << 6,
    C_TAG = 1 << 7,
    C_POSITIVE = 1 << 8,
    C_SKIP = 1 << 9
};

static const struct {
    const char *tok;
    unsigned len, bit;
} class_tokens[] = {
    {"s-item", 6, C_ITEM},
    {"s-card", 6, C_CARD},
    {"s-item__link", 12, C_LINK},
    {"pagination__next", 16, C_NEXT},
    {"s-item__title", 13, C_TITLE},
    {"s-card__title", 13, C_TITLE},
    {"s-item__price", 13, C_PRICE},
    {"s-card__price", 13, C_PRICE},
    {"STRIKETHROUGH", 13, C_ORIG},
    {"strikethrough", 13, C_ORIG},
    {"s-item__trending-price", 22, C_ORIG},
    {"s-item__title--tag", 18, C_TAG},
    {"s-card__caption", 15, C_TAG},
    {"POSITIVE", 8, C_POSITIVE},
    {"clipped", 7, C_SKIP},
    {"LIGHT_HIGHLIGHT", 15, C_SKIP},
};

/* One pass over a class attribute: the bits of the tokens it holds. */
static unsigned class_bits(const char *cls)
{
    unsigned bits = 0;
    const char *p = cls;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *t = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        size_t n = (size_t)(p - t);
        if (n < 6 || n > 22 ||
            (t[0] != 's' && t[0] != 'p' && t[0] != 'S' && t[0] != 'P' && t[0] != 'c' &&
             t[0] != 'L'))
            continue;
        for (size_t i = 0; i < sizeof class_tokens / sizeof class_tokens[0]; i++)
            if (class_tokens[i].len == n && memcmp(class_tokens[i].tok, t, n) == 0)
                bits |= class_tokens[i].bit;
    }
    return bits;
}

static void item_reset(item *it)
{
    tg_buf_reset(&it->title);
    tg_buf_reset(&it->price);
    tg_buf_reset(&it->orig);
    tg_buf_reset(&it->sold);
    tg_free(it->url);
    tg_free(it->data_id);
    it->url = it->data_id = NULL;
    it->card = false;
}

static void item_free(item *it)
{
    item_reset(it);
    tg_buf_free(&it->title);
    tg_buf_free(&it->price);
    tg_buf_free(&it->orig);
    tg_buf_free(&it->sold);
}

/* Trim and collapse whitespace (incl. U+00A0) into the arena. */
static char *clean(tg_parse_arena *a, const tg_buf *b)
{
    const char *s = b->data ? b->data : "";
    char *o = tg_parse__alloc(a, b->len + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    bool sp = false;
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
        if (c == 0xc2 && i + 1 < b->len && (unsigned char)s[i + 1] == 0xa0) {
            ws = true;
            i++;
        }
        if (ws) {
            sp = k > 0;
            continue;
        }
        if (sp)
            o[k++] = ' ';
        sp = false;
        o[k++] = (char)c;
    }
    o[k] = 0;
    return o;
}

/* href made absolute (tg_free it); NULL when it does not resolve (skipped) or
 * out of memory (then the page fails: a lost item link would change its id). */
static char *resolve(sax *s, const char *href)
{
    char *abs = NULL;
    int rc = TG_OK;
    if (s->base)
        rc = tg_url_resolve(s->base, href, &abs);
    else if (!(abs = tg_strdup(href)))
        rc = TG_ENOMEM;
    if (rc == TG_ENOMEM && !s->err)
        s->err = TG_ENOMEM;
    return rc == TG_OK ? abs : NULL;
}

/* "/itm/165919136140?..." or "/itm/title-words/165919136140" -> digits */
static bool itm_id(const char *url, char *buf, size_t n)
{
    const char *p = url ? strstr(url, "/itm/") : NULL;
    if (!p)
        return false;
    p += 5;
    const char *q = p + strcspn(p, "?#");
    /* the id is the last all-digit path segment */
    const char *best = NULL;
    size_t bn = 0;
    while (p < q) {
        size_t k = strcspn(p, "/?#");
        if (p + k > q)
            k = (size_t)(q - p);
        size_t d = 0;
        while (d < k && p[d] >= '0' && p[d] <= '9')
            d++;
        if (d == k && k >= 6) {
            best = p;
            bn = k;
        }
        p += k + (p[k] == '/');
        if (!k)
            break;
    }
    if (!best || bn + 1 > n)
        return false;
    memcpy(buf, best, bn);
    buf[bn] = 0;
    return true;
}

static void finish_item(sax *s)
{
    item *it = &s->it;
    tg_parse_arena *a = s->a;
    char *title = clean(a, &it->title);
    if (!title) {
        s->err = TG_ENOMEM;
        return;
    }
    if (!strcmp(title, "Shop on eBay") || (!*title && !it->price.len))
        return; /* the hidden placeholder / an empty card */
    tg_price p = {0};
    char *price = clean(a, &it->price);
    if (!price) {
        s->err = TG_ENOMEM;
        return;
    }
    bool have_price = *price && tg_parse_price(price, strlen(price), &p) == TG_OK;
    if (!have_price && !it->url)
        return;
    char idbuf[32];
    const char *id = it->data_id;
    if (!id && itm_id(it->url, idbuf, sizeof idbuf))
        id = idbuf;
    char *canon = NULL;
    if (!id && it->url) {
        int crc = tg_url_canonical(it->url, &canon);
        if (crc == TG_ENOMEM) {
            s->err = TG_ENOMEM;
            return;
        }
        if (crc == TG_OK)
            id = canon;
    }
    if (!id && it->url && *it->url)
        id = it->url; /* relative (no base URL given): the link as written */
    if (!id) {
        tg_free(canon);
        return;
    }
    tg_parse_listing *l = tg_parse__vec_push(a, &s->listings);
    if (!l) {
        tg_free(canon);
        s->err = TG_ENOMEM;
        return;
    }
    l->base.source = s->source;
    l->base.listing_id = tg_parse__strdup(a, id);
    tg_free(canon);
    l->base.title = title;
    l->base.url = tg_parse__strdup(a, it->url ? it->url : "");
    l->base.currency = tg_parse__strdup(a, p.currency);
    l->base.price_low = have_price ? p.low : NAN;
    l->base.price_high = have_price ? p.high : NAN;
    l->base.original_price = NAN;
    l->likes = l->comments = -1;
    if (it->orig.len) {
        char *o = clean(a, &it->orig);
        tg_price op;
        if (o && tg_parse_price(o, strlen(o), &op) == TG_OK && op.low > 0)
            l->base.original_price = op.low;
    }
    l->base.status = TG_LISTING_ACTIVE;
    if (it->sold.len) {
        const char *sd = it->sold.data, *k = strstr(sd, "Sold");
        int64_t t;
        if (k && tg_parse_sold_date(k, it->sold.len - (size_t)(k - sd), &t) == TG_OK) {
            l->base.sold_at = t;
            l->base.status = TG_LISTING_SOLD;
        }
    }
    if (!l->base.listing_id || !l->base.url || !l->base.currency)
        s->err = TG_ENOMEM;
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    sax *s = ctx;
    int d = ++s->depth;
    unsigned char parent = d - 1 < MAXD && d >= 1 ? s->field[d - 1] : F_SKIP;
    unsigned char f = parent;
    const char *n = (const char *)name;
    const char *cls = NULL, *href = NULL, *lid = NULL;
    for (int i = 0; atts && atts[i]; i += 2) {
        const char *an = (const char *)atts[i], *av = (const char *)atts[i + 1];
        if (!av)
            av = "";
        if (an[0] == 'c' && !strcmp(an, "class"))
            cls = av;
        else if (an[0] == 'h' && !strcmp(an, "href"))
            href = av;
        else if (an[0] == 'd' && !strcmp(an, "data-listingid"))
            lid = av;
    }
    unsigned cb = cls ? class_bits(cls) : 0;
    bool in_item = s->item_depth >= 0;

    if (n[0] == 'a' && n[1] == 0) {
        if (href && *href) {
            bool for_item = in_item && !s->it.url &&
                            ((cb & C_LINK) || strstr(href, "/itm/") || s->source == TG_SRC_SITE);
            bool for_next = (cb & C_NEXT) && !s->r->next;
            /* resolved once for all its uses */
            char *abs = for_item || for_next || s->want_links ? resolve(s, href) : NULL;
            if (abs && for_next && !(s->r->next = tg_parse__strdup(s->a, abs)))
                s->err = TG_ENOMEM;
            if (abs && s->want_links) {
                const char **slot = tg_parse__vec_push(s->a, &s->links);
                if (!slot || !(*slot = tg_parse__strdup(s->a, abs)))
                    s->err = TG_ENOMEM;
            }
            if (for_item)
                s->it.url = abs; /* the item owns it */
            else
                tg_free(abs);
        }
    } else if (!in_item && n[0] == 't' && !strcmp(n, "title")) {
        f = F_PAGETITLE;
    }
    if (cb) {
        if (!in_item && (cb & (C_ITEM | C_CARD))) {
            item_reset(&s->it);
            s->item_depth = d;
            s->it.card = (cb & C_CARD) != 0;
            if (s->it.card)
                s->n_scard++;
            else
                s->n_sitem++;
            if (lid && *lid && !(s->it.data_id = tg_strdup(lid)))
                s->err = TG_ENOMEM;
            f = F_NONE;
        } else if (in_item) {
            if (cb & C_TITLE)
                f = F_TITLE;
            else if (cb & C_PRICE)
                f = F_PRICE;
            else if (cb & C_ORIG)
                f = F_ORIG;
            else if ((cb & C_TAG) || ((cb & C_POSITIVE) && parent != F_TITLE && parent != F_PRICE))
                f = parent == F_NONE ? F_SOLD : f;
            else if (cb & C_SKIP)
                f = F_SKIP;
        }
    }
    if (d < MAXD)
        s->field[d] = f;
}

static void on_end(void *ctx, const xmlChar *name)
{
    sax *s = ctx;
    (void)name;
    if (s->item_depth >= 0 && s->depth == s->item_depth) {
        finish_item(s);
        s->item_depth = -1;
    }
    if (s->depth > 0)
        s->depth--;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    sax *s = ctx;
    int d = s->depth;
    unsigned char f = d >= 0 && d < MAXD ? s->field[d] : F_SKIP;
    tg_buf *b = NULL;
    if (f == F_PAGETITLE) {
        b = &s->pagetitle;
    } else if (s->item_depth >= 0) {
        switch (f) {
        case F_TITLE:
            b = &s->it.title;
            break;
        case F_PRICE:
            b = &s->it.price;
            break;
        case F_ORIG:
            b = &s->it.orig;
            break;
        case F_SOLD:
            b = &s->it.sold;
            break;
        default:
            return;
        }
    }
    /* over the cap (TG_ETOOBIG) the field is truncated; out of memory it
     * would be silently wrong (an empty title turns a placeholder into a
     * listing), so the page fails */
    if (b && tg_buf_add(b, ch, (size_t)len) == TG_ENOMEM && !s->err)
        s->err = TG_ENOMEM;
}

static bool looks_blocked(const char *buf, size_t len, const char *title)
{
    static const char *const marks[] = {"Something went wrong on our end",
                                        "Pardon Our Interruption", "px-captcha",
                                        "Checking your browser before you access eBay", NULL};
    if (title && (strstr(title, "Error Page") || strstr(title, "Security Measure") ||
                  strstr(title, "Pardon Our Interruption")))
        return true;
    for (int i = 0; marks[i]; i++)
        if (memmem(buf, len, marks[i], strlen(marks[i])))
            return true;
    return false;
}

int tg_parse_ebay_html(const char *buf, size_t len, const char *base_url, bool want_links,
                       tg_parse_result *out)
{
    sax s;
    htmlSAXHandler h;
    htmlParserCtxtPtr ctxt = NULL;
    int ret = tg_parse__begin(out, want_links ? TG_PARSE_EBAY_LISTINGS : TG_PARSE_EBAY_SOLD);
    if (ret)
        return ret;
    if (len > TG_PARSE_MAX_INPUT)
        return TG_ETOOBIG;
    if (len > INT32_MAX)
        return TG_ETOOBIG;
    tg_parse_init();
    memset(&s, 0, sizeof s);
    s.r = out;
    s.a = out->arena;
    s.base = base_url;
    s.want_links = want_links;
    s.source = want_links ? TG_SRC_SITE : TG_SRC_EBAY_SOLD;
    s.item_depth = -1;
    s.listings.elem = sizeof(tg_parse_listing);
    s.links.elem = sizeof(const char *);
    tg_buf_init(&s.it.title, FIELD_CAP);
    tg_buf_init(&s.it.price, FIELD_CAP);
    tg_buf_init(&s.it.orig, FIELD_CAP);
    tg_buf_init(&s.it.sold, FIELD_CAP);
    tg_buf_init(&s.pagetitle, FIELD_CAP);

    memset(&h, 0, sizeof h);
    h.startElement = on_start;
    h.endElement = on_end;
    h.characters = on_text;
    ctxt = htmlCreatePushParserCtxt(&h, &s, NULL, 0, NULL, XML_CHAR_ENCODING_UTF8);
    if (!ctxt) {
        ret = TG_ENOMEM;
        goto out_free;
    }
    xmlResetLastError();
    htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
    /*
     * Feed in slices: bounded work per call. The last slice goes with
     * terminate = 1: libxml2's push parser then parses each tag and text
     * run at once instead of first scanning ahead for its end ('>' or
     * '<') to see whether more input is needed; that lookahead was ~12%
     * of the instructions of a 12 KiB page's parse.
     */
    size_t off = 0;
    const size_t slice = 256 * 1024;
    do {
        size_t k = len - off < slice ? len - off : slice;
        htmlParseChunk(ctxt, buf + off, (int)k, off + k == len);
        off += k;
    } while (off < len && !s.err);
    if (s.err && off < len)
        htmlParseChunk(ctxt, NULL, 0, 1);
    /* libxml2 answers a failed allocation by ending the document early (the
     * parser context's errNo, or the thread's last error for its buffers):
     * a page cut short must not pass for a page with fewer listings. */
    const xmlError *le = xmlGetLastError();
    if (!s.err && (ctxt->errNo == XML_ERR_NO_MEMORY || (le && le->code == XML_ERR_NO_MEMORY)))
        s.err = TG_ENOMEM;
    if (s.item_depth >= 0 && !s.err)
        finish_item(&s); /* truncated page: keep the last complete-enough item */
    if (s.err) {
        ret = s.err;
        goto out_free;
    }
    out->listings = s.listings.data;
    out->n_listings = s.listings.n;
    out->links = s.links.data;
    out->n_links = s.links.n;
    out->layout = s.n_scard > s.n_sitem ? TG_LAYOUT_S_CARD
                  : s.n_sitem           ? TG_LAYOUT_S_ITEM
                                        : TG_LAYOUT_NONE;
    out->has_more = out->next != NULL;
    if (out->n_listings == 0 && looks_blocked(buf, len, s.pagetitle.data)) {
        out->blocked = true;
        out->next = NULL;
        out->has_more = false;
        ret = TG_EBLOCKED;
    } else {
        ret = TG_OK;
    }
out_free:
    if (ctxt) {
        if (ctxt->myDoc)
            xmlFreeDoc(ctxt->myDoc);
        htmlFreeParserCtxt(ctxt);
    }
    item_free(&s.it);
    tg_buf_free(&s.pagetitle);
    return ret;
}
