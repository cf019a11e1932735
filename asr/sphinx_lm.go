package asr

import (
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// unigram is one word of a language model with its log10 probability.
type unigram struct {
	word  string
	log10 float64
}

// The open-vocabulary search (SearchLM) does not decode with the whole general model
// (130k words, 60–90 MB and RTF 0.1–0.2 per decoder, and poor on phone audio): each
// grammar gets a small model of its own, written as ARPA text, that mixes the general
// model's most frequent words (LMWords, with their general probabilities) with the
// state's phrases (their words and word pairs, given LMBias of the mass). The decoder
// can then write down "please quit phoning me", which no grammar lists, while it
// still leans towards what the state expects.
const (
	defaultLMWords = 3000
	defaultLMBias  = 0.3
	lmReadMax      = 200000
)

// loadGeneralVocab keeps the LMWords most probable words of the general model that the
// dictionary can pronounce.
func (s *Sphinx) loadGeneralVocab() error {
	all, err := lmUnigrams(s.opts.LMPath, lmReadMax)
	if err != nil {
		return err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].log10 > all[j].log10 })
	for _, u := range all {
		if len(s.general) >= s.opts.LMWords {
			break
		}
		if strings.HasPrefix(u.word, "<") || s.lexicon[u.word] == nil {
			continue
		}
		s.general = append(s.general, u)
	}
	if len(s.general) == 0 {
		return fmt.Errorf("language model %s: no word the dictionary knows: %w", s.opts.LMPath, ErrEngine)
	}
	return nil
}

// stateLM returns the search name of the grammar's language model (SearchLM, or the
// open fallback pass) and the path of its ARPA file, written the first time the
// grammar is seen: every call of a script compiles the same states, and a decoder
// reads a search's file once. The file appears whole (written aside, then renamed),
// as another call's decoder may be reading it.
func (s *Sphinx) stateLM(g *Grammar) (search, path string, err error) {
	h := fnv.New64a()
	h.Write([]byte(jsgf(g, -1)))
	search = fmt.Sprintf("%s-lm-%x", g.Name, h.Sum64())
	path = filepath.Join(filepath.Dir(s.dict), search+".arpa")
	s.mu.Lock()
	done := s.lms[path]
	s.mu.Unlock()
	if done {
		return search, path, nil
	}
	var text string
	if len(s.opts.Corpus) > 0 {
		known := func(w string) bool { return s.lexicon[w] != nil }
		text = domainARPA(s.general, s.opts.Corpus, g, s.opts.DomainPhraseWeight, s.opts.DomainGeneralMass, s.opts.DomainDiscount, known)
	} else {
		text = stateARPA(s.general, g, s.opts.LMBias)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), search+".*.tmp")
	if err != nil {
		return "", "", fmt.Errorf("grammar %s: %w", g.Name, err)
	}
	_, err = tmp.WriteString(text)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", "", fmt.Errorf("grammar %s: %w", g.Name, err)
	}
	s.mu.Lock()
	if s.lms == nil {
		s.lms = map[string]bool{}
	}
	s.lms[path] = true
	s.mu.Unlock()
	return search, path, nil
}

// stateARPA is a bigram model: unigrams = general words (mass 1−bias) ∪ phrase words
// (mass bias, evenly); bigrams = the phrases' word pairs, sentence start and end
// included, at probability ½; every history backs off with weight ½.
func stateARPA(general []unigram, g *Grammar, bias float64) string {
	probs := map[string]float64{}
	for _, u := range general {
		probs[u.word] += (1 - bias) * math.Pow(10, u.log10)
	}
	type pair struct{ a, b string }
	var phraseWords []string
	seenW := map[string]bool{}
	bigrams := map[pair]bool{}
	for _, in := range g.Intents {
		for _, p := range in.Phrases {
			ws := Words(p)
			if len(ws) == 0 {
				continue
			}
			prev := "<s>"
			for _, w := range ws {
				if !seenW[w] {
					seenW[w] = true
					phraseWords = append(phraseWords, w)
				}
				bigrams[pair{prev, w}] = true
				prev = w
			}
			bigrams[pair{prev, "</s>"}] = true
		}
	}
	for _, w := range phraseWords {
		probs[w] += bias / float64(len(phraseWords))
	}
	words := make([]string, 0, len(probs))
	for w := range probs {
		words = append(words, w)
	}
	sort.Strings(words)
	pairs := make([]pair, 0, len(bigrams))
	for p := range bigrams {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].a != pairs[j].a {
			return pairs[i].a < pairs[j].a
		}
		return pairs[i].b < pairs[j].b
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\\data\\\nngram 1=%d\nngram 2=%d\n\n\\1-grams:\n", len(words)+2, len(pairs))
	const half = -0.30103
	fmt.Fprintf(&b, "-99 <s> %.4f\n", half)
	fmt.Fprintf(&b, "%.4f </s> 0\n", math.Log10(0.05))
	for _, w := range words {
		fmt.Fprintf(&b, "%.4f %s %.4f\n", math.Log10(probs[w]), w, half)
	}
	b.WriteString("\n\\2-grams:\n")
	for _, p := range pairs {
		fmt.Fprintf(&b, "%.4f %s %s\n", half, p.a, p.b)
	}
	b.WriteString("\n\\end\\\n")
	return b.String()
}
