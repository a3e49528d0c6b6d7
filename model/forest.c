/*
 * forest.c - the trained booster's trees evaluated in plain C.
 *
 * Why: one XGBoost C API call costs tens of microseconds whatever the number
 * of rows (DMatrix or array-interface parsing, thread-pool dispatch, a
 * per-call look at the cgroup CPU quota) and a booster must be locked while
 * it predicts. A server scoring one order per request paid that on every
 * request. The trees themselves are a few hundred small arrays: walking them
 * costs a few microseconds, needs no lock and allocates nothing.
 *
 * Exactness: the walk repeats XGBoost 1.7's CPU predictor step by step in
 * float arithmetic - margin = base margin + leaf values added tree by tree,
 * `x < split` goes left, a NaN takes the default branch, the logistic
 * transform is XGBoost's Sigmoid - so the probabilities are the same floats.
 * The approximate contributions repeat RegTree::CalculateContributionsApprox
 * (Saabas): each node's value is the hessian-weighted mean of the leaves
 * below it, each step on the path credits the split feature with the change
 * of that mean, per-tree sums are added to the row's totals tree by tree, and
 * the bias gets the root means plus the base margin. tests/unit/model/
 * test_forest.c checks both against libxgboost on thousands of rows.
 *
 * The trees come from the booster's own JSON model (XGBoosterSaveModelToBuffer),
 * read once at load. Anything this file does not reproduce (another objective,
 * several classes, categorical splits, dart) makes the loader decline, and
 * model.c keeps predicting through XGBoost.
 */
#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A forest bigger than this is not one of ours (50..2000 trees of depth <= 12). */
#define MAX_NODES (1u << 24)
#define MAX_DEPTH 64

static int decline(const char *why)
{
    tg_debug("model", "trees evaluated by XGBoost: %s", why);
    return TG_EMODEL;
}

/* Node counts of a tree, checked: arrays of the same length n >= 1. */
static bool tree_arrays(json_t *t, size_t *n)
{
    static const char *const keys[] = {"left_children",    "right_children", "split_indices",
                                       "split_conditions", "default_left",   "sum_hessian"};
    size_t len = json_array_size(json_object_get(t, "left_children"));
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_is_array(json_object_get(t, keys[i])) ||
            json_array_size(json_object_get(t, keys[i])) != len)
            return false;
    *n = len;
    return len > 0;
}

static float jfloat(json_t *a, size_t i)
{
    /* XGBoost writes floats with the shortest decimal that reads back to the
     * same float; via double that is still the same float. */
    return (float)json_number_value(json_array_get(a, i));
}

/*
 * Copy one XGBoost tree (node 0 is the root) into f->nodes from base on,
 * children of a node side by side (right = left + 1). order maps XGBoost node
 * ids to ours; hess holds the trees' sum_hessian for the means.
 */
static int copy_tree(tg_model__forest *f, json_t *t, size_t n, size_t base, int32_t *order,
                     int32_t *stack, float *hess)
{
    json_t *jl = json_object_get(t, "left_children"), *jr = json_object_get(t, "right_children");
    json_t *ji = json_object_get(t, "split_indices"), *jc = json_object_get(t, "split_conditions");
    json_t *jd = json_object_get(t, "default_left"), *jh = json_object_get(t, "sum_hessian");
    json_t *st = json_object_get(t, "split_type");
    size_t next = base + 1, sp = 0;
    for (size_t i = 0; i < n; i++)
        order[i] = -1;
    order[0] = (int32_t)base;
    stack[sp++] = 0;
    while (sp) {
        int32_t x = stack[--sp];
        tg_model__node *nd = &f->nodes[order[x]];
        json_int_t l = json_integer_value(json_array_get(jl, (size_t)x));
        json_int_t r = json_integer_value(json_array_get(jr, (size_t)x));
        hess[order[x]] = jfloat(jh, (size_t)x);
        nd->value = jfloat(jc, (size_t)x);
        if (l == -1 && r == -1) {
            nd->left = -1;
            continue;
        }
        json_int_t feat = json_integer_value(json_array_get(ji, (size_t)x));
        if (l <= 0 || r <= 0 || (size_t)l >= n || (size_t)r >= n || order[l] >= 0 ||
            order[r] >= 0 || feat < 0 || feat >= TG_FEAT__COUNT ||
            json_integer_value(json_array_get(st, (size_t)x)) != 0)
            return TG_EMODEL;
        nd->feature = (uint16_t)feat;
        nd->default_left = json_integer_value(json_array_get(jd, (size_t)x)) != 0;
        nd->left = (int32_t)next;
        order[l] = (int32_t)next;
        order[r] = (int32_t)next + 1;
        next += 2;
        stack[sp++] = (int32_t)r;
        stack[sp++] = (int32_t)l;
    }
    return next - base == n ? TG_OK : TG_EMODEL; /* every node reached once */
}

/*
 * XGBoost's FillNodeMeanValue: float, left then right, divided by the node's
 * hessian. A tree deeper than MAX_DEPTH (none XGBoost grows for us) gives
 * NAN, and the loader declines the model.
 */
static float fill_mean(tg_model__forest *f, const float *hess, int32_t i, int depth)
{
    tg_model__node *nd = &f->nodes[i];
    if (depth > MAX_DEPTH)
        return NAN;
    if (nd->left < 0) {
        f->mean[i] = nd->value;
        return nd->value;
    }
    float r = fill_mean(f, hess, nd->left, depth + 1) * hess[nd->left];
    r += fill_mean(f, hess, nd->left + 1, depth + 1) * hess[nd->left + 1];
    r /= hess[i];
    f->mean[i] = r;
    return r;
}

int tg_model__forest_load(tg_model__forest **out, const char *json, size_t len)
{
    json_error_t je;
    tg_model__forest *f = NULL;
    int32_t *order = NULL, *stack = NULL;
    float *hess = NULL;
    int rc = TG_EMODEL;
    *out = NULL;
    json_t *root = json_loadb(json, len, 0, &je);
    json_t *learner = json_object_get(root, "learner");
    json_t *mp = json_object_get(learner, "learner_model_param");
    json_t *gb = json_object_get(learner, "gradient_booster");
    json_t *trees = json_object_get(json_object_get(gb, "model"), "trees");
    json_t *info = json_object_get(json_object_get(gb, "model"), "tree_info");
    const char *obj =
        json_string_value(json_object_get(json_object_get(learner, "objective"), "name"));
    const char *bs = json_string_value(json_object_get(mp, "base_score"));
    const char *ncls = json_string_value(json_object_get(mp, "num_class"));
    const char *gbname = json_string_value(json_object_get(gb, "name"));
    if (!root) {
        rc = decline("the model's JSON does not parse");
        goto out;
    }
    if (!obj || strcmp(obj, "binary:logistic") != 0 || !ncls || strcmp(ncls, "0") != 0 || !bs ||
        !gbname || strcmp(gbname, "gbtree") != 0 || !json_is_array(trees) ||
        json_array_size(trees) == 0 || json_array_size(info) != json_array_size(trees)) {
        rc = decline("not a gbtree binary:logistic model");
        goto out;
    }
    size_t nt = json_array_size(trees), total = 0, maxn = 0;
    for (size_t i = 0; i < nt; i++) {
        json_t *t = json_array_get(trees, i);
        size_t n;
        if (!tree_arrays(t, &n) || json_integer_value(json_array_get(info, i)) != 0 ||
            json_array_size(json_object_get(t, "categories")) != 0) {
            rc = decline("a tree with categories, classes or an unknown layout");
            goto out;
        }
        total += n;
        maxn = n > maxn ? n : maxn;
        if (total > MAX_NODES) {
            rc = decline("too many nodes");
            goto out;
        }
    }
    rc = TG_ENOMEM;
    f = tg_calloc(1, sizeof *f);
    if (!f)
        goto out;
    f->nodes = tg_calloc(total, sizeof *f->nodes);
    f->mean = tg_calloc(total, sizeof *f->mean);
    f->roots = tg_calloc(nt, sizeof *f->roots);
    hess = tg_calloc(total, sizeof *hess);
    order = tg_calloc(maxn, sizeof *order);
    stack = tg_calloc(maxn + 1, sizeof *stack);
    if (!f->nodes || !f->mean || !f->roots || !hess || !order || !stack)
        goto out;
    f->nnodes = total;
    f->ntrees = nt;
    size_t base = 0;
    for (size_t i = 0; i < nt; i++) {
        json_t *t = json_array_get(trees, i);
        size_t n = json_array_size(json_object_get(t, "left_children"));
        f->roots[i] = (int32_t)base;
        if ((rc = copy_tree(f, t, n, base, order, stack, hess))) {
            rc = decline("a tree that is not a binary tree");
            goto out;
        }
        if (!isfinite(fill_mean(f, hess, (int32_t)base, 0))) {
            rc = decline("a tree too deep, or with a zero hessian");
            goto out;
        }
        base += n;
    }
    /* LogisticRegression::ProbToMargin, in float as XGBoost does it. */
    float b = strtof(bs, NULL);
    if (!(b > 0.0f && b < 1.0f)) {
        rc = decline("base_score out of (0, 1)");
        goto out;
    }
    f->base_margin = -logf(1.0f / b - 1.0f);
    *out = f;
    f = NULL;
    rc = TG_OK;
out:
    tg_model__forest_free(&f);
    tg_free(hess);
    tg_free(order);
    tg_free(stack);
    json_decref(root);
    return rc;
}

void tg_model__forest_free(tg_model__forest **pf)
{
    tg_model__forest *f = pf ? *pf : NULL;
    if (!f)
        return;
    tg_free(f->nodes);
    tg_free(f->mean);
    tg_free(f->roots);
    tg_free(f);
    *pf = NULL;
}

/* The leaf x reaches from node i (XGBoost's GetNextNode with missing values). */
static inline int32_t next_node(const tg_model__node *nd, const float *x)
{
    float v = x[nd->feature];
    if (isnan(v))
        return nd->left + !nd->default_left;
    return nd->left + !(v < nd->value);
}

float tg_model__forest_margin(const tg_model__forest *f, const float *x)
{
    float m = f->base_margin;
    for (size_t t = 0; t < f->ntrees; t++) {
        int32_t i = f->roots[t];
        while (f->nodes[i].left >= 0)
            i = next_node(&f->nodes[i], x);
        m += f->nodes[i].value;
    }
    return m;
}

float tg_model__sigmoid(float x)
{
    /* common::Sigmoid of XGBoost 1.7: clamped so expf cannot overflow. */
    const float eps = 1e-16f;
    float e = -x < 88.7f ? -x : 88.7f;
    return 1.0f / (expf(e) + 1.0f + eps);
}

void tg_model__forest_contribs(const tg_model__forest *f, const float *x, float *contrib)
{
    float tree[TG_FEAT__COUNT];
    bool touched[TG_FEAT__COUNT];
    int list[TG_FEAT__COUNT];
    memset(contrib, 0, (TG_FEAT__COUNT + 1) * sizeof *contrib);
    memset(tree, 0, sizeof tree);
    memset(touched, 0, sizeof touched);
    for (size_t t = 0; t < f->ntrees; t++) {
        int32_t i = f->roots[t];
        int nl = 0;
        float node_value = f->mean[i];
        contrib[TG_FEAT__COUNT] += node_value;
        while (f->nodes[i].left >= 0) {
            int feat = f->nodes[i].feature;
            i = next_node(&f->nodes[i], x);
            tree[feat] += f->mean[i] - node_value;
            node_value = f->mean[i];
            if (!touched[feat]) {
                touched[feat] = true;
                list[nl++] = feat;
            }
        }
        /* (XGBoost then adds leaf - mean of the leaf to the last split's
         * feature: zero, as a leaf's mean is its value.) */
        for (int k = 0; k < nl; k++) {
            contrib[list[k]] += tree[list[k]];
            tree[list[k]] = 0;
            touched[list[k]] = false;
        }
    }
    contrib[TG_FEAT__COUNT] += f->base_margin;
}
