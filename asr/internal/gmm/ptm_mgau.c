//go:build cgo

/* -*- c-basic-offset: 4; indent-tabs-mode: nil -*- */
/* ====================================================================
 * Copyright (c) 1999-2010 Carnegie Mellon University.  All rights
 * reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 *
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer. 
 *
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in
 *    the documentation and/or other materials provided with the
 *    distribution.
 *
 * This work was supported in part by funding from the Defense Advanced 
 * Research Projects Agency and the National Science Foundation of the 
 * United States of America, and the CMU Sphinx Speech Consortium.
 *
 * THIS SOFTWARE IS PROVIDED BY CARNEGIE MELLON UNIVERSITY ``AS IS'' AND 
 * ANY EXPRESSED OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, 
 * THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR
 * PURPOSE ARE DISCLAIMED.  IN NO EVENT SHALL CARNEGIE MELLON UNIVERSITY
 * NOR ITS EMPLOYEES BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
 * SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT 
 * LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, 
 * DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY 
 * THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT 
 * (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE 
 * OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 *
 * ====================================================================
 *
 */

/*
 * voxdial: this is pocketsphinx 5prealpha's src/libpocketsphinx/ptm_mgau.c as
 * Debian 12 builds it (0.8+5prealpha+1-15, its avoid-underflow patch applied),
 * linked into voxdial in place of the copy in libpocketsphinx.a. The scores it
 * computes are the same, bit for bit; what changed is how (see "voxdial:" below):
 * on the first frame the Gaussians are laid out dimension-major in place; an
 * active codebook's Gaussians are then all scored in one vectorised pass instead
 * of one by one with early exit, only the codewords that can enter the top-N are
 * visited, and a senone's mixture weights are read through row pointers gathered
 * once per frame. VOXDIAL_GMM_REFERENCE=1 in the environment of a process makes
 * decoders created after it score as upstream does.
 */

/* System headers */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#include <limits.h>
#include <math.h>
#if defined(__ADSPBLACKFIN__)
#elif !defined(_WIN32_WCE)
#include <sys/types.h>
#endif

/* SphinxBase headers */
#include <sphinx_config.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/fixpoint.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/bio.h>
#include <sphinxbase/err.h>
#include <sphinxbase/prim_type.h>

/* Local headers */
#include "upstream/tied_mgau_common.h"
#include "upstream/ptm_mgau.h"
#include <float.h>
/* voxdial: AVX2 code on x86-64 (chosen at run time); elsewhere the portable
 * loops, which the compiler vectorises for the target's own SIMD. */
#if defined(__x86_64__)
#include <immintrin.h>
#define VX_AVX2 1
#define vx_have_avx2() __builtin_cpu_supports("avx2")
#else
#define VX_AVX2 0
#define vx_have_avx2() 0
#endif

/* voxdial: no fused multiply-add anywhere in this file (a build with
 * -march=haswell would otherwise fuse the scalar path's and the scores would
 * no longer be upstream's, bit for bit). */
#pragma GCC optimize ("fp-contract=off")

static ps_mgaufuncs_t ptm_mgau_funcs = {
    "ptm",
    ptm_mgau_frame_eval,      /* frame_eval */
    ptm_mgau_mllr_transform,  /* transform */
    ptm_mgau_free             /* free */
};

#define COMPUTE_GMM_MAP(_idx)                           \
    diff[_idx] = obs[_idx] - mean[_idx];                \
    sqdiff[_idx] = MFCCMUL(diff[_idx], diff[_idx]);     \
    compl[_idx] = MFCCMUL(sqdiff[_idx], var[_idx]);
#define COMPUTE_GMM_REDUCE(_idx)                \
    d = GMMSUB(d, compl[_idx]);

static void
insertion_sort_topn(ptm_topn_t *topn, int i, int32 d)
{
    ptm_topn_t vtmp;
    int j;

    topn[i].score = d;
    if (i == 0)
        return;
    vtmp = topn[i];
    for (j = i - 1; j >= 0 && d > topn[j].score; j--) {
        topn[j + 1] = topn[j];
    }
    topn[j + 1] = vtmp;
}

static int
eval_topn(ptm_mgau_t *s, int cb, int feat, mfcc_t *z)
{
    ptm_topn_t *topn;
    int i, ceplen;

    topn = s->f->topn[cb][feat];
    ceplen = s->g->featlen[feat];

    for (i = 0; i < s->max_topn; i++) {
        mfcc_t *mean, diff[4], sqdiff[4], compl[4]; /* diff, diff^2, component likelihood */
        mfcc_t *var, d;
        mfcc_t *obs;
        int32 cw, j;

        cw = topn[i].cw;
        mean = s->g->mean[cb][feat][0] + cw * ceplen;
        var = s->g->var[cb][feat][0] + cw * ceplen;
        d = s->g->det[cb][feat][cw];
        obs = z;
        for (j = 0; j < ceplen % 4; ++j) {
            diff[0] = *obs++ - *mean++;
            sqdiff[0] = MFCCMUL(diff[0], diff[0]);
            compl[0] = MFCCMUL(sqdiff[0], *var);
            d = GMMSUB(d, compl[0]);
            ++var;
        }
        /* We could vectorize this but it's unlikely to make much
         * difference as the outer loop here isn't very big. */
        for (;j < ceplen; j += 4) {
            COMPUTE_GMM_MAP(0);
            COMPUTE_GMM_MAP(1);
            COMPUTE_GMM_MAP(2);
            COMPUTE_GMM_MAP(3);
            COMPUTE_GMM_REDUCE(0);
            COMPUTE_GMM_REDUCE(1);
            COMPUTE_GMM_REDUCE(2);
            COMPUTE_GMM_REDUCE(3);
            var += 4;
            obs += 4;
            mean += 4;
        }
        if (d < (mfcc_t)INT_MIN)  /* Redundant if FIXED_POINT */
            insertion_sort_topn(topn, i, INT_MIN);
        else
            insertion_sort_topn(topn, i, (int32)d);
    }

    return topn[0].score;
}

/* This looks bad, but it actually isn't.  Less than 1% of eval_cb's
 * time is spent doing this. */
static void
insertion_sort_cb(ptm_topn_t **cur, ptm_topn_t *worst, ptm_topn_t *best,
                  int cw, int32 intd)
{
    for (*cur = worst - 1; *cur >= best && intd >= (*cur)->score; --*cur)
        memcpy(*cur + 1, *cur, sizeof(**cur));
    ++*cur;
    (*cur)->cw = cw;
    (*cur)->score = intd;
}

static int
eval_cb(ptm_mgau_t *s, int cb, int feat, mfcc_t *z)
{
    ptm_topn_t *worst, *best, *topn;
    mfcc_t *mean;
    mfcc_t *var, *det, *detP, *detE;
    int32 i, ceplen;

    best = topn = s->f->topn[cb][feat];
    worst = topn + (s->max_topn - 1);
    mean = s->g->mean[cb][feat][0];
    var = s->g->var[cb][feat][0];
    det = s->g->det[cb][feat];
    detE = det + s->g->n_density;
    ceplen = s->g->featlen[feat];

    for (detP = det; detP < detE; ++detP) {
        mfcc_t diff[4], sqdiff[4], compl[4]; /* diff, diff^2, component likelihood */
        mfcc_t d, thresh;
        mfcc_t *obs;
        ptm_topn_t *cur;
        int32 cw, j;

        d = *detP;
        thresh = (mfcc_t) worst->score; /* Avoid int-to-float conversions */
        obs = z;
        cw = (int)(detP - det);

        /* Unroll the loop starting with the first dimension(s).  In
         * theory this might be a bit faster if this Gaussian gets
         * "knocked out" by C0. In practice not. */
        for (j = 0; (j < ceplen % 4) && (d >= thresh); ++j) {
            diff[0] = *obs++ - *mean++;
            sqdiff[0] = MFCCMUL(diff[0], diff[0]);
            compl[0] = MFCCMUL(sqdiff[0], *var++);
            d = GMMSUB(d, compl[0]);
        }
        /* Now do 4 dimensions at a time.  You'd think that GCC would
         * vectorize this?  Apparently not.  And it's right, because
         * that won't make this any faster, at least on x86-64. */
        for (; j < ceplen && d >= thresh; j += 4) {
            COMPUTE_GMM_MAP(0);
            COMPUTE_GMM_MAP(1);
            COMPUTE_GMM_MAP(2);
            COMPUTE_GMM_MAP(3);
            COMPUTE_GMM_REDUCE(0);
            COMPUTE_GMM_REDUCE(1);
            COMPUTE_GMM_REDUCE(2);
            COMPUTE_GMM_REDUCE(3);
            var += 4;
            obs += 4;
            mean += 4;
        }
        if (j < ceplen) {
            /* terminated early, so not in topn */
            mean += (ceplen - j);
            var += (ceplen - j);
            continue;
        }
        if (d < thresh)
            continue;
        for (i = 0; i < s->max_topn; i++) {
            /* already there, so don't need to insert */
            if (topn[i].cw == cw)
                break;
        }
        if (i < s->max_topn)
            continue;       /* already there.  Don't insert */
        if (d < (mfcc_t)INT_MIN)  /* Redundant if FIXED_POINT */
            insertion_sort_cb(&cur, worst, best, cw, INT_MIN);
        else
            insertion_sort_cb(&cur, worst, best, cw, (int32)d);
    }

    return best->score;
}


/* voxdial: frames scored by each path (process-wide; the tests read them). */
static unsigned long long vx_frames_fast, vx_frames_reference;

void
vx_gmm_frames(unsigned long long *fast, unsigned long long *reference)
{
    *fast = __atomic_load_n(&vx_frames_fast, __ATOMIC_RELAXED);
    *reference = __atomic_load_n(&vx_frames_reference, __ATOMIC_RELAXED);
}

/* voxdial: with VOXDIAL_GMM_CHECK=1, decoders created afterwards also score
 * every frame's codebooks and senones as upstream does and compare (tests):
 * frames whose senone scores were compared and differed, senones scored
 * eight at a time, frames whose top-N codewords were compared and
 * differed. */
static unsigned long long vx_check_frames, vx_check_differ, vx_group_senones,
    vx_check_cb_frames, vx_check_cb_differ;

void
vx_gmm_check(unsigned long long *frames, unsigned long long *differ,
             unsigned long long *grouped, unsigned long long *cb_frames,
             unsigned long long *cb_differ)
{
    *frames = __atomic_load_n(&vx_check_frames, __ATOMIC_RELAXED);
    *differ = __atomic_load_n(&vx_check_differ, __ATOMIC_RELAXED);
    *grouped = __atomic_load_n(&vx_group_senones, __ATOMIC_RELAXED);
    *cb_frames = __atomic_load_n(&vx_check_cb_frames, __ATOMIC_RELAXED);
    *cb_differ = __atomic_load_n(&vx_check_cb_differ, __ATOMIC_RELAXED);
}

int
vx_gmm_avx2(void)
{
    return vx_have_avx2();
}

static int32
clamp_score(mfcc_t d)
{
    if (d < (mfcc_t)INT_MIN)  /* as eval_topn and eval_cb do */
        return INT_MIN;
    return (int32)d;
}

/* Turns each codebook's and feature's Gaussians between upstream's layout
 * (codeword-major: mean[cw * len + j]) and dimension-major (mean[j * n + cw]),
 * in place, so one pass scores every codeword of a codebook with SIMD without
 * a second copy of the model (1.6 MB per decoder). Only the vectorised path
 * reads the dimension-major layout; a transform turns it back first. */
static void
vx_transpose(ptm_mgau_t *s, int to_dim_major)
{
    int cb, f, cw, j, n = s->g->n_density, maxlen = 0;
    float *tmp;

    for (f = 0; f < s->g->n_feat; ++f)
        if (s->g->featlen[f] > maxlen)
            maxlen = s->g->featlen[f];
    tmp = ckd_calloc((size_t)n * maxlen, sizeof(float));
    for (cb = 0; cb < s->g->n_mgau; ++cb)
        for (f = 0; f < s->g->n_feat; ++f) {
            int len = s->g->featlen[f], k;
            float *blocks[2] = {s->g->mean[cb][f][0], s->g->var[cb][f][0]};
            for (k = 0; k < 2; ++k) {
                float *b = blocks[k];
                for (cw = 0; cw < n; ++cw)
                    for (j = 0; j < len; ++j) {
                        if (to_dim_major)
                            tmp[j * n + cw] = b[cw * len + j];
                        else
                            tmp[cw * len + j] = b[j * n + cw];
                    }
                memcpy(b, tmp, (size_t)n * len * sizeof(float));
            }
        }
    ckd_free(tmp);
    s->dim_major = to_dim_major;
}

/* eval_topn on the dimension-major layout: the previous frame's top-N
 * codewords rescored, the same operations in the same order. */
static void
vx_eval_topn(ptm_mgau_t *s, int cb, int feat, mfcc_t *z)
{
    ptm_topn_t *topn = s->f->topn[cb][feat];
    int i, j, n = s->g->n_density, len = s->g->featlen[feat];
    const float *m = s->g->mean[cb][feat][0], *v = s->g->var[cb][feat][0];

    for (i = 0; i < s->max_topn; i++) {
        int cw = topn[i].cw;
        mfcc_t d = s->g->det[cb][feat][cw];
        for (j = 0; j < len; ++j) {
            mfcc_t diff = z[j] - m[j * n + cw];
            mfcc_t sq = diff * diff;
            mfcc_t c = sq * v[j * n + cw];
            d = d - c;
        }
        insertion_sort_topn(topn, i, clamp_score(d));
    }
}

/* Every codeword's density: the operations of eval_topn and eval_cb in the
 * same order (d -= ((z - m) * (z - m)) * v, one dimension after another, no
 * fused multiply-add), so each score is the one upstream computes. Upstream
 * stops a codeword early once it cannot enter the top-N; scoring all 128 of
 * them eight at a time costs less than the branches. */
__attribute__((optimize("O3", "fp-contract=off")))
static void
vx_score_all_generic(const float *restrict m, const float *restrict v,
                  const float *restrict det, const float *restrict z,
                  int len, int n, float *restrict out)
{
    int j, k;

    for (k = 0; k < n; ++k)
        out[k] = det[k];
    for (j = 0; j < len; ++j) {
        float zj = z[j];
        const float *mj = m + j * n, *vj = v + j * n;
        for (k = 0; k < n; ++k) {
            float diff = zj - mj[k];
            float sq = diff * diff;
            float c = sq * vj[k];
            out[k] = out[k] - c;
        }
    }
}

#define VX_MASK_WORDS 8

/* The least score a codeword may have and still end in the top-N, from the
 * eight lane maxima (1 <= topn <= 8): their topn-th largest, L, is scored by
 * topn distinct codewords, so the top-N's worst score is at least L; and as
 * the top-N ranks by clamp_score (truncated towards zero), a codeword whose
 * integer score ties with L's may enter it too: anything from
 * clamp_score(L) - 1 on is kept. */
static float
vx_topn_floor(float lane[8], int topn)
{
    int i, j;
    for (i = 1; i < 8; ++i) {   /* insertion sort, largest first */
        float x = lane[i];
        for (j = i; j > 0 && lane[j - 1] < x; --j)
            lane[j] = lane[j - 1];
        lane[j] = x;
    }
    return (float)clamp_score(lane[topn - 1]) - 1.0f;
}

/* AVX2: vx_score_all_generic and vx_mark_generic (below) in one: eight
 * codewords at a time, the running sum in a register (the operations of
 * vx_score_all_generic, in its order). n: a multiple of 8, at most
 * 64 * VX_MASK_WORDS. */
#if VX_AVX2
__attribute__((target("avx2")))
static void
vx_score_mark_avx2(const float *restrict m, const float *restrict v,
                   const float *restrict det, const float *restrict z,
                   int len, int n, float *restrict out, uint64 *mask,
                   int topn)
{
    __m256 mx = _mm256_set1_ps(-FLT_MAX), lo;
    float lane[8];
    int j, k;

    for (k = 0; k < n; k += 8) {
        __m256 d = _mm256_loadu_ps(det + k);
        for (j = 0; j < len; ++j) {
            __m256 diff = _mm256_sub_ps(_mm256_set1_ps(z[j]),
                                        _mm256_loadu_ps(m + j * n + k));
            __m256 sq = _mm256_mul_ps(diff, diff);
            __m256 c = _mm256_mul_ps(sq, _mm256_loadu_ps(v + j * n + k));
            d = _mm256_sub_ps(d, c);
        }
        _mm256_storeu_ps(out + k, d);
        mx = _mm256_max_ps(mx, d);
    }
    _mm256_storeu_ps(lane, mx);
    lo = _mm256_set1_ps(vx_topn_floor(lane, topn));
    for (k = 0; k < n; k += 8) {
        uint64 bits = (uint32)_mm256_movemask_ps(
            _mm256_cmp_ps(_mm256_loadu_ps(out + k), lo, _CMP_GE_OQ));
        mask[k / 64] |= bits << (k % 64);
    }
}
#endif

/* Marks (bit cw of mask) the codewords that can be in the top-N once every
 * codeword is in: those at or above vx_topn_floor of the eight lane
 * maxima. A codeword that is inserted and later pushed
 * out changes neither the set nor the order the others end in (it only
 * pushes out codewords worse than itself). n: a multiple of 8. */
__attribute__((optimize("O3")))
static void
vx_mark_generic(const float *restrict out, int n, uint64 *mask, int topn)
{
    float lane[8], lo;
    int k, l;

    for (l = 0; l < 8; ++l)
        lane[l] = out[l];
    for (k = 8; k < n; k += 8)
        for (l = 0; l < 8; ++l)
            lane[l] = out[k + l] > lane[l] ? out[k + l] : lane[l];
    lo = vx_topn_floor(lane, topn);
    for (k = 0; k < n; ++k)
        if (out[k] >= lo)
            mask[k / 64] |= (uint64)1 << (k % 64);
}

/* eval_topn, then eval_cb, for one active codebook and feature, read from
 * the scores of all its codewords: the same top-N in the same order. */
static int
vx_eval_cb(ptm_mgau_t *s, int cb, int feat, mfcc_t *z, int avx2)
{
    ptm_topn_t *topn = s->f->topn[cb][feat], *worst = topn + (s->max_topn - 1);
    int i, w, n = s->g->n_density;
    float *sc = s->scores;
    uint64 mask[VX_MASK_WORDS] = {0};
    mfcc_t thresh;

#if VX_AVX2
    if (avx2)
        vx_score_mark_avx2(s->g->mean[cb][feat][0], s->g->var[cb][feat][0],
                           s->g->det[cb][feat], z, s->g->featlen[feat], n, sc, mask,
                           s->max_topn);
    else
#endif
    {
        vx_score_all_generic(s->g->mean[cb][feat][0], s->g->var[cb][feat][0],
                             s->g->det[cb][feat], z, s->g->featlen[feat], n, sc);
        vx_mark_generic(sc, n, mask, s->max_topn);
    }
    (void)avx2;

    for (i = 0; i < s->max_topn; i++)
        insertion_sort_topn(topn, i, clamp_score(sc[topn[i].cw]));
    thresh = (mfcc_t)worst->score;
    for (w = 0; w < n / 64 + (n % 64 != 0); ++w) {
        uint64 bits = mask[w];
        while (bits) {
            ptm_topn_t *cur;
            int cw = w * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            if (sc[cw] < thresh)
                continue;
            for (i = 0; i < s->max_topn; i++)
                if (topn[i].cw == cw)
                    break;
            if (i < s->max_topn)
                continue; /* already there */
            insertion_sort_cb(&cur, worst, topn, cw, clamp_score(sc[cw]));
            thresh = (mfcc_t)worst->score;
        }
    }
    return topn[0].score;
}

/* voxdial: a decoder decodes an utterance more than once — the open words,
 * then the grammar over the same audio (asr.sphinxWorker.decodeOpenFirst) —
 * and each pass searched every active codebook of every frame again. Its
 * features are the same bit for bit (the same samples, the same front end
 * restarted, batch CMN), so an active codebook's top-N is too: the cache
 * keeps each frame's features and the top-N of the codebooks searched in it,
 * and a later pass whose frame has the same features takes them instead of
 * searching. A frame with other features (another utterance, the shorter
 * audio of a decode voided by more speech) replaces the entry. The top-N is
 * taken before the per-frame normalisation, which depends on the pass's
 * active codebooks. vx_gmm_cache_reset empties it when new audio starts, so
 * a decode's cost never depends on an earlier utterance's.
 *
 * Frames held at most: the longest utterance the recogniser decodes (15 s)
 * and its 300 ms pre-roll at 100 frames a second. A frame costs about 4 KB
 * with the en-US model (42 codebooks, 3 streams, top 4): 1.4 MB for a 3 s
 * answer, 6.7 MB at most, per decoder. */
#define VX_CACHE_MAX_FRAMES 1600

static unsigned long long vx_cache_hits, vx_cache_misses;

void
vx_gmm_cache_counts(unsigned long long *hits, unsigned long long *misses)
{
    *hits = __atomic_load_n(&vx_cache_hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&vx_cache_misses, __ATOMIC_RELAXED);
}

/* vx_cache_frame returns the cache slot of frame, its features checked
 * (and the slot emptied when they differ), or -1 for no caching. */
static int
vx_cache_frame(ptm_mgau_t *s, mfcc_t **z, int frame)
{
    int j, off, same;
    float *feat;

    if (s->cache_off || frame < 0 || frame >= VX_CACHE_MAX_FRAMES)
        return -1;
    if (frame >= s->cache_cap) {
        /* A quarter more than this frame needs: an utterance's frames come
         * one by one, and most answers are a few seconds long. */
        int cap = frame + 1 + (frame + 1) / 4;
        size_t row = (size_t)s->g->n_mgau * s->g->n_feat * s->max_topn;
        if (cap < 256)
            cap = 256;
        if (cap > VX_CACHE_MAX_FRAMES)
            cap = VX_CACHE_MAX_FRAMES;
        if (s->cache_flen == 0) {
            for (j = 0; j < s->g->n_feat; ++j)
                s->cache_flen += s->g->featlen[j];
            s->cache_words = (s->g->n_mgau + 63) / 64;
        }
        s->cache_feat = ckd_realloc(s->cache_feat, (size_t)cap * s->cache_flen * sizeof(float));
        s->cache_topn = ckd_realloc(s->cache_topn, (size_t)cap * row * sizeof(ptm_topn_t));
        s->cache_have = ckd_realloc(s->cache_have, (size_t)cap * s->cache_words * sizeof(uint64));
        s->cache_valid = ckd_realloc(s->cache_valid, (size_t)cap);
        memset(s->cache_valid + s->cache_cap, 0, (size_t)(cap - s->cache_cap));
        s->cache_cap = cap;
    }
    feat = s->cache_feat + (size_t)frame * s->cache_flen;
    same = s->cache_valid[frame];
    for (off = 0, j = 0; same && j < s->g->n_feat; off += s->g->featlen[j], ++j)
        same = memcmp(feat + off, z[j], s->g->featlen[j] * sizeof(float)) == 0;
    if (!same) {
        for (off = 0, j = 0; j < s->g->n_feat; off += s->g->featlen[j], ++j)
            memcpy(feat + off, z[j], s->g->featlen[j] * sizeof(float));
        memset(s->cache_have + (size_t)frame * s->cache_words, 0, s->cache_words * sizeof(uint64));
        s->cache_valid[frame] = 1;
    }
    return frame;
}

static int
vx_cache_has(ptm_mgau_t *s, int cf, int cb)
{
    return (s->cache_have[(size_t)cf * s->cache_words + cb / 64] >> (cb % 64)) & 1;
}

static void
vx_cache_clear(ptm_mgau_t *s)
{
    if (s->cache_valid != NULL)
        memset(s->cache_valid, 0, (size_t)s->cache_cap);
}

/* vx_gmm_cache_reset empties the cache of ps's acoustic model (when it is
 * this file's): the audio about to be decoded is new. */
void
vx_gmm_cache_reset(void *ps)
{
    ps_decoder_t *d = ps;
    if (d == NULL || d->acmod == NULL || d->acmod->mgau == NULL
        || d->acmod->mgau->vt != &ptm_mgau_funcs)
        return;
    vx_cache_clear((ptm_mgau_t *)d->acmod->mgau);
}

/* Upstream's top-N search (the model in its own layout): the previous
 * frame's top-N rescored, then every active codebook searched. */
static void
upstream_codebook_eval(ptm_mgau_t *s, mfcc_t **z, int frame)
{
    int i, j;

    /* First evaluate top-N from previous frame. */
    for (i = 0; i < s->g->n_mgau; ++i)
        for (j = 0; j < s->g->n_feat; ++j)
            eval_topn(s, i, j, z[j]);

    /* If frame downsampling is in effect, possibly do nothing else. */
    if (frame % s->ds_ratio)
        return;

    /* Evaluate remaining codebooks. */
    for (i = 0; i < s->g->n_mgau; ++i) {
        if (bitvec_is_clear(s->f->mgau_active, i))
            continue;
        for (j = 0; j < s->g->n_feat; ++j) {
            eval_cb(s, i, j, z[j]);
        }
    }
}

/**
 * Compute top-N densities for active codebooks (and prune)
 */
static int
ptm_mgau_codebook_eval(ptm_mgau_t *s, mfcc_t **z, int frame)
{
    int i, j;

    /* voxdial: without frame downsampling, an active codebook's top-N comes
     * from scoring all its codewords at once; an inactive one's is the
     * previous frame's top-N rescored, as upstream. */
    if (s->vectorised) {
        int avx2 = !s->portable && vx_have_avx2();
        size_t nt = (size_t)s->g->n_mgau * s->g->n_feat * s->max_topn;
        ptm_topn_t *topn = s->f->topn[0][0];
        if (!s->dim_major)
            vx_transpose(s, 1);
        if (s->scores == NULL)
            s->scores = ckd_calloc(s->g->n_density, sizeof(*s->scores));
        if (s->check) {
            /* The previous frame's top-N, for upstream's turn below. */
            if (s->checktopn == NULL)
                s->checktopn = ckd_calloc(2 * nt, sizeof(*s->checktopn));
            memcpy(s->checktopn, topn, nt * sizeof(*topn));
        }
        int cf = s->check ? -1 : vx_cache_frame(s, z, frame);
        size_t row = (size_t)s->g->n_feat * s->max_topn;
        unsigned long long hits = 0, misses = 0; /* one atomic add a frame */
        for (i = 0; i < s->g->n_mgau; ++i) {
            int active = bitvec_is_set(s->f->mgau_active, i);
            if (active && cf >= 0 && vx_cache_has(s, cf, i)) {
                /* This pass's frame is the last pass's: its top-N, found by
                 * the same search over the same features. */
                memcpy(s->f->topn[i][0], s->cache_topn + ((size_t)cf * s->g->n_mgau + i) * row,
                       row * sizeof(ptm_topn_t));
                hits++;
                continue;
            }
            for (j = 0; j < s->g->n_feat; ++j) {
                if (active)
                    vx_eval_cb(s, i, j, z[j], avx2);
                else
                    vx_eval_topn(s, i, j, z[j]);
            }
            if (active && cf >= 0) {
                memcpy(s->cache_topn + ((size_t)cf * s->g->n_mgau + i) * row, s->f->topn[i][0],
                       row * sizeof(ptm_topn_t));
                s->cache_have[(size_t)cf * s->cache_words + i / 64] |= 1ULL << (i % 64);
                misses++;
            }
        }
        if (hits)
            __atomic_add_fetch(&vx_cache_hits, hits, __ATOMIC_RELAXED);
        if (misses)
            __atomic_add_fetch(&vx_cache_misses, misses, __ATOMIC_RELAXED);
        if (s->check) {
            /* Upstream's top-N from the same start, in upstream's layout. */
            ptm_topn_t *fast = s->checktopn + nt;
            memcpy(fast, topn, nt * sizeof(*topn));
            memcpy(topn, s->checktopn, nt * sizeof(*topn));
            vx_transpose(s, 0);
            upstream_codebook_eval(s, z, frame);
            vx_transpose(s, 1);
            __atomic_add_fetch(&vx_check_cb_frames, 1, __ATOMIC_RELAXED);
            if (memcmp(fast, topn, nt * sizeof(*topn)) != 0)
                __atomic_add_fetch(&vx_check_cb_differ, 1, __ATOMIC_RELAXED);
        }
        return 0;
    }
    upstream_codebook_eval(s, z, frame);
    return 0;
}

/**
 * Normalize densities to produce "posterior probabilities",
 * i.e. things with a reasonable dynamic range, then scale and
 * clamp them to the acceptable range.  This is actually done
 * solely to ensure that we can use fast_logmath_add().  Note that
 * unless we share the same normalizer across all codebooks for
 * each feature stream we get defective scores (that's why these
 * loops are inside out - doing it per-feature should give us
 * greater precision). */
static int
ptm_mgau_codebook_norm(ptm_mgau_t *s, mfcc_t **z, int frame)
{
    int i, j;

    for (j = 0; j < s->g->n_feat; ++j) {
        int32 norm = WORST_SCORE;
        for (i = 0; i < s->g->n_mgau; ++i) {
            if (bitvec_is_clear(s->f->mgau_active, i))
                continue;
            if (norm < s->f->topn[i][j][0].score >> SENSCR_SHIFT)
                norm = s->f->topn[i][j][0].score >> SENSCR_SHIFT;
        }
        for (i = 0; i < s->g->n_mgau; ++i) {
            int32 k;
            if (bitvec_is_clear(s->f->mgau_active, i))
                continue;
            for (k = 0; k < s->max_topn; ++k) {
                s->f->topn[i][j][k].score >>= SENSCR_SHIFT;
                s->f->topn[i][j][k].score -= norm;
                s->f->topn[i][j][k].score = -s->f->topn[i][j][k].score;
                if (s->f->topn[i][j][k].score > MAX_NEG_ASCR) 
                    s->f->topn[i][j][k].score = MAX_NEG_ASCR;
            }
        }
    }

    return 0;
}

static int
ptm_mgau_calc_cb_active(ptm_mgau_t *s, uint8 *senone_active,
                        int32 n_senone_active, int compallsen)
{
    int i, lastsen;

    if (compallsen) {
        bitvec_set_all(s->f->mgau_active, s->g->n_mgau);
        return 0;
    }
    bitvec_clear_all(s->f->mgau_active, s->g->n_mgau);
    for (lastsen = i = 0; i < n_senone_active; ++i) {
        int sen = senone_active[i] + lastsen;
        int cb = s->sen2cb[sen];
        bitvec_set(s->f->mgau_active, cb);
        lastsen = sen;
    }
    E_DEBUG(1, ("Active codebooks:"));
    for (i = 0; i < s->g->n_mgau; ++i) {
        if (bitvec_is_clear(s->f->mgau_active, i))
            continue;
        E_DEBUGCONT(1, (" %d", i));
    }
    E_DEBUGCONT(1, ("\n"));
    return 0;
}

/**
 * Compute senone scores from top-N densities for active codebooks.
 */
/* voxdial: the senone scores of ptm_mgau_senone_eval_reference below, the
 * same arithmetic in the same order, with each codebook's top-N
 * mixture-weight rows looked up once per frame rather than once per senone
 * (three pointer loads fewer per term). */
static int
ptm_mgau_senone_eval_reference(ptm_mgau_t *s, int16 *senone_scores,
                               uint8 *senone_active, int32 n_senone_active,
                               int compall);

#define VX_MAX_TOPN 8
#define VX_LUT 512

/* senone_scores[i] -= best for every senone, sixteen at a time: int16
 * arithmetic wraps as upstream's int16 store of the int difference does. */
#define VX_NORMALIZE                                                    \
    int16 b = (int16)best;                                              \
    int i;                                                              \
    for (i = 0; i < n; ++i)                                             \
        sc[i] = (int16)(sc[i] - b);

#if VX_AVX2
__attribute__((target("avx2"), optimize("O3")))
static void
vx_normalize_avx2(int16 *restrict sc, int n, int best)
{
    VX_NORMALIZE
}
#endif

__attribute__((optimize("O3")))
static void
vx_normalize_generic(int16 *restrict sc, int n, int best)
{
    VX_NORMALIZE
}

/* One senone's score from its codebook's top-N rows (r, sc: n_feat * topn_n
 * of each): upstream's terms and log-additions in upstream's order.
 * fast_logmath_add(lmath_8b, a, b) is min(a, b) - table[|a - b|]; lut is
 * that table as int32 (|a - b| stays under 256 here — terms are at most
 * MAX_NEG_MIXW + MAX_NEG_ASCR — and the table never has fewer entries). */
static inline int
vx_senone_score(uint8 *const *r, int32 const *sc, int sen, int n_feat,
                int topn_n, int32 const *lut)
{
    int x[VX_MAX_TOPN] = {0}; /* one feature's top-N terms */
    int ascore = 0, f, j;

    for (f = 0; f < n_feat; ++f, r += topn_n, sc += topn_n) {
        int fden;
        /* All loads first: only the log-additions depend on each other. */
#pragma GCC unroll 8
        for (j = 0; j < topn_n; ++j)
            x[j] = r[j][sen] + sc[j];
        fden = x[0];
#pragma GCC unroll 8
        for (j = 1; j < topn_n; ++j) {
            int d, lo;
            if (fden > x[j]) {
                d = fden - x[j];
                lo = x[j];
            }
            else {
                d = x[j] - fden;
                lo = fden;
            }
            fden = lo - lut[d];
        }
        ascore += fden;
    }
    return ascore;
}

#if VX_AVX2
/* lut[d] for eight d (0 <= d < 256) from the table's first 32 entries (t0,
 * t1: entries 0-15 and 16-31 in both halves), the rest being zero
 * (s->lut32): two in-register byte shuffles instead of a gather. */
__attribute__((target("avx2")))
static inline __m256i
vx_lut_avx2(__m256i d, __m256i t0, __m256i t1)
{
    __m256i m = _mm256_set1_epi32(0xff);
    __m256i r0 = _mm256_and_si256(_mm256_shuffle_epi8(t0, d), m);
    __m256i r1 = _mm256_and_si256(_mm256_shuffle_epi8(t1, d), m);
    __m256i lt16 = _mm256_cmpgt_epi32(_mm256_set1_epi32(16), d);
    __m256i lt32 = _mm256_cmpgt_epi32(_mm256_set1_epi32(32), d);
    return _mm256_and_si256(_mm256_blendv_epi8(r1, r0, lt16), lt32);
}

/* One term's mixture weights for eight senones of row r: from one 16-byte
 * load when they lie within 16 senones (ix: their offsets from sens[0]),
 * else a four-byte gather ending at each (so nothing past the row's end is
 * read; sens[0] >= 3). */
#define VX_WEIGHTS(r)                                                       \
    (near ? _mm256_cvtepu8_epi32(_mm_shuffle_epi8(                          \
                _mm_loadu_si128((__m128i const *)((r) + s0)), ix))          \
          : _mm256_srli_epi32(                                              \
                _mm256_i32gather_epi32((int const *)((r) - 3), sv, 1), 24))

/* fast_logmath_add for eight lanes: min(a, b) - lut[|a - b|]. */
#define VX_LOGADD(a, b)                                                     \
    _mm256_sub_epi32(_mm256_min_epi32(a, b),                               \
                     vx_lut_avx2(_mm256_abs_epi32(_mm256_sub_epi32(a, b)),  \
                                 t0, t1))

/* vx_senone_score for eight senones of one codebook (sens: ascending, each
 * at least 3, each under n_sen) with a top-N of four, eight lanes at a
 * time, the log-add table's nonzero entries among its first 32. Stores the
 * scores and returns the least of best and them. */
__attribute__((target("avx2")))
static int
vx_senone_group_avx2(uint8 *const *r, int32 const *sc, int32 const *sens,
                     int n_feat, int n_sen, uint8 const *lut32,
                     int16 *senone_scores, int best)
{
    __m256i sv = _mm256_loadu_si256((__m256i const *)sens);
    __m256i acc = _mm256_setzero_si256(), mn;
    __m256i t0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((__m128i const *)lut32));
    __m256i t1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((__m128i const *)(lut32 + 16)));
    __m128i ix = _mm_set1_epi8((char)0x80);
    int32 out[8];
    int f, l, s0 = sens[0];
    int near = sens[7] - s0 < 16 && s0 + 16 <= n_sen;

    if (near) {
        uint8 b[16];
        for (l = 0; l < 16; ++l)
            b[l] = l < 8 ? (uint8)(sens[l] - s0) : 0x80;
        ix = _mm_loadu_si128((__m128i const *)b);
    }
    for (f = 0; f < n_feat; ++f, r += 4, sc += 4) {
        __m256i x0 = _mm256_add_epi32(VX_WEIGHTS(r[0]), _mm256_set1_epi32(sc[0]));
        __m256i x1 = _mm256_add_epi32(VX_WEIGHTS(r[1]), _mm256_set1_epi32(sc[1]));
        __m256i x2 = _mm256_add_epi32(VX_WEIGHTS(r[2]), _mm256_set1_epi32(sc[2]));
        __m256i x3 = _mm256_add_epi32(VX_WEIGHTS(r[3]), _mm256_set1_epi32(sc[3]));
        __m256i fden = VX_LOGADD(x0, x1);
        fden = VX_LOGADD(fden, x2);
        fden = VX_LOGADD(fden, x3);
        acc = _mm256_add_epi32(acc, fden);
    }
    _mm256_storeu_si256((__m256i *)out, acc);
    mn = _mm256_min_epi32(acc, _mm256_shuffle_epi32(acc, 0x4e));
    mn = _mm256_min_epi32(mn, _mm256_shuffle_epi32(mn, 0xb1));
    mn = _mm256_min_epi32(mn, _mm256_permute2x128_si256(mn, mn, 1));
    for (l = 0; l < 8; ++l)
        senone_scores[sens[l]] = (int16)out[l];
    l = _mm256_cvtsi256_si32(mn);
    return l < best ? l : best;
}
#undef VX_WEIGHTS
#undef VX_LOGADD
#endif

static int
ptm_mgau_senone_eval(ptm_mgau_t *s, int16 *senone_scores,
                     uint8 *senone_active, int32 n_senone_active,
                     int compall)
{
    int i, lastsen, bestscore, cb, f, j, avx2 = 0;
    int n_feat = s->g->n_feat, topn_n = s->max_topn;
    int32 const *lut = s->lut;
    int32 *sens = s->sens;
    uint8 **rows;
    int32 *score;

    if (s->reference || s->mixw_cb || topn_n > VX_MAX_TOPN)
        return ptm_mgau_senone_eval_reference(s, senone_scores, senone_active,
                                              n_senone_active, compall);
    __atomic_add_fetch(&vx_frames_fast, 1, __ATOMIC_RELAXED);
#if VX_AVX2
    avx2 = topn_n == 4 && s->lut32 != NULL && !s->portable && vx_have_avx2();
#endif
    if (s->rows == NULL) {
        s->rows = ckd_calloc(s->g->n_mgau * n_feat * topn_n, sizeof(*s->rows));
        s->rowscore = ckd_calloc(s->g->n_mgau * n_feat * topn_n,
                                 sizeof(*s->rowscore));
    }
    rows = s->rows;
    score = s->rowscore;
    for (cb = 0; cb < s->g->n_mgau; ++cb)
        for (f = 0; f < n_feat; ++f)
            for (j = 0; j < topn_n; ++j) {
                int k = (cb * n_feat + f) * topn_n + j;
                rows[k] = s->mixw[f][s->f->topn[cb][f][j].cw];
                score[k] = s->f->topn[cb][f][j].score;
            }

    memset(senone_scores, 0, s->n_sen * sizeof(*senone_scores));
    if (compall)
        n_senone_active = s->n_sen;
    for (lastsen = i = 0; i < n_senone_active; ++i) {
        int sen = compall ? i : senone_active[i] + lastsen;
        sens[i] = lastsen = sen;
    }
    bestscore = 0x7fffffff;
    for (i = 0; i < n_senone_active;) {
        int sen = sens[i], ascore, k;

        cb = s->sen2cb[sen];
        k = cb * n_feat * topn_n;
#if VX_AVX2
        /* Up to eight in one run share the codebook's rows: nothing to look
         * up per lane but the weights themselves. Fewer than eight fill the
         * other lanes with the last one again (the same score, stored
         * twice). */
        if (avx2 && sen >= 3 && bitvec_is_set(s->f->mgau_active, cb)) {
            int32 const *g = sens + i;
            int32 pad[8];
            int m = 1, run = s->runid[sen];
            while (m < 8 && i + m < n_senone_active && s->runid[sens[i + m]] == run)
                ++m;
            if (m < 8) {
                int l;
                for (l = 0; l < 8; ++l)
                    pad[l] = g[l < m ? l : m - 1];
                g = pad;
            }
            bestscore = vx_senone_group_avx2(rows + k, score + k, g,
                                             n_feat, s->n_sen, s->lut32,
                                             senone_scores, bestscore);
            if (s->check)
                __atomic_add_fetch(&vx_group_senones, m, __ATOMIC_RELAXED);
            i += m;
            continue;
        }
#endif
        if (bitvec_is_clear(s->f->mgau_active, cb)) {
            /* As upstream: a pruned codebook's top-N scores are the worst. */
            for (f = 0; f < n_feat; ++f)
                for (j = 0; j < topn_n; ++j) {
                    s->f->topn[cb][f][j].score = MAX_NEG_ASCR;
                    score[k + f * topn_n + j] = MAX_NEG_ASCR;
                }
        }
        ascore = vx_senone_score(rows + k, score + k, sen, n_feat, topn_n, lut);
        if (ascore < bestscore)
            bestscore = ascore;
        senone_scores[sen] = ascore;
        ++i;
    }
#if VX_AVX2
    if (!s->portable && vx_have_avx2())
        vx_normalize_avx2(senone_scores, s->n_sen, bestscore);
    else
#endif
        vx_normalize_generic(senone_scores, s->n_sen, bestscore);
    if (s->check) {
        if (s->checkbuf == NULL)
            s->checkbuf = ckd_calloc(s->n_sen, sizeof(*s->checkbuf));
        ptm_mgau_senone_eval_reference(s, s->checkbuf, senone_active,
                                       n_senone_active, compall);
        __atomic_sub_fetch(&vx_frames_reference, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&vx_check_frames, 1, __ATOMIC_RELAXED);
        if (memcmp(s->checkbuf, senone_scores, s->n_sen * sizeof(*senone_scores)) != 0)
            __atomic_add_fetch(&vx_check_differ, 1, __ATOMIC_RELAXED);
    }
    return 0;
}

static int
ptm_mgau_senone_eval_reference(ptm_mgau_t *s, int16 *senone_scores,
                     uint8 *senone_active, int32 n_senone_active,
                     int compall)
{
    int i, lastsen, bestscore;

    __atomic_add_fetch(&vx_frames_reference, 1, __ATOMIC_RELAXED);
    memset(senone_scores, 0, s->n_sen * sizeof(*senone_scores));
    /* FIXME: This is the non-cache-efficient way to do this.  We want
     * to evaluate one codeword at a time but this requires us to have
     * a reverse codebook to senone mapping, which we don't have
     * (yet), since different codebooks have different top-N
     * codewords. */
    if (compall)
        n_senone_active = s->n_sen;
    bestscore = 0x7fffffff;
    for (lastsen = i = 0; i < n_senone_active; ++i) {
        int sen, f, cb;
        int ascore;

        if (compall)
            sen = i;
        else
            sen = senone_active[i] + lastsen;
        lastsen = sen;
        cb = s->sen2cb[sen];

        if (bitvec_is_clear(s->f->mgau_active, cb)) {
            int j;
            /* Because senone_active is deltas we can't really "knock
             * out" senones from pruned codebooks, and in any case,
             * it wouldn't make any difference to the search code,
             * which doesn't expect senone_active to change. */
            for (f = 0; f < s->g->n_feat; ++f) {
                for (j = 0; j < s->max_topn; ++j) {
                    s->f->topn[cb][f][j].score = MAX_NEG_ASCR;
                }
            }
        }
        /* For each feature, log-sum codeword scores + mixw to get
         * feature density, then sum (multiply) to get ascore */
        ascore = 0;
        for (f = 0; f < s->g->n_feat; ++f) {
            ptm_topn_t *topn;
            int j, fden = 0;
            topn = s->f->topn[cb][f];
            for (j = 0; j < s->max_topn; ++j) {
                int mixw;
                /* Find mixture weight for this codeword. */
                if (s->mixw_cb) {
                    int dcw = s->mixw[f][topn[j].cw][sen/2];
                    dcw = (dcw & 1) ? dcw >> 4 : dcw & 0x0f;
                    mixw = s->mixw_cb[dcw];
                }
                else {
                    mixw = s->mixw[f][topn[j].cw][sen];
                }
                if (j == 0)
                    fden = mixw + topn[j].score;
                else
                    fden = fast_logmath_add(s->lmath_8b, fden,
                                       mixw + topn[j].score);
                E_DEBUG(3, ("fden[%d][%d] l+= %d + %d = %d\n",
                            sen, f, mixw, topn[j].score, fden));
            }
            ascore += fden;
        }
        if (ascore < bestscore) bestscore = ascore;
        senone_scores[sen] = ascore;
    }
    /* Normalize the scores again (finishing the job we started above
     * in ptm_mgau_codebook_eval...) */
    for (i = 0; i < s->n_sen; ++i) {
        senone_scores[i] -= bestscore;
    }

    return 0;
}

/**
 * Compute senone scores for the active senones.
 */
int32
ptm_mgau_frame_eval(ps_mgau_t *ps,
                    int16 *senone_scores,
                    uint8 *senone_active,
                    int32 n_senone_active,
                    mfcc_t ** featbuf, int32 frame,
                    int32 compallsen)
{
    ptm_mgau_t *s = (ptm_mgau_t *)ps;
    int fast_eval_idx;

    /* Find the appropriate frame in the rotating history buffer
     * corresponding to the requested input frame.  No bounds checking
     * is done here, which just means you'll get semi-random crap if
     * you request a frame in the future or one that's too far in the
     * past.  Since the history buffer is just used for fast match
     * that might not be fatal. */
    fast_eval_idx = frame % s->n_fast_hist;
    s->f = s->hist + fast_eval_idx;
    /* Compute the top-N codewords for every codebook, unless this
     * is a past frame, in which case we already have them (we
     * hope!) */
    if (frame >= ps_mgau_base(ps)->frame_idx) {
        ptm_fast_eval_t *lastf;
        /* Get the previous frame's top-N information (on the
         * first frame of the input this is just all WORST_DIST,
         * no harm in that) */
        if (fast_eval_idx == 0)
            lastf = s->hist + s->n_fast_hist - 1;
        else
            lastf = s->hist + fast_eval_idx - 1;
        /* Copy in initial top-N info */
        memcpy(s->f->topn[0][0], lastf->topn[0][0],
               s->g->n_mgau * s->g->n_feat * s->max_topn * sizeof(ptm_topn_t));
        /* Generate initial active codebook list (this might not be
         * necessary) */
        ptm_mgau_calc_cb_active(s, senone_active, n_senone_active, compallsen);
        /* Now evaluate top-N, prune, and evaluate remaining codebooks. */
        ptm_mgau_codebook_eval(s, featbuf, frame);
        ptm_mgau_codebook_norm(s, featbuf, frame);
    }
    /* Evaluate intersection of active senones and active codebooks. */
    ptm_mgau_senone_eval(s, senone_scores, senone_active,
                         n_senone_active, compallsen);

    return 0;
}

static int32
read_sendump(ptm_mgau_t *s, bin_mdef_t *mdef, char const *file)
{
    FILE *fp;
    char line[1000];
    int32 i, n, r, c;
    int32 do_swap, do_mmap;
    size_t offset;
    int n_clust = 0;
    int n_feat = s->g->n_feat;
    int n_density = s->g->n_density;
    int n_sen = bin_mdef_n_sen(mdef);
    int n_bits = 8;

    s->n_sen = n_sen; /* FIXME: Should have been done earlier */
    do_mmap = cmd_ln_boolean_r(s->config, "-mmap");

    if ((fp = fopen(file, "rb")) == NULL)
        return -1;

    E_INFO("Loading senones from dump file %s\n", file);
    /* Read title size, title */
    if (fread(&n, sizeof(int32), 1, fp) != 1) {
        E_ERROR_SYSTEM("Failed to read title size from %s", file);
        goto error_out;
    }
    /* This is extremely bogus */
    do_swap = 0;
    if (n < 1 || n > 999) {
        SWAP_INT32(&n);
        if (n < 1 || n > 999) {
            E_ERROR("Title length %x in dump file %s out of range\n", n, file);
            goto error_out;
        }
        do_swap = 1;
    }
    if (fread(line, sizeof(char), n, fp) != n) {
        E_ERROR_SYSTEM("Cannot read title");
        goto error_out;
    }
    if (line[n - 1] != '\0') {
        E_ERROR("Bad title in dump file\n");
        goto error_out;
    }
    E_INFO("%s\n", line);

    /* Read header size, header */
    if (fread(&n, sizeof(n), 1, fp) != 1) {
        E_ERROR_SYSTEM("Failed to read header size from %s", file);
        goto error_out;
    }
    if (do_swap) SWAP_INT32(&n);
    if (fread(line, sizeof(char), n, fp) != n) {
        E_ERROR_SYSTEM("Cannot read header");
        goto error_out;
    }
    if (line[n - 1] != '\0') {
        E_ERROR("Bad header in dump file\n");
        goto error_out;
    }

    /* Read other header strings until string length = 0 */
    for (;;) {
        if (fread(&n, sizeof(n), 1, fp) != 1) {
            E_ERROR_SYSTEM("Failed to read header string size from %s", file);
            goto error_out;
        }
        if (do_swap) SWAP_INT32(&n);
        if (n == 0)
            break;
        if (fread(line, sizeof(char), n, fp) != n) {
            E_ERROR_SYSTEM("Cannot read header");
            goto error_out;
        }
        /* Look for a cluster count, if present */
        if (!strncmp(line, "feature_count ", strlen("feature_count "))) {
            n_feat = atoi(line + strlen("feature_count "));
        }
        if (!strncmp(line, "mixture_count ", strlen("mixture_count "))) {
            n_density = atoi(line + strlen("mixture_count "));
        }
        if (!strncmp(line, "model_count ", strlen("model_count "))) {
            n_sen = atoi(line + strlen("model_count "));
        }
        if (!strncmp(line, "cluster_count ", strlen("cluster_count "))) {
            n_clust = atoi(line + strlen("cluster_count "));
        }
        if (!strncmp(line, "cluster_bits ", strlen("cluster_bits "))) {
            n_bits = atoi(line + strlen("cluster_bits "));
        }
    }

    /* Defaults for #rows, #columns in mixw array. */
    c = n_sen;
    r = n_density;
    if (n_clust == 0) {
        /* Older mixw files have them here, and they might be padded. */
        if (fread(&r, sizeof(r), 1, fp) != 1) {
            E_ERROR_SYSTEM("Cannot read #rows");
            goto error_out;
        }
        if (do_swap) SWAP_INT32(&r);
        if (fread(&c, sizeof(c), 1, fp) != 1) {
            E_ERROR_SYSTEM("Cannot read #columns");
            goto error_out;
        }
        if (do_swap) SWAP_INT32(&c);
        E_INFO("Rows: %d, Columns: %d\n", r, c);
    }

    if (n_feat != s->g->n_feat) {
        E_ERROR("Number of feature streams mismatch: %d != %d\n",
                n_feat, s->g->n_feat);
        goto error_out;
    }
    if (n_density != s->g->n_density) {
        E_ERROR("Number of densities mismatch: %d != %d\n",
                n_density, s->g->n_density);
        goto error_out;
    }
    if (n_sen != s->n_sen) {
        E_ERROR("Number of senones mismatch: %d != %d\n",
                n_sen, s->n_sen);
        goto error_out;
    }

    if (!((n_clust == 0) || (n_clust == 15) || (n_clust == 16))) {
        E_ERROR("Cluster count must be 0, 15, or 16\n");
        goto error_out;
    }
    if (n_clust == 15)
        ++n_clust;

    if (!((n_bits == 8) || (n_bits == 4))) {
        E_ERROR("Cluster count must be 4 or 8\n");
        goto error_out;
    }

    if (do_mmap) {
            E_INFO("Using memory-mapped I/O for senones\n");
    }
    offset = ftell(fp);

    /* Allocate memory for pdfs (or memory map them) */
    if (do_mmap) {
        s->sendump_mmap = mmio_file_read(file);
        /* Get cluster codebook if any. */
        if (n_clust) {
            s->mixw_cb = ((uint8 *) mmio_file_ptr(s->sendump_mmap)) + offset;
            offset += n_clust;
        }
    }
    else {
        /* Get cluster codebook if any. */
        if (n_clust) {
            s->mixw_cb = ckd_calloc(1, n_clust);
            if (fread(s->mixw_cb, 1, n_clust, fp) != (size_t) n_clust) {
                E_ERROR("Failed to read %d bytes from sendump\n", n_clust);
                goto error_out;
            }
        }
    }

    /* Set up pointers, or read, or whatever */
    if (s->sendump_mmap) {
        s->mixw = ckd_calloc_2d(n_feat, n_density, sizeof(*s->mixw));
        for (n = 0; n < n_feat; n++) {
            int step = c;
            if (n_bits == 4)
                step = (step + 1) / 2;
            for (i = 0; i < r; i++) {
                s->mixw[n][i] = ((uint8 *) mmio_file_ptr(s->sendump_mmap)) + offset;
                offset += step;
            }
        }
    }
    else {
        s->mixw = ckd_calloc_3d(n_feat, n_density, n_sen, sizeof(***s->mixw));
        /* Read pdf values and ids */
        for (n = 0; n < n_feat; n++) {
            int step = c;
            if (n_bits == 4)
                step = (step + 1) / 2;
            for (i = 0; i < r; i++) {
                if (fread(s->mixw[n][i], sizeof(***s->mixw), step, fp)
                    != (size_t) step) {
                    E_ERROR("Failed to read %d bytes from sendump\n", step);
                    goto error_out;
                }
            }
        }
    }

    fclose(fp);
    return 0;
error_out:
    fclose(fp);
    return -1;
}

static int32
read_mixw(ptm_mgau_t * s, char const *file_name, double SmoothMin)
{
    char **argname, **argval;
    char eofchk;
    FILE *fp;
    int32 byteswap, chksum_present;
    uint32 chksum;
    float32 *pdf;
    int32 i, f, c, n;
    int32 n_sen;
    int32 n_feat;
    int32 n_comp;
    int32 n_err;

    E_INFO("Reading mixture weights file '%s'\n", file_name);

    if ((fp = fopen(file_name, "rb")) == NULL)
        E_FATAL_SYSTEM("Failed to open mixture file '%s' for reading", file_name);

    /* Read header, including argument-value info and 32-bit byteorder magic */
    if (bio_readhdr(fp, &argname, &argval, &byteswap) < 0)
        E_FATAL("Failed to read header from '%s'\n", file_name);

    /* Parse argument-value list */
    chksum_present = 0;
    for (i = 0; argname[i]; i++) {
        if (strcmp(argname[i], "version") == 0) {
            if (strcmp(argval[i], MGAU_MIXW_VERSION) != 0)
                E_WARN("Version mismatch(%s): %s, expecting %s\n",
                       file_name, argval[i], MGAU_MIXW_VERSION);
        }
        else if (strcmp(argname[i], "chksum0") == 0) {
            chksum_present = 1; /* Ignore the associated value */
        }
    }
    bio_hdrarg_free(argname, argval);
    argname = argval = NULL;

    chksum = 0;

    /* Read #senones, #features, #codewords, arraysize */
    if ((bio_fread(&n_sen, sizeof(int32), 1, fp, byteswap, &chksum) != 1)
        || (bio_fread(&n_feat, sizeof(int32), 1, fp, byteswap, &chksum) !=
            1)
        || (bio_fread(&n_comp, sizeof(int32), 1, fp, byteswap, &chksum) !=
            1)
        || (bio_fread(&n, sizeof(int32), 1, fp, byteswap, &chksum) != 1)) {
        E_FATAL("bio_fread(%s) (arraysize) failed\n", file_name);
    }
    if (n_feat != s->g->n_feat)
        E_FATAL("#Features streams(%d) != %d\n", n_feat, s->g->n_feat);
    if (n != n_sen * n_feat * n_comp) {
        E_FATAL
            ("%s: #float32s(%d) doesn't match header dimensions: %d x %d x %d\n",
             file_name, i, n_sen, n_feat, n_comp);
    }

    /* n_sen = number of mixture weights per codeword, which is
     * fixed at the number of senones since we have only one codebook.
     */
    s->n_sen = n_sen;

    /* Quantized mixture weight arrays. */
    s->mixw = ckd_calloc_3d(s->g->n_feat, s->g->n_density,
                            n_sen, sizeof(***s->mixw));

    /* Temporary structure to read in floats before conversion to (int32) logs3 */
    pdf = (float32 *) ckd_calloc(n_comp, sizeof(float32));

    /* Read senone probs data, normalize, floor, convert to logs3, truncate to 8 bits */
    n_err = 0;
    for (i = 0; i < n_sen; i++) {
        for (f = 0; f < n_feat; f++) {
            if (bio_fread((void *) pdf, sizeof(float32),
                          n_comp, fp, byteswap, &chksum) != n_comp) {
                E_FATAL("bio_fread(%s) (arraydata) failed\n", file_name);
            }

            /* Normalize and floor */
            if (vector_sum_norm(pdf, n_comp) <= 0.0)
                n_err++;
            vector_floor(pdf, n_comp, SmoothMin);
            vector_sum_norm(pdf, n_comp);

            /* Convert to LOG, quantize, and transpose */
            for (c = 0; c < n_comp; c++) {
                int32 qscr;

                qscr = -logmath_log(s->lmath_8b, pdf[c]);
                if ((qscr > MAX_NEG_MIXW) || (qscr < 0))
                    qscr = MAX_NEG_MIXW;
                s->mixw[f][c][i] = qscr;
            }
        }
    }
    if (n_err > 0)
        E_WARN("Weight normalization failed for %d mixture weights components\n", n_err);

    ckd_free(pdf);

    if (chksum_present)
        bio_verify_chksum(fp, byteswap, chksum);

    if (fread(&eofchk, 1, 1, fp) == 1)
        E_FATAL("More data than expected in %s\n", file_name);

    fclose(fp);

    E_INFO("Read %d x %d x %d mixture weights\n", n_sen, n_feat, n_comp);
    return n_sen;
}

ps_mgau_t *
ptm_mgau_init(acmod_t *acmod, bin_mdef_t *mdef)
{
    ptm_mgau_t *s;
    ps_mgau_t *ps;
    char const *sendump_path;
    int i;

    s = ckd_calloc(1, sizeof(*s));
    s->config = acmod->config;

    s->lmath = logmath_retain(acmod->lmath);
    /* Log-add table. */
    s->lmath_8b = logmath_init(logmath_get_base(acmod->lmath), SENSCR_SHIFT, TRUE);
    if (s->lmath_8b == NULL)
        goto error_out;
    /* Ensure that it is only 8 bits wide so that fast_logmath_add() works. */
    if (logmath_get_width(s->lmath_8b) != 1) {
        E_ERROR("Log base %f is too small to represent add table in 8 bits\n",
                logmath_get_base(s->lmath_8b));
        goto error_out;
    }

    /* Read means and variances. */
    if ((s->g = gauden_init(cmd_ln_str_r(s->config, "_mean"),
                            cmd_ln_str_r(s->config, "_var"),
                            cmd_ln_float32_r(s->config, "-varfloor"),
                            s->lmath)) == NULL) {
        E_ERROR("Failed to read means and variances\n");	
        goto error_out;
    }

    /* We only support 256 codebooks or less (like 640k or 2GB, this
     * should be enough for anyone) */
    if (s->g->n_mgau > 256) {
        E_INFO("Number of codebooks exceeds 256: %d\n", s->g->n_mgau);
        goto error_out;
    }
    if (s->g->n_mgau != bin_mdef_n_ciphone(mdef)) {
        E_INFO("Number of codebooks doesn't match number of ciphones, doesn't look like PTM: %d != %d\n", s->g->n_mgau, bin_mdef_n_ciphone(mdef));
        goto error_out;
    }
    /* Verify n_feat and veclen, against acmod. */
    if (s->g->n_feat != feat_dimension1(acmod->fcb)) {
        E_ERROR("Number of streams does not match: %d != %d\n",
                s->g->n_feat, feat_dimension1(acmod->fcb));
        goto error_out;
    }
    for (i = 0; i < s->g->n_feat; ++i) {
        if (s->g->featlen[i] != feat_dimension2(acmod->fcb, i)) {
            E_ERROR("Dimension of stream %d does not match: %d != %d\n",
                    s->g->featlen[i], feat_dimension2(acmod->fcb, i));
            goto error_out;
        }
    }
    /* Read mixture weights. */
    if ((sendump_path = cmd_ln_str_r(s->config, "_sendump"))) {
        if (read_sendump(s, acmod->mdef, sendump_path) < 0) {
            goto error_out;
        }
    }
    else {
        if (read_mixw(s, cmd_ln_str_r(s->config, "_mixw"),
                      cmd_ln_float32_r(s->config, "-mixwfloor")) < 0) {
            goto error_out;
        }
    }
    s->ds_ratio = cmd_ln_int32_r(s->config, "-ds");
    s->max_topn = cmd_ln_int32_r(s->config, "-topn");
    E_INFO("Maximum top-N: %d\n", s->max_topn);
    {
        /* voxdial: "1" scores as upstream; "portable", with this file's
         * loops but not its AVX2 code (tests compare all three). The
         * vectorised codebook scoring takes models whose codebooks hold a
         * multiple of 8 codewords (at most 64 * VX_MASK_WORDS), a top-N of
         * at most 8 and no frame downsampling; others score as upstream. */
        const char *ref = getenv("VOXDIAL_GMM_REFERENCE");
        s->reference = ref != NULL && strcmp(ref, "1") == 0;
        s->portable = ref != NULL && strcmp(ref, "portable") == 0;
        ref = getenv("VOXDIAL_GMM_CHECK");
        s->check = ref != NULL && strcmp(ref, "1") == 0;
        ref = getenv("VOXDIAL_GMM_CACHE");
        s->cache_off = ref != NULL && strcmp(ref, "off") == 0;
        s->vectorised = !s->reference && s->ds_ratio == 1
            && s->g->n_density % 8 == 0 && s->g->n_density <= 64 * VX_MASK_WORDS
            && s->max_topn <= 8;
    }

    /* Assume mapping of senones to their base phones, though this
     * will become more flexible in the future. */
    s->sen2cb = ckd_calloc(s->n_sen, sizeof(*s->sen2cb));
    for (i = 0; i < s->n_sen; ++i)
        s->sen2cb[i] = bin_mdef_sen2cimap(acmod->mdef, i);
    /* voxdial: a codebook's senones lie in a few runs (its context-independent
     * ones, then its context-dependent ones): eight active senones in one run
     * share their codebook's top-N rows (ptm_mgau_senone_eval). */
    s->runid = ckd_calloc(s->n_sen, sizeof(*s->runid));
    for (i = 1; i < s->n_sen; ++i)
        s->runid[i] = s->runid[i - 1] + (s->sen2cb[i] != s->sen2cb[i - 1]);
    s->sens = ckd_calloc(s->n_sen, sizeof(*s->sens));
    {
        logadd_t *t = LOGMATH_TABLE(s->lmath_8b);
        uint32 k, n = t->table_size < VX_LUT ? t->table_size : VX_LUT;
        s->lut = ckd_calloc(VX_LUT, sizeof(*s->lut));
        for (k = 0; k < n; ++k)
            s->lut[k] = ((uint8 const *)t->table)[k];
        /* Its nonzero entries (log(1 + b^-d) rounded) end well before 32:
         * then eight lanes look them up in registers. */
        for (k = 32; k < VX_LUT && s->lut[k] == 0; ++k)
            ;
        if (k == VX_LUT) {
            s->lut32 = ckd_calloc(32, 1);
            for (k = 0; k < 32; ++k)
                s->lut32[k] = (uint8)s->lut[k];
        }
    }

    /* Allocate fast-match history buffers.  We need enough for the
     * phoneme lookahead window, plus the current frame, plus one for
     * good measure? (FIXME: I don't remember why) */
    s->n_fast_hist = cmd_ln_int32_r(s->config, "-pl_window") + 2;
    s->hist = ckd_calloc(s->n_fast_hist, sizeof(*s->hist));
    /* s->f will be a rotating pointer into s->hist. */
    s->f = s->hist;
    for (i = 0; i < s->n_fast_hist; ++i) {
        int j, k, m;
        /* Top-N codewords for every codebook and feature. */
        s->hist[i].topn = ckd_calloc_3d(s->g->n_mgau, s->g->n_feat,
                                        s->max_topn, sizeof(ptm_topn_t));
        /* Initialize them to sane (yet arbitrary) defaults. */
        for (j = 0; j < s->g->n_mgau; ++j) {
            for (k = 0; k < s->g->n_feat; ++k) {
                for (m = 0; m < s->max_topn; ++m) {
                    s->hist[i].topn[j][k][m].cw = m;
                    s->hist[i].topn[j][k][m].score = WORST_DIST;
                }
            }
        }
        /* Active codebook mapping (just codebook, not features,
           at least not yet) */
        s->hist[i].mgau_active = bitvec_alloc(s->g->n_mgau);
        /* Start with them all on, prune them later. */
        bitvec_set_all(s->hist[i].mgau_active, s->g->n_mgau);
    }

    ps = (ps_mgau_t *)s;
    ps->vt = &ptm_mgau_funcs;
    return ps;
error_out:
    ptm_mgau_free(ps_mgau_base(s));
    return NULL;
}

int
ptm_mgau_mllr_transform(ps_mgau_t *ps,
                            ps_mllr_t *mllr)
{
    ptm_mgau_t *s = (ptm_mgau_t *)ps;
    if (s->dim_major) /* voxdial: the transform reads upstream's layout */
        vx_transpose(s, 0);
    vx_cache_clear(s); /* voxdial: new means, new top-N */
    return gauden_mllr_transform(s->g, mllr, s->config);
}

void
ptm_mgau_free(ps_mgau_t *ps)
{
    int i;
    ptm_mgau_t *s = (ptm_mgau_t *)ps;

    logmath_free(s->lmath);
    logmath_free(s->lmath_8b);
    if (s->sendump_mmap) {
        ckd_free_2d(s->mixw); 
        mmio_file_unmap(s->sendump_mmap);
    }
    else {
        ckd_free_3d(s->mixw);
    }
    ckd_free(s->sen2cb);
    
    for (i = 0; i < s->n_fast_hist; i++) {
	ckd_free_3d(s->hist[i].topn);
	bitvec_free(s->hist[i].mgau_active);
    }
    ckd_free(s->hist);
    ckd_free(s->scores); /* voxdial */
    ckd_free(s->rows);
    ckd_free(s->rowscore);
    ckd_free(s->lut);
    ckd_free(s->sens);
    ckd_free(s->runid);
    ckd_free(s->checkbuf);
    ckd_free(s->checktopn);
    ckd_free(s->lut32);
    ckd_free(s->cache_feat);
    ckd_free(s->cache_topn);
    ckd_free(s->cache_have);
    ckd_free(s->cache_valid);

    gauden_free(s->g);
    ckd_free(s);
}
