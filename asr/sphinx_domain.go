package asr

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// A domain model is what the open-vocabulary search decodes with when the engine is
// given a corpus (SphinxOptions.Corpus: sentences as callers answer, never the
// sentences measured on). The general model's top words alone let the decoder write
// almost anything, and on telephone audio it does: half of natural answers came out as
// other words. A trigram of the domain's own sentences, with the state's phrases
// repeated (DomainPhraseWeight) and a small share of the general words
// (DomainGeneralMass) for speech the corpus has not seen, keeps the search on what
// callers say to such a question while still spelling out a paraphrase word by word.
const (
	defaultDomainPhraseWeight = 4
	defaultDomainGeneralMass  = 0.05
	// defaultDomainDiscount is the absolute discount of bigram and trigram counts
	// (DomainDiscount): with a few hundred sentences, much of the mass must stay for
	// unseen word pairs. It is Ney's estimate, n1/(n1+2·n2), of such a corpus.
	defaultDomainDiscount = 0.7
)

// ngramKey joins the words of an n-gram.
func ngramKey(ws ...string) string { return strings.Join(ws, " ") }

// domainARPA writes a backoff trigram (absolute discounting by discount) of corpus plus the
// grammar's phrases (each phraseWeight times), whose unigrams are interpolated with
// the general words at generalMass. Words the dictionary cannot pronounce (known false)
// end a sentence's n-grams at that point.
func domainARPA(general []unigram, corpus []string, g *Grammar, phraseWeight int, generalMass, discount float64, known func(string) bool) string {
	var sents [][]string
	add := func(text string, times int) {
		var cur []string
		flush := func() {
			if len(cur) > 0 {
				for range times {
					sents = append(sents, cur)
				}
			}
			cur = nil
		}
		for _, w := range Words(text) {
			if !known(w) {
				flush()
				continue
			}
			cur = append(cur, w)
		}
		flush()
	}
	for _, s := range corpus {
		add(s, 1)
	}
	if g != nil {
		for _, in := range g.Intents {
			for _, p := range in.Phrases {
				add(p, phraseWeight)
			}
		}
	}
	c1 := map[string]float64{}
	c2 := map[string]float64{} // "a b"
	c3 := map[string]float64{} // "a b c"
	h1 := map[string]float64{} // history counts (as a first word of a bigram)
	h2 := map[string]float64{} // "a b" as a trigram history
	next1 := map[string][]string{}
	next2 := map[string][]string{}
	var tokens float64
	for _, s := range sents {
		seq := make([]string, 0, len(s)+2)
		seq = append(seq, "<s>")
		seq = append(seq, s...)
		seq = append(seq, "</s>")
		for i := 1; i < len(seq); i++ {
			c1[seq[i]]++
			tokens++
			k2 := ngramKey(seq[i-1], seq[i])
			if c2[k2] == 0 {
				next1[seq[i-1]] = append(next1[seq[i-1]], seq[i])
			}
			c2[k2]++
			h1[seq[i-1]]++
			if i >= 2 {
				hk := ngramKey(seq[i-2], seq[i-1])
				k3 := ngramKey(seq[i-2], seq[i-1], seq[i])
				if c3[k3] == 0 {
					next2[hk] = append(next2[hk], seq[i])
				}
				c3[k3]++
				h2[hk]++
			}
		}
	}
	// Unigrams: the domain's (maximum likelihood) mixed with the general words.
	p1 := map[string]float64{}
	var gsum float64
	for _, u := range general {
		gsum += math.Pow(10, u.log10)
	}
	dmass := 1 - generalMass
	if tokens == 0 {
		dmass = 0
	}
	for w, c := range c1 {
		p1[w] += dmass * c / max(tokens, 1)
	}
	if gsum > 0 {
		gm := 1 - dmass
		for _, u := range general {
			p1[u.word] += gm * math.Pow(10, u.log10) / gsum
		}
	}
	// Bigrams with their histories' backoff weights.
	p2 := map[string]float64{}
	bow1 := map[string]float64{}
	for h, ws := range next1 {
		var seen, lower float64
		for _, w := range ws {
			p := (c2[ngramKey(h, w)] - discount) / h1[h]
			p2[ngramKey(h, w)] = p
			seen += p
			lower += p1[w]
		}
		bow1[h] = (1 - seen) / max(1-lower, 1e-9)
	}
	p2full := func(h, w string) float64 {
		if p, ok := p2[ngramKey(h, w)]; ok {
			return p
		}
		b, ok := bow1[h]
		if !ok {
			b = 1
		}
		return b * p1[w]
	}
	p3 := map[string]float64{}
	bow2 := map[string]float64{}
	for hk, ws := range next2 {
		_, last, _ := strings.Cut(hk, " ")
		var seen, lower float64
		for _, w := range ws {
			p := (c3[ngramKey(hk, w)] - discount) / h2[hk]
			p3[ngramKey(hk, w)] = p
			seen += p
			lower += p2full(last, w)
		}
		bow2[hk] = (1 - seen) / max(1-lower, 1e-9)
	}
	lg := func(p float64) float64 {
		if p <= 0 {
			return -99
		}
		return math.Log10(p)
	}
	keys := func(m map[string]float64) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	var b strings.Builder
	hasStart := p1["<s>"] > 0
	n1 := len(p1)
	if !hasStart {
		n1++
	}
	fmt.Fprintf(&b, "\\data\\\nngram 1=%d\nngram 2=%d\nngram 3=%d\n\n\\1-grams:\n", n1, len(p2), len(p3))
	if !hasStart {
		fmt.Fprintf(&b, "-99 <s> %.4f\n", lg(bow1["<s>"]))
	}
	// section lists the n-grams of one order with their histories' backoff weights
	// (bows nil: the highest order has none).
	section := func(ps, bows map[string]float64) {
		for _, k := range keys(ps) {
			if bw, ok := bows[k]; ok {
				fmt.Fprintf(&b, "%.4f %s %.4f\n", lg(ps[k]), k, lg(bw))
			} else {
				fmt.Fprintf(&b, "%.4f %s\n", lg(ps[k]), k)
			}
		}
	}
	section(p1, bow1)
	b.WriteString("\n\\2-grams:\n")
	section(p2, bow2)
	b.WriteString("\n\\3-grams:\n")
	section(p3, nil)
	b.WriteString("\n\\end\\\n")
	return b.String()
}
