/*
 * pages.c - the manager dashboard: server-rendered HTML, inline SVG charts,
 * no scripts, no external assets. Every chart is <svg role="img"> with a
 * <title> and <desc>, and is followed by a table with the same numbers (the
 * accessible fallback). A chart with nothing to draw is not drawn: the page
 * says "no data yet" instead.
 *
 * Every string that came from the store goes through tg_web__esc().
 */
#include "web/web_int.h"

#include "trendguard/error.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CW 720 /* chart width, height and margins */
#define CH 260
#define ML 60
#define MR 16
#define MT 14
#define MB 42

int tg_web__esc(tg_buf *b, const char *s)
{
    int rc = TG_OK;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '&':
            rc = tg_buf_adds(b, "&amp;");
            break;
        case '<':
            rc = tg_buf_adds(b, "&lt;");
            break;
        case '>':
            rc = tg_buf_adds(b, "&gt;");
            break;
        case '"':
            rc = tg_buf_adds(b, "&quot;");
            break;
        case '\'':
            rc = tg_buf_adds(b, "&#39;");
            break;
        default:
            rc = tg_buf_addc(b, *s);
        }
    }
    return rc;
}

#define B (&rc->resp->body)

/* A link to a dashboard path; static mode writes flat file names. */
static void href(tg_web_rctx *rc, const char *kind, const char *arg)
{
    if (!rc->static_links) {
        tg_buf_adds(B, kind);
        if (arg) {
            tg_buf_addc(B, '/');
            tg_web__esc(B, arg);
        }
        return;
    }
    static const char *const map[][3] = {
        {"/", "index.html", NULL},
        {"/categories", "categories.html", NULL},
        {"/trends", "trends.html", "trend-"},
        {"/prices", "prices.html", "prices-"},
        {"/alerts", "alerts.html", NULL},
        {"/interventions", "interventions.html", NULL},
        {"/products", "products.html", "product-"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i][0], kind) != 0)
            continue;
        if (arg && map[i][2]) {
            tg_buf_adds(B, map[i][2]);
            tg_web__esc(B, arg);
            tg_buf_adds(B, ".html");
        } else {
            tg_buf_adds(B, map[i][1]);
        }
        return;
    }
    tg_buf_adds(B, "index.html");
}

static void link(tg_web_rctx *rc, const char *kind, const char *arg, const char *text)
{
    tg_buf_adds(B, "<a href=\"");
    href(rc, kind, arg);
    tg_buf_adds(B, "\">");
    tg_web__esc(B, text);
    tg_buf_adds(B, "</a>");
}

static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}"
    "header{background:#14365d;color:#fff;padding:.6rem 1.2rem}"
    "header a{color:#fff;margin-right:1rem}header h1{font-size:1.2rem;margin:.2rem 0}"
    "main{padding:1rem 1.2rem;max-width:980px}"
    "table{border-collapse:collapse;margin:.6rem 0;background:#fff}"
    "th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left}"
    "td.n{text-align:right}svg{background:#fff;border:1px solid #ccd;max-width:100%;height:auto}"
    ".badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85rem}"
    ".bot{background:#b3261e;color:#fff}.ok{background:#1e6b35;color:#fff}"
    ".card{background:#fff;border:1px solid #ccd;border-radius:.6rem;padding:1rem;"
    "max-width:420px}.alert{border-left:6px solid #b3261e}.msg{font-size:1.15rem}"
    ".stage-rising{fill:#dbeafe}.stage-peak{fill:#fde68a}.stage-decline{fill:#fed7aa}"
    ".stage-dead{fill:#e5e7eb}.stage-none{fill:#ffffff}"
    "li{margin:.2rem 0}details{margin:.4rem 0}";

static void page_start(tg_web_rctx *rc, const char *title)
{
    tg_buf_adds(B, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                   "<title>");
    tg_web__esc(B, title);
    tg_buf_adds(B, " - TrendGuard</title><style>");
    tg_buf_adds(B, css);
    tg_buf_adds(B, "</style></head><body><header><h1>TrendGuard</h1><nav aria-label=\"main\">");
    link(rc, "/", NULL, "Home");
    link(rc, "/categories", NULL, "Regret by category");
    link(rc, "/trends", NULL, "Trends");
    link(rc, "/prices", NULL, "Resale prices");
    link(rc, "/interventions", NULL, "Interventions");
    link(rc, "/alerts", NULL, "Supply-chain alerts");
    link(rc, "/products", NULL, "Consumer view");
    tg_buf_adds(B, "</nav></header><main><h2>");
    tg_web__esc(B, title);
    tg_buf_adds(B, "</h2>\n");
}

static void page_end(tg_web_rctx *rc)
{
    char t[32];
    tg_time_format(rc->c->built_at, t, sizeof t);
    tg_buf_printf(B,
                  "<footer><p><small>Data as of the store's last write %s; page built from "
                  "a snapshot taken %s.</small></p></footer></main></body></html>\n",
                  rc->c->last_write[0] ? rc->c->last_write : "(none)", t);
    rc->resp->status = B->data ? 200 : 500;
    rc->resp->content_type = "text/html; charset=utf-8";
}

void tg_web__html_error(tg_web_rctx *rc, int status, const char *msg)
{
    tg_buf_reset(B);
    tg_buf_printf(B,
                  "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%d"
                  " - TrendGuard</title></head><body><main><h1>%d</h1><p>",
                  status, status);
    tg_web__esc(B, msg);
    tg_buf_adds(B, "</p><p><a href=\"/\">TrendGuard home</a></p></main></body></html>\n");
    rc->resp->status = status;
    rc->resp->content_type = "text/html; charset=utf-8";
}

static void pct(tg_buf *b, double v)
{
    if (isfinite(v))
        tg_buf_printf(b, "%.1f%%", v * 100);
    else
        tg_buf_adds(b, "n/a");
}

static void daystr(int32_t day, char *buf, size_t n)
{
    tg_date_format((int64_t)day * 86400, buf, n);
}

/* ---- charts ---------------------------------------------------------------- */

static void svg_open(tg_web_rctx *rc, const char *id, const char *title, const char *desc)
{
    tg_buf_printf(B,
                  "<svg role=\"img\" aria-labelledby=\"%s-t %s-d\" viewBox=\"0 0 %d %d\" "
                  "width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">"
                  "<title id=\"%s-t\">",
                  id, id, CW, CH, CW, CH, id);
    tg_web__esc(B, title);
    tg_buf_printf(B, "</title><desc id=\"%s-d\">", id);
    tg_web__esc(B, desc);
    tg_buf_adds(B, "</desc>");
}

static void axes(tg_web_rctx *rc, double ymax, bool percent, const char *xl, const char *xr)
{
    int x0 = ML, y0 = CH - MB, x1 = CW - MR;
    tg_buf_printf(B,
                  "<g stroke=\"#888\" stroke-width=\"1\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
                  "y2=\"%d\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>",
                  x0, y0, x1, y0, x0, MT, x0, y0);
    tg_buf_adds(B, "<g font-size=\"11\" fill=\"#333\">");
    for (int k = 0; k <= 4; k++) {
        double v = ymax * k / 4;
        double y = y0 - (double)(y0 - MT) * k / 4;
        if (percent)
            tg_buf_printf(B, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f%%</text>", x0 - 4,
                          y + 4, v * 100);
        else if (v >= 1e6)
            tg_buf_printf(B, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1fM</text>", x0 - 4,
                          y + 4, v / 1e6);
        else if (v >= 1e3)
            tg_buf_printf(B, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1fk</text>", x0 - 4,
                          y + 4, v / 1e3);
        else
            tg_buf_printf(B, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>", x0 - 4,
                          y + 4, v);
    }
    if (xl) {
        tg_buf_printf(B, "<text x=\"%d\" y=\"%d\">", x0, CH - MB + 16);
        tg_web__esc(B, xl);
        tg_buf_printf(B, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", x1, CH - MB + 16);
        tg_web__esc(B, xr);
        tg_buf_adds(B, "</text>");
    }
    tg_buf_adds(B, "</g>");
}

static double nice_max(double m)
{
    if (!(m > 0))
        return 1;
    double p = pow(10, floor(log10(m)));
    double f = m / p;
    f = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return f * p;
}

/*
 * A line chart of (day, value) with data points as circles; optional stage
 * bands (one per day) and an optional horizontal reference line.
 */
static void line_chart(tg_web_rctx *rc, const char *id, const char *title, const char *desc,
                       const int32_t *days, const double *vals, size_t n, const tg_stage *stages,
                       double ref, const char *ref_label)
{
    double m = isfinite(ref) ? ref : 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(vals[i]) && vals[i] > m)
            m = vals[i];
    double ymax = nice_max(m * 1.05);
    int32_t d0 = days[0], d1 = days[n - 1];
    double span = d1 > d0 ? (double)(d1 - d0) : 1;
    double pw = CW - ML - MR, ph = CH - MT - MB;
    char a[16], z[16];
    daystr(d0, a, sizeof a);
    daystr(d1, z, sizeof z);
    svg_open(rc, id, title, desc);
    if (stages) {
        size_t s = 0;
        for (size_t i = 1; i <= n; i++) {
            if (i < n && stages[i] == stages[s])
                continue;
            double xa = ML + pw * (days[s] - d0) / span, xb = ML + pw * (days[i - 1] - d0) / span;
            tg_buf_printf(B,
                          "<rect class=\"stage stage-%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                          "height=\"%.0f\"><title>%s</title></rect>",
                          tg_lifecycle_stage_name(stages[s]), xa, MT, fmax(xb - xa, 1.0), ph,
                          tg_lifecycle_stage_name(stages[s]));
            s = i;
        }
    }
    axes(rc, ymax, false, a, z);
    if (isfinite(ref)) {
        double y = MT + ph * (1 - ref / ymax);
        tg_buf_printf(B,
                      "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#b3261e\" "
                      "stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
                      "fill=\"#b3261e\" text-anchor=\"end\">",
                      ML, y, CW - MR, y, CW - MR, y - 3);
        tg_web__esc(B, ref_label);
        tg_buf_adds(B, "</text>");
    }
    tg_buf_adds(B, "<polyline fill=\"none\" stroke=\"#14365d\" stroke-width=\"1.5\" points=\"");
    for (size_t i = 0; i < n; i++)
        if (isfinite(vals[i]))
            tg_buf_printf(B, "%.1f,%.1f ", ML + pw * (days[i] - d0) / span,
                          MT + ph * (1 - vals[i] / ymax));
    tg_buf_adds(B, "\"/><g fill=\"#14365d\">");
    for (size_t i = 0; i < n; i++)
        if (isfinite(vals[i]))
            tg_buf_printf(B, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/>",
                          ML + pw * (days[i] - d0) / span, MT + ph * (1 - vals[i] / ymax));
    tg_buf_adds(B, "</g></svg>\n");
}

/* Horizontal bars of values in 0..1 (percent) or any positive scale. */
static void bar_chart(tg_web_rctx *rc, const char *id, const char *title, const char *desc,
                      const char *const *labels, const double *vals, const double *lo,
                      const double *hi, size_t n, bool percent)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(vals[i]) && vals[i] > m)
            m = vals[i];
        if (hi && isfinite(hi[i]) && hi[i] > m)
            m = hi[i];
    }
    double xmax = percent ? fmin(1, nice_max(m * 1.05)) : nice_max(m * 1.05);
    if (percent && xmax < m)
        xmax = 1;
    int rowh = 22, h = MT + (int)n * rowh + 24, lw = 170, pw = CW - lw - MR - 50;
    tg_buf_printf(B,
                  "<svg role=\"img\" aria-labelledby=\"%s-t %s-d\" viewBox=\"0 0 %d %d\" "
                  "width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">"
                  "<title id=\"%s-t\">",
                  id, id, CW, h, CW, h, id);
    tg_web__esc(B, title);
    tg_buf_printf(B, "</title><desc id=\"%s-d\">", id);
    tg_web__esc(B, desc);
    tg_buf_adds(B, "</desc><g font-size=\"12\" fill=\"#1b1f24\">");
    for (size_t i = 0; i < n; i++) {
        int y = MT + (int)i * rowh;
        double v = isfinite(vals[i]) ? vals[i] : 0;
        tg_buf_printf(B, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 6, y + 14);
        tg_web__esc(B, labels[i]);
        tg_buf_printf(B,
                      "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
                      "height=\"%d\" fill=\"#2f6fb0\"><title>",
                      lw, y + 3, fmax(pw * v / xmax, 1.0), rowh - 6);
        tg_web__esc(B, labels[i]);
        tg_buf_adds(B, ": ");
        if (percent)
            pct(B, vals[i]);
        else
            tg_buf_printf(B, "%.4g", v);
        tg_buf_adds(B, "</title></rect>");
        if (lo && hi && isfinite(lo[i]) && isfinite(hi[i]))
            tg_buf_printf(B,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#111\" "
                          "stroke-width=\"1.5\"/>",
                          lw + pw * lo[i] / xmax, y + rowh / 2, lw + pw * hi[i] / xmax,
                          y + rowh / 2);
        tg_buf_printf(B, "<text x=\"%.1f\" y=\"%d\">",
                      lw + pw * fmax(v, hi && isfinite(hi[i]) ? hi[i] : v) / xmax + 4, y + 14);
        if (percent)
            pct(B, vals[i]);
        else
            tg_buf_printf(B, "%.4g", v);
        tg_buf_adds(B, "</text>");
    }
    tg_buf_adds(B, "</g></svg>\n");
}

static void no_data(tg_web_rctx *rc, const char *what)
{
    tg_buf_adds(B, "<p class=\"nodata\">No data yet: ");
    tg_web__esc(B, what);
    tg_buf_adds(B, "</p>\n");
}

/* ---- pages --------------------------------------------------------------------- */

static void page_home(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    long bots = 0, trending = 0;
    for (size_t i = 0; i < c->ntrends; i++) {
        bots += c->trends[i].is_bot;
        trending += tg_web__trending(c->trends[i].stage);
    }
    page_start(rc, "Overview");
    tg_buf_printf(B,
                  "<table><caption>What the store holds</caption><tbody>"
                  "<tr><th scope=\"row\">Products</th><td class=\"n\">%zu</td></tr>"
                  "<tr><th scope=\"row\">Orders</th><td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">Returned within 6 months</th><td class=\"n\">%ld</td>"
                  "</tr><tr><th scope=\"row\">Hashtags</th><td class=\"n\">%zu</td></tr>"
                  "<tr><th scope=\"row\">Trending now (rising, peak, decline)</th>"
                  "<td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">Flagged as bot-inflated</th><td class=\"n\">%ld</td>"
                  "</tr><tr><th scope=\"row\">Scored orders (predictions)</th>"
                  "<td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">Intervention records</th><td class=\"n\">%ld</td>"
                  "</tr><tr><th scope=\"row\">Model for live scoring</th><td>%s</td></tr>"
                  "</tbody></table>\n",
                  c->nproducts, c->orders, c->returns6m, c->ntrends, trending, bots, c->predictions,
                  c->interventions, rc->w->model ? "loaded" : "none");
    tg_buf_adds(B, "<h3>Pages</h3><ul>");
    tg_buf_adds(B, "<li>");
    link(rc, "/categories", NULL, "Regret risk by category");
    tg_buf_adds(B, "</li><li>");
    link(rc, "/trends", NULL, "Hashtag lifecycles and bot flags");
    tg_buf_adds(B, "</li><li>");
    link(rc, "/prices", NULL, "Resale price drops");
    tg_buf_adds(B, "</li><li>");
    link(rc, "/interventions", NULL, "Interventions and their measured effect");
    tg_buf_adds(B, "</li><li>");
    link(rc, "/alerts", NULL, "Supply-chain alerts");
    tg_buf_adds(B, "</li><li>");
    link(rc, "/products", NULL, "Consumer view of each product");
    tg_buf_adds(B, "</li></ul>\n");
    if (!rc->static_links)
        tg_buf_adds(B, "<h3>JSON API</h3><ul><li><a href=\"/v1/trends\">/v1/trends</a></li>"
                       "<li><a href=\"/metrics\">/metrics</a> (Prometheus)</li>"
                       "<li><a href=\"/healthz\">/healthz</a></li></ul>"
                       "<p>POST /v1/score and POST /v1/cart/nudge take JSON bodies; see "
                       "docs/API.md.</p>\n");
    page_end(rc);
}

static void page_categories(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    page_start(rc, "Regret risk by category");
    tg_buf_printf(B, "<p>Mean regret risk of each category's orders (%s).</p>\n",
                  c->predictions ? "model predictions" : "share returned within 6 months");
    const char **labels = tg_calloc(c->ncats + 1, sizeof *labels);
    double *vals = tg_calloc(c->ncats + 1, sizeof *vals);
    size_t n = 0;
    for (size_t i = 0; labels && vals && i < c->ncats; i++)
        if (isfinite(c->cats[i].risk)) {
            labels[n] = c->cats[i].name;
            vals[n++] = c->cats[i].risk;
        }
    if (n)
        bar_chart(rc, "cat", "Regret risk by category",
                  "Horizontal bars: mean regret risk per product category, highest first.", labels,
                  vals, NULL, NULL, n, true);
    else
        no_data(rc, "no orders with a risk yet.");
    tg_free(labels);
    tg_free(vals);
    tg_buf_adds(B, "<table><caption>Categories</caption><thead><tr><th scope=\"col\">Category"
                   "</th><th scope=\"col\">Products</th><th scope=\"col\">Orders</th>"
                   "<th scope=\"col\">Returned (6 months)</th><th scope=\"col\">Mean regret "
                   "risk</th></tr></thead><tbody>");
    for (size_t i = 0; i < c->ncats; i++) {
        const tg_web_category *k = &c->cats[i];
        tg_buf_adds(B, "<tr><td>");
        tg_web__esc(B, k->name);
        tg_buf_printf(B,
                      "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">"
                      "%ld</td><td class=\"n\">",
                      k->products, k->orders, k->returns6m);
        pct(B, k->risk);
        tg_buf_adds(B, "</td></tr>");
    }
    tg_buf_adds(B, "</tbody></table>\n");
    page_end(rc);
}

static void bot_badge(tg_web_rctx *rc, const tg_web_trend *t)
{
    if (t->is_bot)
        tg_buf_printf(B, "<span class=\"badge bot\">bot-inflated (score %.2f)</span>",
                      t->bot_score);
    else if (isfinite(t->bot_score))
        tg_buf_printf(B, "<span class=\"badge ok\">organic (score %.2f)</span>", t->bot_score);
    else
        tg_buf_adds(B, "<span class=\"badge\">not scored</span>");
}

static void page_trends(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    page_start(rc, "Trends");
    long per[TG_STAGE_DEAD + 1] = {0};
    for (size_t i = 0; i < c->ntrends; i++)
        per[c->trends[i].stage]++;
    const char *labels[TG_STAGE_DEAD + 1];
    double vals[TG_STAGE_DEAD + 1];
    bool any = false;
    for (int s = 0; s <= TG_STAGE_DEAD; s++) {
        labels[s] = tg_lifecycle_stage_name((tg_stage)s);
        vals[s] = (double)per[s];
        any |= per[s] > 0;
    }
    if (any)
        bar_chart(rc, "stages", "Hashtags by lifecycle stage",
                  "Horizontal bars: how many hashtags are in each lifecycle stage today.", labels,
                  vals, NULL, NULL, TG_STAGE_DEAD + 1, false);
    else
        no_data(rc, "no hashtags.");
    tg_buf_adds(B, "<table><caption>Hashtags</caption><thead><tr><th scope=\"col\">Hashtag</th>"
                   "<th scope=\"col\">Stage</th><th scope=\"col\">Bot flag</th>"
                   "<th scope=\"col\">Days of data</th><th scope=\"col\">Lasted (days)</th>"
                   "<th scope=\"col\">Products</th></tr></thead><tbody>");
    for (size_t i = 0; i < c->ntrends; i++) {
        const tg_web_trend *t = &c->trends[i];
        tg_buf_adds(B, "<tr><td>");
        char label[128];
        snprintf(label, sizeof label, "#%s", t->hashtag);
        link(rc, "/trends", t->hashtag, label);
        tg_buf_printf(B, "</td><td>%s</td><td>", tg_lifecycle_stage_name(t->stage));
        bot_badge(rc, t);
        tg_buf_printf(B,
                      "</td><td class=\"n\">%zu</td><td class=\"n\">%d%s</td>"
                      "<td class=\"n\">%d</td></tr>",
                      t->n, t->lasted_days, t->ended || !t->n ? "" : " (ongoing)", t->nproducts);
    }
    tg_buf_adds(B, "</tbody></table>\n");
    page_end(rc);
}

static void page_trend(tg_web_rctx *rc, const char *tag)
{
    const tg_web_trend *t = tg_web__trend(rc->c, tag);
    if (!t) {
        tg_web__html_error(rc, 404, "Unknown hashtag.");
        return;
    }
    char title[160];
    snprintf(title, sizeof title, "#%s lifecycle", t->hashtag);
    page_start(rc, title);
    tg_buf_printf(B, "<p>Stage today: <strong>%s</strong>. ", tg_lifecycle_stage_name(t->stage));
    bot_badge(rc, t);
    if (t->peak_day >= 0) {
        char pd[16];
        daystr(t->peak_day, pd, sizeof pd);
        tg_buf_printf(B, " Peak so far: %s. Lasted %d days%s.", pd, t->lasted_days,
                      t->ended ? "" : " so far");
    }
    tg_buf_adds(B, "</p>\n");
    if (t->n) {
        char desc[256];
        snprintf(desc, sizeof desc,
                 "Line chart of the daily view gain of #%s over %zu days, with the background "
                 "shaded by lifecycle stage (rising, peak, decline, dead).",
                 t->hashtag, t->n);
        line_chart(rc, "life", title, desc, t->days, t->values, t->n, t->stages, NAN, NULL);
        tg_buf_adds(B, "<p>Background: <span class=\"badge\" style=\"background:#dbeafe\">rising"
                       "</span> <span class=\"badge\" style=\"background:#fde68a\">peak</span> "
                       "<span class=\"badge\" style=\"background:#fed7aa\">decline</span> "
                       "<span class=\"badge\" style=\"background:#e5e7eb\">dead</span></p>\n");
        tg_buf_adds(B, "<details><summary>Table of the series</summary><table><thead><tr>"
                       "<th scope=\"col\">Day</th><th scope=\"col\">View gain</th>"
                       "<th scope=\"col\">Stage</th></tr></thead><tbody>");
        for (size_t i = 0; i < t->n; i++) {
            char d[16];
            daystr(t->days[i], d, sizeof d);
            tg_buf_printf(B, "<tr><td>%s</td><td class=\"n\">%.0f</td><td>%s</td></tr>", d,
                          t->values[i], tg_lifecycle_stage_name(t->stages[i]));
        }
        tg_buf_adds(B, "</tbody></table></details>\n");
    } else {
        no_data(rc, "no daily series for this hashtag has been crawled.");
    }
    tg_buf_adds(B, "<h3>Products with this hashtag</h3><ul>");
    for (size_t i = 0; i < rc->c->nproducts; i++) {
        const tg_web_product *p = &rc->c->products[i];
        if (p->trend < 0 || &rc->c->trends[p->trend] != t)
            continue;
        tg_buf_adds(B, "<li>");
        link(rc, "/products", p->id, p->name[0] ? p->name : p->id);
        tg_buf_adds(B, "</li>");
    }
    tg_buf_adds(B, "</ul>\n");
    page_end(rc);
}

static void page_prices(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    page_start(rc, "Resale price drops");
    tg_buf_adds(B, "<p>Latest daily median resale price versus the retail price.</p>\n");
    const char **labels = tg_calloc(c->nproducts + 1, sizeof *labels);
    double *vals = tg_calloc(c->nproducts + 1, sizeof *vals);
    size_t n = 0;
    for (size_t i = 0; labels && vals && i < c->nproducts && n < 40; i++)
        if (isfinite(c->products[i].resale_drop)) {
            labels[n] = c->products[i].id;
            vals[n++] = fmax(0, c->products[i].resale_drop);
        }
    if (n)
        bar_chart(rc, "drops", "Resale price drop by product",
                  "Horizontal bars: 1 minus the latest median resale price over retail, per "
                  "product (first 40 with resale data).",
                  labels, vals, NULL, NULL, n, true);
    else
        no_data(rc, "no resale prices have been crawled.");
    tg_free(labels);
    tg_free(vals);
    tg_buf_adds(B, "<table><caption>Products</caption><thead><tr><th scope=\"col\">Product</th>"
                   "<th scope=\"col\">Retail</th><th scope=\"col\">Days with resale data</th>"
                   "<th scope=\"col\">Latest median</th><th scope=\"col\">Drop</th></tr></thead>"
                   "<tbody>");
    for (size_t i = 0; i < c->nproducts; i++) {
        const tg_web_product *p = &c->products[i];
        tg_buf_adds(B, "<tr><td>");
        link(rc, "/prices", p->id, p->name[0] ? p->name : p->id);
        tg_buf_printf(B,
                      "</td><td class=\"n\">%.2f</td><td class=\"n\">%zu</td>"
                      "<td class=\"n\">",
                      p->price, p->nprice);
        if (p->nprice)
            tg_buf_printf(B, "%.2f", p->price_median[p->nprice - 1].value);
        else
            tg_buf_adds(B, "n/a");
        tg_buf_adds(B, "</td><td class=\"n\">");
        pct(B, p->resale_drop);
        tg_buf_adds(B, "</td></tr>");
    }
    tg_buf_adds(B, "</tbody></table>\n");
    page_end(rc);
}

static void page_price(tg_web_rctx *rc, const char *id)
{
    const tg_web_product *p = tg_web__product(rc->c, id);
    if (!p) {
        tg_web__html_error(rc, 404, "Unknown product.");
        return;
    }
    char title[200];
    snprintf(title, sizeof title, "Resale prices: %s", p->name[0] ? p->name : p->id);
    page_start(rc, title);
    if (p->nprice) {
        int32_t *days = tg_malloc(p->nprice * sizeof *days);
        double *vals = tg_malloc(p->nprice * sizeof *vals);
        if (days && vals) {
            for (size_t i = 0; i < p->nprice; i++) {
                days[i] = p->price_median[i].day;
                vals[i] = p->price_median[i].value;
            }
            char desc[256];
            snprintf(desc, sizeof desc,
                     "Line chart of the daily median resale price over %zu days; the dashed "
                     "line is the retail price %.2f.",
                     p->nprice, p->price);
            line_chart(rc, "price", title, desc, days, vals, p->nprice, NULL,
                       p->price > 0 ? p->price : NAN, "retail");
        }
        tg_free(days);
        tg_free(vals);
        tg_buf_adds(B, "<p>Drop versus retail at the latest day: ");
        pct(B, p->resale_drop);
        tg_buf_adds(B, "</p><details><summary>Table of daily medians</summary><table><thead>"
                       "<tr><th scope=\"col\">Day</th><th scope=\"col\">Median resale price</th>"
                       "</tr></thead><tbody>");
        for (size_t i = 0; i < p->nprice; i++) {
            char d[16];
            daystr(p->price_median[i].day, d, sizeof d);
            tg_buf_printf(B, "<tr><td>%s</td><td class=\"n\">%.2f</td></tr>", d,
                          p->price_median[i].value);
        }
        tg_buf_adds(B, "</tbody></table></details>\n");
    } else {
        no_data(rc, "no resale prices have been crawled for this product.");
    }
    tg_buf_adds(B, "<p>");
    link(rc, "/products", p->id, "Consumer view of this product");
    tg_buf_adds(B, "</p>\n");
    page_end(rc);
}

static void page_interventions(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    const tg_interventions_report *r = &c->iv;
    const tg_interventions_arm *all = &r->arm[TG_IV_ARM_ALL];
    page_start(rc, "Interventions and their measured effect");
    if (!c->have_iv || (!all->treated.n && !all->control.n)) {
        no_data(rc, "no interventions have been run (trendguard interventions run).");
        page_end(rc);
        return;
    }
    const char *labels[6] = {"email offer: treated",  "email offer: control",
                             "SMS reminder: treated", "SMS reminder: control",
                             "all: treated",          "all: control"};
    double vals[6], lo[6], hi[6];
    for (int i = 0; i < 3; i++) {
        const tg_interventions_group *g[2] = {&r->arm[i].treated, &r->arm[i].control};
        for (int k = 0; k < 2; k++) {
            vals[2 * i + k] = g[k]->n ? g[k]->rate : NAN;
            lo[2 * i + k] = g[k]->n ? g[k]->lo : NAN;
            hi[2 * i + k] = g[k]->n ? g[k]->hi : NAN;
        }
    }
    bar_chart(rc, "iv", "Return rate, treated versus control",
              "Horizontal bars: share of treated and of control orders that were returned, per "
              "action, with 95% Wilson intervals as black lines.",
              labels, vals, lo, hi, 6, true);
    tg_buf_adds(B, "<table><caption>Arms (outcomes: returns recorded in the store; control "
                   "orders of the same risk tier)</caption><thead><tr><th scope=\"col\">Arm</th>"
                   "<th scope=\"col\">Treated</th><th scope=\"col\">Treated return rate (95%)"
                   "</th><th scope=\"col\">Control</th><th scope=\"col\">Control return rate "
                   "(95%)</th><th scope=\"col\">Relative effect (95%)</th>"
                   "<th scope=\"col\">Returns avoided</th></tr></thead><tbody>");
    for (int i = 0; i < 3; i++) {
        const tg_interventions_arm *a = &r->arm[i];
        tg_buf_printf(B, "<tr><td>%s</td><td class=\"n\">%ld</td><td class=\"n\">", a->action,
                      a->treated.n);
        pct(B, a->treated.rate);
        tg_buf_adds(B, " (");
        pct(B, a->treated.lo);
        tg_buf_adds(B, " to ");
        pct(B, a->treated.hi);
        tg_buf_printf(B, ")</td><td class=\"n\">%ld</td><td class=\"n\">", a->control.n);
        pct(B, a->control.rate);
        tg_buf_adds(B, " (");
        pct(B, a->control.lo);
        tg_buf_adds(B, " to ");
        pct(B, a->control.hi);
        tg_buf_adds(B, ")</td><td class=\"n\">");
        pct(B, a->effect);
        tg_buf_adds(B, " (");
        pct(B, a->effect_lo);
        tg_buf_adds(B, " to ");
        pct(B, a->effect_hi);
        tg_buf_printf(B, ")</td><td class=\"n\">%.1f</td></tr>", a->returns_avoided);
    }
    tg_buf_printf(B,
                  "</tbody></table><table><caption>Cost and net effect</caption><tbody>"
                  "<tr><th scope=\"row\">Email offers sent</th><td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">SMS reminders sent</th><td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">Control orders</th><td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">Opted out</th><td class=\"n\">%ld</td></tr>"
                  "<tr><th scope=\"row\">Returns avoided</th><td class=\"n\">%.1f</td></tr>"
                  "<tr><th scope=\"row\">Offer cost</th><td class=\"n\">%.2f</td></tr>"
                  "<tr><th scope=\"row\">Net effect</th><td class=\"n\">%.2f</td></tr>"
                  "</tbody></table>\n",
                  r->email_offers, r->sms_reminders, r->controls, r->optouts, r->returns_avoided,
                  r->offer_cost, r->net);
    page_end(rc);
}

static void page_alerts(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    double thr = rc->w->cfg->tier_sms;
    page_start(rc, "Supply-chain alerts");
    char end[16];
    tg_date_format(c->data_end, end, sizeof end);
    tg_buf_printf(B,
                  "<p>Products whose regret risk over the last 7 days of orders (to %s) "
                  "reached %.0f%% ([interventions] sms_at), with at least 5 orders.</p>\n",
                  end, thr * 100);
    size_t n = 0;
    const char **labels = tg_calloc(c->nproducts + 1, sizeof *labels);
    double *vals = tg_calloc(c->nproducts + 1, sizeof *vals);
    tg_buf_adds(B, "<ul>");
    for (size_t i = 0; labels && vals && i < c->nproducts; i++) {
        const tg_web_product *p = &c->products[i];
        if (!isfinite(p->last_week_risk) || p->last_week_risk < thr || p->last_week_n < 5)
            continue;
        const tg_web_trend *t = p->trend >= 0 ? &c->trends[p->trend] : NULL;
        tg_buf_adds(B, "<li class=\"card alert\"><strong>Cancel reorder: ");
        if (t) {
            tg_buf_addc(B, '#');
            tg_web__esc(B, t->hashtag);
            tg_buf_adds(B, " (");
            tg_web__esc(B, p->name);
            tg_buf_adds(B, ")");
        } else {
            tg_web__esc(B, p->name);
        }
        tg_buf_printf(B, " regret risk spiked to %.0f%%</strong>", p->last_week_risk * 100);
        if (isfinite(p->prev_risk))
            tg_buf_printf(B, " (from %.0f%% before)", p->prev_risk * 100);
        tg_buf_adds(B, ". ");
        link(rc, "/products", p->id, "Product");
        tg_buf_adds(B, "</li>");
        labels[n] = p->id;
        vals[n++] = p->last_week_risk;
    }
    tg_buf_adds(B, "</ul>\n");
    if (n)
        bar_chart(rc, "alerts", "Regret risk of alerted products, last 7 days",
                  "Horizontal bars: last week's regret risk of each alerted product.", labels, vals,
                  NULL, NULL, n, true);
    else
        tg_buf_adds(B, "<p>No product is over the threshold: no alerts.</p>\n");
    tg_free(labels);
    tg_free(vals);
    page_end(rc);
}

static void page_products(tg_web_rctx *rc)
{
    const tg_web_cache *c = rc->c;
    page_start(rc, "Consumer view");
    tg_buf_adds(B, "<p>What the TrendGuard app shows a shopper for each product.</p>"
                   "<table><thead><tr><th scope=\"col\">Product</th><th scope=\"col\">Category"
                   "</th><th scope=\"col\">Keep rate (6 months)</th><th scope=\"col\">Orders</th>"
                   "</tr></thead><tbody>");
    for (size_t i = 0; i < c->nproducts; i++) {
        const tg_web_product *p = &c->products[i];
        tg_buf_adds(B, "<tr><td>");
        link(rc, "/products", p->id, p->name[0] ? p->name : p->id);
        tg_buf_adds(B, "</td><td>");
        tg_web__esc(B, p->category);
        tg_buf_adds(B, "</td><td class=\"n\">");
        pct(B, p->keep_rate);
        tg_buf_printf(B, "</td><td class=\"n\">%ld</td></tr>", p->orders);
    }
    tg_buf_adds(B, "</tbody></table>\n");
    page_end(rc);
}

static void page_product(tg_web_rctx *rc, const char *id)
{
    const tg_web_cache *c = rc->c;
    const tg_web_product *p = tg_web__product(c, id);
    if (!p) {
        tg_web__html_error(rc, 404, "Unknown product.");
        return;
    }
    const tg_web_trend *t = p->trend >= 0 ? &c->trends[p->trend] : NULL;
    bool trending = t && tg_web__trending(t->stage);
    bool alert = trending || (isfinite(p->risk) && p->risk >= 0.5) ||
                 (isfinite(p->keep_rate) && p->keep_rate < 0.5);
    page_start(rc, p->name[0] ? p->name : p->id);
    tg_buf_printf(B, "<section class=\"card%s\" aria-label=\"TrendGuard nudge\">",
                  alert ? " alert" : "");
    tg_buf_adds(B, "<p>");
    tg_web__esc(B, p->category);
    tg_buf_printf(B, " - retail price %.2f</p><p class=\"msg\">", p->price);
    if (!isfinite(p->keep_rate))
        tg_buf_adds(B, "No purchase history for this item yet.");
    else if (alert)
        tg_buf_printf(B,
                      "<strong>Trend Alert:</strong> %.0f%% of buyers keep this more than 6 "
                      "months. Still want it?",
                      p->keep_rate * 100);
    else
        tg_buf_printf(B, "%.0f%% of buyers keep this more than 6 months.", p->keep_rate * 100);
    tg_buf_adds(B, "</p><ul>");
    if (t) {
        tg_buf_adds(B, "<li>Trend ");
        char label[128];
        snprintf(label, sizeof label, "#%s", t->hashtag);
        link(rc, "/trends", t->hashtag, label);
        tg_buf_printf(B, ": %s, lasted %d days%s", tg_lifecycle_stage_name(t->stage),
                      t->lasted_days, t->ended ? "" : " so far");
        if (t->is_bot)
            tg_buf_adds(B, " <span class=\"badge bot\">bot-inflated</span>");
        tg_buf_adds(B, "</li>");
    }
    tg_buf_adds(B, "<li>Regret risk: ");
    pct(B, p->risk);
    tg_buf_printf(B, " (%s)</li><li>%ld orders, %ld returned within 6 months</li></ul>",
                  p->npred ? "model predictions" : "returns", p->orders, p->returns6m);
    tg_buf_adds(B, "</section>\n<p>");
    link(rc, "/prices", p->id, "Resale prices of this product");
    tg_buf_adds(B, "</p>\n");
    page_end(rc);
}

void tg_web__page(tg_web_rctx *rc, tg_web_route route, const char *arg)
{
    if (!tg_web__params_ok(rc, (const char *const[]){NULL}, false))
        return;
    switch (route) {
    case TG_WEB_R_HOME:
        page_home(rc);
        break;
    case TG_WEB_R_P_CATEGORIES:
        page_categories(rc);
        break;
    case TG_WEB_R_P_TRENDS:
        page_trends(rc);
        break;
    case TG_WEB_R_P_TREND:
        page_trend(rc, arg);
        break;
    case TG_WEB_R_P_PRICES:
        page_prices(rc);
        break;
    case TG_WEB_R_P_PRICE:
        page_price(rc, arg);
        break;
    case TG_WEB_R_P_INTERVENTIONS:
        page_interventions(rc);
        break;
    case TG_WEB_R_P_ALERTS:
        page_alerts(rc);
        break;
    case TG_WEB_R_P_PRODUCTS:
        page_products(rc);
        break;
    case TG_WEB_R_P_PRODUCT:
        page_product(rc, arg);
        break;
    default:
        tg_web__html_error(rc, 404, "No such page.");
        break;
    }
    if (!B->data || (rc->resp->status == 200 && B->len == 0))
        tg_web__html_error(rc, 500, "Page too large.");
}
