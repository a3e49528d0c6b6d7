/*
 * Dispatch by kind, kind names, body sniffing and OAuth token responses.
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <string.h>

static const struct {
    const char *name;
    tg_parse_kind kind;
} kinds[] = {
    {"auto", TG_PARSE_AUTO},
    {"tiktok-query", TG_PARSE_TIKTOK_QUERY},
    {"tiktok", TG_PARSE_TIKTOK_QUERY},
    {"ebay-browse", TG_PARSE_EBAY_BROWSE},
    {"ebay-sold", TG_PARSE_EBAY_SOLD},
    {"ebay-sold-html", TG_PARSE_EBAY_SOLD},
    {"ebay-listings", TG_PARSE_EBAY_LISTINGS},
    {"poshmark-item", TG_PARSE_POSHMARK_ITEM},
    {"poshmark-post", TG_PARSE_POSHMARK_ITEM},
    {"poshmark-search", TG_PARSE_POSHMARK_SEARCH},
    {"poshmark-posts", TG_PARSE_POSHMARK_SEARCH},
    {"tiktok-comments", TG_PARSE_TIKTOK_COMMENTS},
    {"tiktok-user", TG_PARSE_TIKTOK_USER},
};

const char *tg_parse_kind_name(tg_parse_kind k)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k)
            return kinds[i].name;
    return "unknown";
}

int tg_parse_kind_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof kinds / sizeof kinds[0]; i++)
        if (tg_streq_ci(kinds[i].name, name))
            return (int)kinds[i].kind;
    return -1;
}

const char *tg_parse_layout_name(tg_parse_layout l)
{
    switch (l) {
    case TG_LAYOUT_JSON:
        return "json";
    case TG_LAYOUT_S_ITEM:
        return "s-item";
    case TG_LAYOUT_S_CARD:
        return "s-card";
    default:
        return "none";
    }
}

tg_parse_kind tg_parse_detect(const char *buf, size_t len)
{
    size_t i = 0;
    size_t head = len < 65536 ? len : 65536;
    if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb)
        i = 3;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    if (i < len && (buf[i] == '{' || buf[i] == '[')) {
        if (memmem(buf, head, "\"itemSummaries\"", 15) || memmem(buf, head, "\"itemId\"", 8))
            return TG_PARSE_EBAY_BROWSE;
        if (memmem(buf, head, "\"price_amount\"", 14) || memmem(buf, head, "\"next_max_id\"", 13))
            return buf[i] == '{' && memmem(buf, head, "\"data\": [", 9) ? TG_PARSE_POSHMARK_SEARCH
                                                                        : TG_PARSE_POSHMARK_ITEM;
        if (memmem(buf, head, "\"parent_comment_id\"", 19) ||
            (memmem(buf, head, "\"comments\"", 10) && memmem(buf, head, "\"reply_count\"", 13)))
            return TG_PARSE_TIKTOK_COMMENTS;
        if (memmem(buf, head, "\"bio_description\"", 17) ||
            (memmem(buf, head, "\"follower_count\"", 16) &&
             memmem(buf, head, "\"display_name\"", 14)))
            return TG_PARSE_TIKTOK_USER;
        if (memmem(buf, head, "\"videos\"", 8) || memmem(buf, head, "\"video_id\"", 10) ||
            memmem(buf, head, "\"itemList\"", 10) || memmem(buf, head, "\"search_id\"", 11) ||
            memmem(buf, head, "\"log_id\"", 8) || memmem(buf, head, "\"createTime\"", 12) ||
            memmem(buf, head, "\"playCount\"", 11))
            return TG_PARSE_TIKTOK_QUERY;
        return TG_PARSE_AUTO;
    }
    if (i < len && buf[i] == '<')
        return TG_PARSE_EBAY_SOLD;
    return TG_PARSE_AUTO;
}

int tg_parse(tg_parse_kind kind, const char *buf, size_t len, const char *base_url,
             tg_parse_result *out)
{
    memset(out, 0, sizeof *out);
    if (!buf)
        return TG_EINVAL;
    if (len > TG_PARSE_MAX_INPUT)
        return TG_ETOOBIG;
    if (kind == TG_PARSE_AUTO) {
        kind = tg_parse_detect(buf, len);
        if (kind == TG_PARSE_AUTO)
            return TG_EPARSE;
    }
    switch (kind) {
    case TG_PARSE_TIKTOK_QUERY:
        return tg_parse_tiktok_query(buf, len, out);
    case TG_PARSE_EBAY_BROWSE:
        return tg_parse_ebay_browse(buf, len, out);
    case TG_PARSE_EBAY_SOLD:
        return tg_parse_ebay_html(buf, len, base_url, false, out);
    case TG_PARSE_EBAY_LISTINGS:
        return tg_parse_ebay_html(buf, len, base_url, true, out);
    case TG_PARSE_POSHMARK_ITEM:
    case TG_PARSE_POSHMARK_SEARCH:
        return tg_parse_poshmark(buf, len, out);
    case TG_PARSE_TIKTOK_COMMENTS:
        return tg_parse_tiktok_comments(buf, len, out);
    case TG_PARSE_TIKTOK_USER:
        return tg_parse_tiktok_user(buf, len, out);
    default:
        return TG_EINVAL;
    }
}

int tg_parse_token(const char *buf, size_t len, char **token, int64_t *expires_in)
{
    int ret;
    *token = NULL;
    *expires_in = 0;
    json_t *root = tg_parse__json_load(buf, len, &ret);
    if (!root)
        return ret;
    const char *tok = tg_parse__jstr(root, "access_token");
    json_t *data = json_object_get(root, "data"); /* some TikTok endpoints wrap it */
    if (!tok && json_is_object(data)) {
        tok = tg_parse__jstr(data, "access_token");
        if (tok)
            root = (json_incref(data), json_decref(root), data);
    }
    if (!tok || !*tok) {
        ret = json_object_get(root, "error") || json_object_get(root, "errors") ? TG_EAUTH
                                                                                : TG_EPARSE;
        goto out;
    }
    *expires_in = tg_parse__jint(root, "expires_in", 0);
    *token = tg_strdup(tok);
    ret = *token ? TG_OK : TG_ENOMEM;
out:
    json_decref(root);
    return ret;
}
