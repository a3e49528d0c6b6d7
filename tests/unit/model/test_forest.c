/*
 * model/forest.c: the trees evaluated in C give XGBoost's own floats -
 * probabilities and approximate (Saabas) contributions - on thousands of
 * rows with missing values and values sitting exactly on split thresholds;
 * models it does not reproduce are declined; tg_model predicts the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xgboost/c_api.h>

#include "model/model_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#define NF TG_FEAT__COUNT
#define NTRAIN 4000
#define NTEST 5000

static uint64_t rng = 88172645463325252ull;

static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* Rows like ours: some missing, some integer-valued (ties on thresholds). */
static void fill_rows(float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float *r = x + i * NF;
        for (int j = 0; j < NF; j++) {
            double u = unif();
            if (u < 0.12)
                r[j] = NAN;
            else if (j % 3 == 0)
                r[j] = (float)floor(unif() * 20);
            else
                r[j] = (float)(unif() * 4 - 2);
        }
        if (y) {
            double z = (isnan(r[1]) ? 0.5 : r[1]) - 0.1 * (isnan(r[3]) ? 5 : r[3]) +
                       (isnan(r[7]) ? 0 : r[7] * r[8] * (isnan(r[8]) ? 0 : 1)) + unif() * 2 - 1;
            y[i] = z > 0 ? 1.0f : 0.0f;
        }
    }
}

typedef struct fixture {
    BoosterHandle h;
    DMatrixHandle dtrain, dtest;
    float *xtest;
    tg_model__forest *forest;
} fixture;

static BoosterHandle train(DMatrixHandle d, const char *const (*params)[2], int rounds)
{
    BoosterHandle h;
    assert_int_equal(XGBoosterCreate(&d, 1, &h), 0);
    for (int i = 0; params[i][0]; i++)
        assert_int_equal(XGBoosterSetParam(h, params[i][0], params[i][1]), 0);
    for (int it = 0; it < rounds; it++)
        assert_int_equal(XGBoosterUpdateOneIter(h, it, d), 0);
    return h;
}

static int load_forest_of(BoosterHandle h, tg_model__forest **f)
{
    bst_ulong len;
    const char *buf;
    assert_int_equal(XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &len, &buf), 0);
    return tg_model__forest_load(f, buf, (size_t)len);
}

static int setup(void **state)
{
    static const char *const params[][2] = {{"objective", "binary:logistic"},
                                            {"max_depth", "6"},
                                            {"eta", "0.3"},
                                            {"subsample", "0.8"},
                                            {"colsample_bytree", "0.8"},
                                            {"tree_method", "hist"},
                                            {"nthread", "1"},
                                            {"seed", "7"},
                                            {"base_score", "0.3"},
                                            {"scale_pos_weight", "3"},
                                            {"min_child_weight", "2"},
                                            {NULL, NULL}};
    fixture *fx = calloc(1, sizeof *fx);
    float *x = malloc(NTRAIN * NF * sizeof *x), *y = malloc(NTRAIN * sizeof *y);
    fx->xtest = malloc(NTEST * NF * sizeof *fx->xtest);
    assert_non_null(fx->xtest);
    fill_rows(x, y, NTRAIN);
    assert_int_equal(XGDMatrixCreateFromMat(x, NTRAIN, NF, NAN, &fx->dtrain), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(fx->dtrain, "label", y, NTRAIN), 0);
    fx->h = train(fx->dtrain, params, 80);
    assert_int_equal(load_forest_of(fx->h, &fx->forest), TG_OK);
    /* test rows: fresh ones, and a quarter with a value set to a split threshold */
    fill_rows(fx->xtest, NULL, NTEST);
    for (size_t i = 0; i < NTEST; i += 4) {
        const tg_model__node *nd = &fx->forest->nodes[(size_t)(unif() * fx->forest->nnodes)];
        if (nd->left >= 0)
            fx->xtest[i * NF + nd->feature] = nd->value;
    }
    assert_int_equal(XGDMatrixCreateFromMat(fx->xtest, NTEST, NF, NAN, &fx->dtest), 0);
    free(x);
    free(y);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    tg_model__forest_free(&fx->forest);
    assert_null(fx->forest);
    XGBoosterFree(fx->h);
    XGDMatrixFree(fx->dtrain);
    XGDMatrixFree(fx->dtest);
    free(fx->xtest);
    free(fx);
    return 0;
}

static void test_forest__same_probabilities_as_xgboost(void **state)
{
    fixture *fx = *state;
    bst_ulong len;
    const float *res;
    assert_int_equal(fx->forest->ntrees, 80);
    assert_int_equal(XGBoosterPredict(fx->h, fx->dtest, 0, 0, 0, &len, &res), 0);
    assert_int_equal(len, NTEST);
    size_t differ = 0, mid = 0;
    for (size_t i = 0; i < NTEST; i++) {
        float p = tg_model__sigmoid(tg_model__forest_margin(fx->forest, fx->xtest + i * NF));
        differ += memcmp(&p, &res[i], sizeof p) != 0;
        mid += res[i] > 0.05f && res[i] < 0.95f;
        if (differ == 1 && memcmp(&p, &res[i], sizeof p) != 0)
            print_message("row %zu: forest %.9g xgboost %.9g\n", i, (double)p, (double)res[i]);
    }
    assert_int_equal(differ, 0);
    assert_true(mid > NTEST / 10); /* not a degenerate model */
    /* and the margins (output_margin = 1) */
    assert_int_equal(XGBoosterPredict(fx->h, fx->dtest, 1, 0, 0, &len, &res), 0);
    for (size_t i = 0; i < NTEST; i++) {
        float mg = tg_model__forest_margin(fx->forest, fx->xtest + i * NF);
        assert_memory_equal(&mg, &res[i], sizeof mg);
    }
}

static void test_forest__same_contributions_as_xgboost(void **state)
{
    fixture *fx = *state;
    bst_ulong len;
    const float *res;
    /* 4: contributions, 8: approximate (the Saabas path attribution) */
    assert_int_equal(XGBoosterPredict(fx->h, fx->dtest, 4 | 8, 0, 0, &len, &res), 0);
    assert_int_equal(len, (bst_ulong)NTEST * (NF + 1));
    size_t differ = 0, nonzero = 0;
    for (size_t i = 0; i < NTEST; i++) {
        float c[NF + 1];
        tg_model__forest_contribs(fx->forest, fx->xtest + i * NF, c);
        const float *want = res + i * (NF + 1);
        for (int j = 0; j <= NF; j++) {
            if (memcmp(&c[j], &want[j], sizeof c[j]) != 0 && differ++ == 0)
                print_message("row %zu feature %d: forest %.9g xgboost %.9g\n", i, j, (double)c[j],
                              (double)want[j]);
            nonzero += j < NF && c[j] != 0;
        }
    }
    assert_int_equal(differ, 0);
    assert_true(nonzero > NTEST); /* the paths do credit features */
}

static void test_forest__declines_other_models(void **state)
{
    fixture *fx = *state;
    static const char *const multi[][2] = {
        {"objective", "multi:softprob"}, {"num_class", "3"}, {"max_depth", "3"}, {NULL, NULL}};
    static const char *const dart[][2] = {
        {"objective", "binary:logistic"}, {"booster", "dart"}, {"max_depth", "3"}, {NULL, NULL}};
    static const char *const reg[][2] = {
        {"objective", "reg:squarederror"}, {"max_depth", "3"}, {NULL, NULL}};
    float y3[NTRAIN];
    for (int i = 0; i < NTRAIN; i++)
        y3[i] = (float)(i % 3);
    DMatrixHandle d;
    float *x = malloc(NTRAIN * NF * sizeof *x);
    assert_non_null(x);
    fill_rows(x, NULL, NTRAIN);
    assert_int_equal(XGDMatrixCreateFromMat(x, NTRAIN, NF, NAN, &d), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(d, "label", y3, NTRAIN), 0);
    tg_model__forest *f = NULL;
    BoosterHandle h = train(d, multi, 3);
    assert_int_equal(load_forest_of(h, &f), TG_EMODEL);
    assert_null(f);
    XGBoosterFree(h);
    for (int i = 0; i < NTRAIN; i++)
        y3[i] = (float)(i % 2);
    assert_int_equal(XGDMatrixSetFloatInfo(d, "label", y3, NTRAIN), 0);
    h = train(d, dart, 3);
    assert_int_equal(load_forest_of(h, &f), TG_EMODEL);
    XGBoosterFree(h);
    h = train(d, reg, 3);
    assert_int_equal(load_forest_of(h, &f), TG_EMODEL);
    XGBoosterFree(h);
    XGDMatrixFree(d);
    free(x);
    /* not JSON, and a tree whose child points back at the root */
    assert_int_equal(tg_model__forest_load(&f, "{", 1), TG_EMODEL);
    bst_ulong len;
    const char *buf;
    assert_int_equal(XGBoosterSaveModelToBuffer(fx->h, "{\"format\": \"json\"}", &len, &buf), 0);
    char *bad = malloc(len + 1);
    assert_non_null(bad);
    memcpy(bad, buf, len);
    bad[len] = 0;
    char *lc = strstr(bad, "\"left_children\":[");
    assert_non_null(lc);
    lc += strlen("\"left_children\":[");
    assert_true(lc[0] == '1' && lc[1] == ',');
    lc[0] = '0';
    assert_int_equal(tg_model__forest_load(&f, bad, len), TG_EMODEL);
    assert_null(f);
    free(bad);
}

/* tg_model (load from a directory, predict) gives XGBoost's probabilities. */
static void test_forest__model_predict_matches(void **state)
{
    fixture *fx = *state;
    char dir[] = "/tmp/tg_forest_XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/model.json", dir);
    assert_int_equal(XGBoosterSaveModel(fx->h, path), 0);
    snprintf(path, sizeof path, "%s/features.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"features\": [", f);
    for (int i = 0; i < NF; i++)
        fprintf(f, "%s\"%s\"", i ? "," : "", tg_model_feature_name(i));
    fputs("]}\n", f);
    fclose(f);
    tg_model *m = NULL;
    assert_int_equal(tg_model_load_dir(&m, dir), TG_OK);
    double *risk = malloc(NTEST * sizeof *risk);
    assert_non_null(risk);
    assert_int_equal(tg_model_predict(m, fx->xtest, NTEST, risk), TG_OK);
    bst_ulong len;
    const float *res;
    assert_int_equal(XGBoosterPredict(fx->h, fx->dtest, 0, 0, 0, &len, &res), 0);
    for (size_t i = 0; i < NTEST; i++)
        assert_true(risk[i] == (double)res[i]);
    free(risk);
    tg_model_free(&m);
    unlink(path);
    snprintf(path, sizeof path, "%s/model.json", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forest__same_probabilities_as_xgboost),
        cmocka_unit_test(test_forest__same_contributions_as_xgboost),
        cmocka_unit_test(test_forest__declines_other_models),
        cmocka_unit_test(test_forest__model_predict_matches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
