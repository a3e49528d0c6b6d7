/*
 * Trend lifecycle: rising | peak | decline | dead per day, point-in-time.
 * Day i's stage reads values[0..i] only. Thresholds and their reasons are
 * in docs/LIFECYCLE.md; they are named constants here so the two agree.
 */
#include "trendguard/error.h"
#include "trendguard/trends.h"

#include <math.h>
#include <string.h>

#define SMOOTH_DAYS 3      /* trailing mean against day-to-day noise */
#define PEAK_RATIO 0.60    /* within 60% of the highest point so far = peak */
#define DEAD_RATIO 0.10    /* under 10% of the highest point ... */
#define DEAD_AFTER 7       /* ... at least a week after it = dead */
#define RISE_VELOCITY 0.05 /* 7-day velocity above 5% of the peak = rising */

const char *tg_lifecycle_stage_name(tg_stage s)
{
    switch (s) {
    case TG_STAGE_RISING:
        return "rising";
    case TG_STAGE_PEAK:
        return "peak";
    case TG_STAGE_DECLINE:
        return "decline";
    case TG_STAGE_DEAD:
        return "dead";
    default:
        return "none";
    }
}

static double val(const double *v, size_t i)
{
    return isfinite(v[i]) && v[i] > 0 ? v[i] : 0;
}

int tg_lifecycle_compute(const int32_t *days, const double *values, size_t n,
                         tg_lifecycle_point *out)
{
    if (n == 0)
        return TG_OK;
    if (!days || !values || !out)
        return TG_EINVAL;
    for (size_t i = 1; i < n; i++)
        if (days[i] <= days[i - 1])
            return TG_EINVAL;
    double peak = 0;
    int32_t peak_day = days[0];
    for (size_t i = 0; i < n; i++) {
        /* trailing means over calendar days: a missing day counts as 0 */
        double sm = 0, last7 = 0, prev7 = 0;
        for (size_t j = i + 1; j-- > 0;) {
            int32_t age = days[i] - days[j];
            if (age >= 14)
                break;
            double v = val(values, j);
            if (age < SMOOTH_DAYS)
                sm += v;
            if (age < 7)
                last7 += v;
            else
                prev7 += v;
        }
        sm /= SMOOTH_DAYS;
        if (sm > peak) {
            peak = sm;
            peak_day = days[i];
        }
        tg_lifecycle_point *p = &out[i];
        p->day = days[i];
        p->value = val(values, i);
        p->peak_value = peak;
        p->peak_day = peak_day;
        p->days_since_peak = days[i] - peak_day;
        p->velocity7 = (last7 / 7.0 - prev7 / 7.0) / (peak > 1 ? peak : 1);
        p->ratio = peak > 0 ? sm / peak : 0;
        if (peak <= 0)
            p->stage = TG_STAGE_NONE;
        else if (p->ratio < DEAD_RATIO && p->days_since_peak >= DEAD_AFTER)
            p->stage = TG_STAGE_DEAD;
        else if (p->days_since_peak == 0 && p->velocity7 > RISE_VELOCITY)
            p->stage = TG_STAGE_RISING;
        else if (p->ratio >= PEAK_RATIO)
            p->stage = TG_STAGE_PEAK;
        else if (p->velocity7 > RISE_VELOCITY)
            p->stage = TG_STAGE_RISING; /* a second wave */
        else
            p->stage = TG_STAGE_DECLINE;
    }
    return TG_OK;
}
