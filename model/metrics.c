/*
 * metrics.c - ROC AUC, average precision, and the logistic regression
 * baseline of the training report.
 */
#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sy {
    double s;
    int y;
} sy;

static int cmp_sy(const void *a, const void *b)
{
    double x = ((const sy *)a)->s, z = ((const sy *)b)->s;
    return (x > z) - (x < z);
}

static sy *sorted_pairs(const double *score, const int *y, size_t n)
{
    sy *p = tg_malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = (sy){score[i], y[i] ? 1 : 0};
    tg_qsort(p, n, sizeof *p, cmp_sy);
    return p;
}

/* Mann-Whitney U with average ranks for ties. */
double tg_model_auc(const double *score, const int *y, size_t n)
{
    sy *p = sorted_pairs(score, y, n);
    if (!p)
        return NAN;
    double npos = 0, rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j].s == p[i].s)
            j++;
        double avg = 0.5 * ((double)i + 1 + (double)j); /* ranks i+1..j */
        for (size_t k = i; k < j; k++)
            if (p[k].y) {
                rank_sum += avg;
                npos++;
            }
        i = j;
    }
    double nneg = (double)n - npos;
    tg_free(p);
    if (npos == 0 || nneg == 0)
        return NAN;
    return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

double tg_model__pr_auc(const double *score, const int *y, size_t n)
{
    sy *p = sorted_pairs(score, y, n);
    if (!p)
        return NAN;
    double npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += p[i].y;
    double tp = 0, fp = 0, ap = 0;
    /* descending score; ties handled as one threshold step */
    for (size_t i = n; i > 0;) {
        size_t j = i;
        double dtp = 0, dfp = 0;
        while (j > 0 && p[j - 1].s == p[i - 1].s) {
            dtp += p[j - 1].y;
            dfp += !p[j - 1].y;
            j--;
        }
        tp += dtp;
        fp += dfp;
        if (dtp > 0)
            ap += (dtp / npos) * (tp / (tp + fp));
        i = j;
    }
    tg_free(p);
    return npos > 0 ? ap : NAN;
}

/* Solve A x = b (k x k, symmetric positive definite) by Cholesky in place. */
static int cholesky_solve(double *A, double *b, int k)
{
    for (int j = 0; j < k; j++) {
        double s = A[j * k + j];
        for (int p = 0; p < j; p++)
            s -= A[j * k + p] * A[j * k + p];
        if (s <= 0)
            return -1;
        A[j * k + j] = sqrt(s);
        for (int i = j + 1; i < k; i++) {
            double t = A[i * k + j];
            for (int p = 0; p < j; p++)
                t -= A[i * k + p] * A[j * k + p];
            A[i * k + j] = t / A[j * k + j];
        }
    }
    for (int i = 0; i < k; i++) {
        double t = b[i];
        for (int p = 0; p < i; p++)
            t -= A[i * k + p] * b[p];
        b[i] = t / A[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
        double t = b[i];
        for (int p = i + 1; p < k; p++)
            t -= A[p * k + i] * b[p];
        b[i] = t / A[i * k + i];
    }
    return 0;
}

/*
 * Standardise each feature with the training mean/sd (NAN -> 0 = the mean,
 * plus one missing-indicator column per feature), then fit an L2-regularised
 * logistic regression by Newton's method (IRLS).
 */
int tg_model__logreg_auc(const float *xtr, const float *ytr, size_t ntr, const float *xva,
                         const float *yva, size_t nva, int nf, double *auc)
{
    int k = 2 * nf + 1, rc = TG_ENOMEM;
    double *mean = tg_calloc((size_t)nf, sizeof(double));
    double *sd = tg_calloc((size_t)nf, sizeof(double));
    double *w = tg_calloc((size_t)k, sizeof(double));
    double *H = tg_malloc((size_t)k * (size_t)k * sizeof(double));
    double *g = tg_malloc((size_t)k * sizeof(double));
    double *row = tg_malloc((size_t)k * sizeof(double));
    double *sc = tg_malloc((nva ? nva : 1) * sizeof(double));
    int *yv = tg_malloc((nva ? nva : 1) * sizeof(int));
    *auc = NAN;
    if (!mean || !sd || !w || !H || !g || !row || !sc || !yv)
        goto out;
    for (int j = 0; j < nf; j++) {
        double s = 0, s2 = 0, m = 0;
        for (size_t i = 0; i < ntr; i++) {
            float v = xtr[i * (size_t)nf + (size_t)j];
            if (!isnan(v)) {
                s += v;
                s2 += (double)v * v;
                m++;
            }
        }
        mean[j] = m > 0 ? s / m : 0;
        double var = m > 1 ? s2 / m - mean[j] * mean[j] : 0;
        sd[j] = var > 1e-12 ? sqrt(var) : 1;
    }
#define ROW(x, i)                                                                                  \
    do {                                                                                           \
        row[0] = 1;                                                                                \
        for (int j_ = 0; j_ < nf; j_++) {                                                          \
            float v_ = (x)[(i) * (size_t)nf + (size_t)j_];                                         \
            row[1 + j_] = isnan(v_) ? 0 : ((double)v_ - mean[j_]) / sd[j_];                        \
            if (row[1 + j_] > 10)                                                                  \
                row[1 + j_] = 10;                                                                  \
            if (row[1 + j_] < -10)                                                                 \
                row[1 + j_] = -10;                                                                 \
            row[1 + nf + j_] = isnan(v_) ? 1 : 0;                                                  \
        }                                                                                          \
    } while (0)
    for (int it = 0; it < 12; it++) {
        memset(H, 0, (size_t)k * (size_t)k * sizeof(double));
        memset(g, 0, (size_t)k * sizeof(double));
        for (size_t i = 0; i < ntr; i++) {
            ROW(xtr, i);
            double z = 0;
            for (int a = 0; a < k; a++)
                z += w[a] * row[a];
            double p = 1 / (1 + exp(-z)), q = p * (1 - p);
            for (int a = 0; a < k; a++) {
                g[a] += (ytr[i] - p) * row[a];
                if (row[a] == 0)
                    continue;
                for (int b = 0; b <= a; b++)
                    H[a * k + b] += q * row[a] * row[b];
            }
        }
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < a; b++)
                H[b * k + a] = H[a * k + b];
            H[a * k + a] += 1.0; /* L2 */
            g[a] -= 1.0 * w[a] * (a > 0);
        }
        if (cholesky_solve(H, g, k) != 0)
            break;
        double step = 0;
        for (int a = 0; a < k; a++) {
            w[a] += g[a];
            step += fabs(g[a]);
        }
        if (step < 1e-6)
            break;
    }
    for (size_t i = 0; i < nva; i++) {
        ROW(xva, i);
        double z = 0;
        for (int a = 0; a < k; a++)
            z += w[a] * row[a];
        sc[i] = z;
        yv[i] = yva[i] > 0.5f;
    }
#undef ROW
    *auc = tg_model_auc(sc, yv, nva);
    rc = TG_OK;
out:
    tg_free(mean);
    tg_free(sd);
    tg_free(w);
    tg_free(H);
    tg_free(g);
    tg_free(row);
    tg_free(sc);
    tg_free(yv);
    return rc;
}
