package compliance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

type attemptJSON struct {
	ID       *json.RawMessage `json:"id"`
	Number   *string          `json:"number"`
	Campaign *string          `json:"campaign"`
	At       *string          `json:"at"`
	DebtIDs  []string         `json:"debt_ids"`
}

// DecisionJSON is one output line of `voxdial compliance check`.
type DecisionJSON struct {
	ID             string   `json:"id"`
	Decision       string   `json:"decision"`
	Rules          []string `json:"rules"`
	Reason         string   `json:"reason"`
	NextEligibleAt string   `json:"next_eligible_at,omitempty"`
	Zones          []string `json:"zones"`
	Passed         []string `json:"passed"`
}

// JSON returns the contract's form of the decision.
func (d *Decision) JSON() DecisionJSON {
	out := DecisionJSON{
		ID:       d.ID,
		Decision: d.Verdict.String(),
		Rules:    d.Rules.Strings(),
		Reason:   d.Reason(),
		Zones:    d.Zones,
		Passed:   d.Passed.Strings(),
	}
	if out.Zones == nil {
		out.Zones = []string{}
	}
	if !d.NextEligibleAt.IsZero() {
		out.NextEligibleAt = d.NextEligibleAt.UTC().Format(time.RFC3339)
	}
	return out
}

// ParseAttempt parses one attempt line (1-based line for errors). It checks the types and
// the required fields (number, campaign, at) but not whether the campaign exists.
func ParseAttempt(line []byte, lineNo int) (Attempt, error) {
	var aj attemptJSON
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&aj); err != nil {
		return Attempt{}, jsonError("attempts", line, lineNo, err)
	}
	if dec.More() {
		return Attempt{}, &InputError{File: "attempts", Line: lineNo, Err: errors.New("invalid JSON: more than one value on the line")}
	}
	bad := func(field, format string, args ...any) (Attempt, error) {
		return Attempt{}, &InputError{File: "attempts", Line: lineNo, Field: field, Err: fmt.Errorf(format, args...)}
	}
	var a Attempt
	if aj.ID != nil {
		raw := bytes.TrimSpace(*aj.ID)
		switch {
		case len(raw) > 0 && raw[0] == '"':
			if err := json.Unmarshal(raw, &a.ID); err != nil {
				return bad("id", "want a string")
			}
		case len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')):
			a.ID = string(raw) // a numeric id is echoed as its text
		case string(raw) == "null":
		default:
			return bad("id", "want a string, got %s", raw)
		}
	}
	if aj.Number == nil {
		return bad("number", "required")
	}
	if _, ok := ParseNumber(*aj.Number); !ok {
		return bad("number", "want an E.164 number (+ and 2–15 digits), got %q", *aj.Number)
	}
	a.Number = *aj.Number
	if aj.Campaign == nil || *aj.Campaign == "" {
		return bad("campaign", "required")
	}
	a.Campaign = *aj.Campaign
	if aj.At == nil {
		return bad("at", "required")
	}
	t, err := time.Parse(time.RFC3339Nano, *aj.At)
	if err != nil {
		return bad("at", "want an RFC 3339 time, got %q", *aj.At)
	}
	a.At = t
	a.DebtIDs = aj.DebtIDs
	return a, nil
}

// CheckStream runs `voxdial compliance check`: it loads the state, reads attempts as JSON
// Lines and writes one decision per attempt, in input order. Blank lines are skipped.
// Malformed input stops the run with an *InputError naming the line and field (decisions
// already written stay written).
func CheckStream(ctx context.Context, state io.Reader, attempts io.Reader, out io.Writer) error {
	st, err := LoadState(state)
	if err != nil {
		return err
	}
	g, err := st.Gate()
	if err != nil {
		return err
	}
	return g.CheckLines(ctx, st.Memory, attempts, out)
}

// CheckLines decides JSON Lines attempts against the gate; dir, when not nil, is used to
// reject attempts naming an unknown campaign as malformed input.
func (g *Gate) CheckLines(ctx context.Context, dir Directory, attempts io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(attempts, 64<<10)
	bw := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var d Decision
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			a, perr := ParseAttempt(bytes.TrimRight(line, "\r\n"), lineNo)
			if perr != nil {
				bw.Flush()
				return perr
			}
			if dir != nil {
				if _, cerr := dir.Campaign(ctx, a.Campaign); errors.Is(cerr, ErrNotFound) {
					bw.Flush()
					return &InputError{File: "attempts", Line: lineNo, Field: "campaign", Err: fmt.Errorf("unknown campaign %q", a.Campaign)}
				}
			}
			g.CheckTo(ctx, &a, &d)
			if werr := enc.Encode(d.JSON()); werr != nil {
				return fmt.Errorf("write decision for line %s: %w", strconv.Itoa(lineNo), werr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			bw.Flush()
			return &InputError{File: "attempts", Line: lineNo, Err: err}
		}
		if cerr := ctx.Err(); cerr != nil {
			bw.Flush()
			return cerr
		}
	}
	return bw.Flush()
}
