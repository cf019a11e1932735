package asr

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// arpaModel reads an ARPA text back: log10 probabilities and backoff weights by n-gram.
type arpaModel struct {
	prob, bow map[string]float64
	counts    [4]int
	vocab     []string
}

func readARPA(t *testing.T, text string) arpaModel {
	t.Helper()
	m := arpaModel{prob: map[string]float64{}, bow: map[string]float64{}}
	order := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line == "\\data\\" || line == "\\end\\":
			continue
		case strings.HasPrefix(line, "ngram "):
			n, _ := strconv.Atoi(line[6:7])
			c, _ := strconv.Atoi(line[8:])
			m.counts[n] = c
			continue
		case strings.HasSuffix(line, "-grams:"):
			order, _ = strconv.Atoi(line[1:2])
			continue
		}
		f := strings.Fields(line)
		if len(f) < order+1 {
			t.Fatalf("bad line %q", line)
		}
		p, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			t.Fatalf("bad probability in %q", line)
		}
		key := strings.Join(f[1:order+1], " ")
		m.prob[key] = p
		if len(f) == order+2 {
			b, _ := strconv.ParseFloat(f[order+1], 64)
			m.bow[key] = b
		}
		if order == 1 && f[1] != "<s>" {
			m.vocab = append(m.vocab, f[1])
		}
		m.counts[0]++ // lines read
	}
	return m
}

// p is the backoff probability of w after the history words.
func (m arpaModel) p(hist []string, w string) float64 {
	key := strings.Join(append(append([]string{}, hist...), w), " ")
	if lp, ok := m.prob[key]; ok {
		return math.Pow(10, lp)
	}
	if len(hist) == 0 {
		return 0
	}
	return math.Pow(10, m.bow[strings.Join(hist, " ")]) * m.p(hist[1:], w)
}

func TestDomainARPA(t *testing.T) {
	t.Parallel()
	general := []unigram{{"the", -1.2}, {"call", -3}, {"please", -3.5}, {"weather", -4}}
	corpus := []string{"please stop calling me", "stop calling me", "i already paid", "i paid it already", "what's the weather", "call me later"}
	g := &Grammar{Name: "s", Intents: []Intent{{Name: "opt_out", Phrases: []string{"stop calling"}}, {Name: "paid", Phrases: []string{"already paid"}}}}
	known := func(w string) bool { return w != "what's" }
	seen := map[float64]float64{} // discount → P(me | stop calling)
	for _, discount := range []float64{0.3, 0.5, 0.7} {
		m := readARPA(t, domainARPA(general, corpus, g, 3, 0.05, discount, known))
		checkDomainARPA(t, m)
		seen[discount] = m.p([]string{"stop", "calling"}, "me")
	}
	// A smaller discount keeps more of a seen triple's mass for it.
	if !(seen[0.3] > seen[0.5] && seen[0.5] > seen[0.7]) {
		t.Errorf("P(me | stop calling) by discount: %v, want it falling as the discount grows", seen)
	}
}

func checkDomainARPA(t *testing.T, m arpaModel) {
	t.Helper()
	if got := len(m.prob); got != m.counts[1]+m.counts[2]+m.counts[3] {
		t.Fatalf("header counts %v, %d n-grams listed", m.counts, got)
	}
	if _, ok := m.prob["what's"]; ok {
		t.Error("a word the dictionary cannot pronounce is in the model")
	}
	if _, ok := m.prob["the weather"]; !ok {
		t.Error("the sentence after an unknown word lost its bigram")
	}
	// Every history's distribution sums to one over the vocabulary (with </s>).
	for _, hist := range [][]string{nil, {"<s>"}, {"stop"}, {"<s>", "stop"}, {"stop", "calling"}, {"i", "paid"}, {"weather"}} {
		sum := 0.0
		for _, w := range m.vocab {
			sum += m.p(hist, w)
		}
		if math.Abs(sum-1) > 0.01 {
			t.Errorf("after %q the probabilities sum to %.4f", hist, sum)
		}
	}
	// The state's phrase leads: "calling" after "stop" is far likelier than after <s>.
	if m.p([]string{"<s>", "stop"}, "calling") < 0.5 || m.p([]string{"<s>"}, "calling") > 0.1 {
		t.Errorf("P(calling | <s> stop) = %.3f, P(calling | <s>) = %.3f", m.p([]string{"<s>", "stop"}, "calling"), m.p([]string{"<s>"}, "calling"))
	}
	// General words keep a share for speech the corpus has not seen.
	if p := m.p(nil, "please"); p <= 0 {
		t.Errorf("P(please) = %g", p)
	}
}

// TestStateLMWrittenOnce: every call of a script compiles the same states; the state's
// model is built and written the first time only (another call's decoder may be
// reading it), and a different grammar gets its own.
func TestStateLMWrittenOnce(t *testing.T) {
	t.Parallel()
	s, err := NewSphinx(SphinxOptions{Vocabulary: []string{"yes", "stop calling"}, OpenFallback: true, Corpus: []string{"yes that's me", "please stop calling me"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := &Grammar{Name: "once", Intents: []Intent{{Name: "yes", Phrases: []string{"yes"}}}}
	search, path, err := s.stateLM(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatalf("the first compile wrote no model: %v", err)
	}
	search2, path2, err := s.stateLM(g)
	if err != nil || search2 != search || path2 != path {
		t.Fatalf("second compile: %q %q %v, want %q %q", search2, path2, err, search, path)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the second compile wrote the model again (stat: %v)", err)
	}
	other := &Grammar{Name: "once", Intents: []Intent{{Name: "opt_out", Phrases: []string{"stop calling"}}}}
	search3, path3, err := s.stateLM(other)
	if err != nil || search3 == search {
		t.Fatalf("another grammar: %q %v", search3, err)
	}
	if data, err := os.ReadFile(path3); err != nil || !strings.Contains(string(data), "stop calling") {
		t.Errorf("another grammar's model: %v\n%s", err, data)
	}
}
