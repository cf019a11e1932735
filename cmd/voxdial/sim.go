package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/sim"
)

type simFlags struct {
	listen, profile, rtpPorts, recordDir, logLevel string
	seed                                           uint64
	jsonOut, printProfile                          bool
}

func newSimCmd() *cobra.Command {
	f := &simFlags{}
	cmd := &cobra.Command{
		Use:   "sim [--listen 127.0.0.1:5060] [--profile p.yaml]",
		Short: "Run the callee simulator: SIP user agents that answer, refuse, ring out, play voicemail",
		Long: `Run a population of simulated callees on one SIP address (UDP and TCP on the
same port) until SIGINT or SIGTERM, then print a summary. Behaviours are chosen
per call from a YAML profile by dialled number or by weighted mix; without
--profile the embedded demo profile is used (print it with --print-profile).

With --json, stdout carries JSON Lines: {"event":"listening",...} first, one
{"event":"call",...} per finished call, and {"event":"summary",...} last.
Exit 2 on a bad profile (the message names file, line and field).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSim(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:5060", "SIP listen address ip:port (UDP and TCP)")
	fl.StringVar(&f.profile, "profile", "", "profile YAML (default: the embedded demo profile)")
	fl.StringVar(&f.rtpPorts, "rtp-ports", "", "RTP port range MIN-MAX (default: OS ephemeral ports)")
	fl.StringVar(&f.recordDir, "record-dir", "", "record every answered call as a stereo WAV in this directory")
	fl.Uint64Var(&f.seed, "seed", 0, "seed for the weighted mix (0: the profile's seed, else random)")
	fl.StringVar(&f.logLevel, "log-level", "warn", "debug | info | warn | error")
	fl.BoolVar(&f.jsonOut, "json", false, "print JSON Lines on stdout (listening, one per call, summary)")
	fl.BoolVar(&f.printProfile, "print-profile", false, "print the embedded default profile and exit")
	return cmd
}

// simSummary is what a run of the simulator saw.
type simSummary struct {
	Event      string         `json:"event"` // "summary"
	Calls      int            `json:"calls"`
	Answered   int            `json:"answered"`
	Statuses   map[string]int `json:"statuses"`   // final status → count
	Behaviours map[string]int `json:"behaviours"` // behaviour → count
	Cancelled  int            `json:"cancelled"`
	DurationS  float64        `json:"duration_s"`
}

func runSim(ctx context.Context, f *simFlags, stdout, stderr io.Writer) error {
	if f.printProfile {
		_, err := stdout.Write(sim.DefaultProfileYAML())
		return err
	}
	log, err := newLogger(f.logLevel, "console", stderr)
	if err != nil {
		return usageErr("--log-level: %v", err)
	}
	ports, err := parsePortRange(f.rtpPorts)
	if err != nil {
		return usageErr("--rtp-ports: %v", err)
	}
	prof := sim.DefaultProfile()
	if f.profile != "" {
		prof, err = sim.LoadProfile(f.profile)
		if err != nil {
			return usageErr("%v", err)
		}
	}

	var outMu sync.Mutex
	enc := json.NewEncoder(stdout)
	emit := func(v any) {
		outMu.Lock()
		defer outMu.Unlock()
		_ = enc.Encode(v)
	}
	type callLine struct {
		Event string `json:"event"` // "call"
		sim.CallRecord
	}
	srv, err := sim.New(sim.Options{
		Profile: prof, Logger: log.Named("sim"), Addr: f.listen, RTP: ports,
		RecordDir: f.recordDir, Seed: f.seed,
		OnCallEnd: func(r sim.CallRecord) {
			if f.jsonOut {
				emit(callLine{Event: "call", CallRecord: r})
			}
		},
	})
	if err != nil {
		var pe *sim.ProfileError
		if errors.As(err, &pe) {
			return usageErr("%v", err)
		}
		return failureErr(err)
	}
	start := time.Now()
	if err := srv.Start(ctx); err != nil {
		_ = srv.Close()
		return failureErr(err)
	}
	fmt.Fprintf(stderr, "voxdial sim: listening on %s (udp, tcp), profile %s; Ctrl-C to stop\n", srv.Addr(), prof.Name)
	if f.jsonOut {
		emit(map[string]string{"event": "listening", "sip": srv.Addr().String(), "profile": prof.Name})
	}

	<-ctx.Done()
	fmt.Fprintln(stderr, "voxdial sim: stopping (ending active calls)")
	closeErr := srv.Close()

	sum := summarize(srv.Calls(), time.Since(start))
	if f.jsonOut {
		emit(sum)
	} else {
		printSimSummary(stderr, sum)
	}
	if closeErr != nil {
		return failureErr(closeErr)
	}
	return nil
}

func summarize(recs []sim.CallRecord, d time.Duration) simSummary {
	s := simSummary{Event: "summary", Statuses: map[string]int{}, Behaviours: map[string]int{}, DurationS: d.Seconds()}
	for _, r := range recs {
		s.Calls++
		if r.FinalStatus == 200 {
			s.Answered++
		}
		if r.Cancelled {
			s.Cancelled++
		}
		s.Statuses[fmt.Sprint(r.FinalStatus)]++
		if r.Behaviour != "" {
			s.Behaviours[r.Behaviour]++
		}
	}
	return s
}

func printSimSummary(w io.Writer, s simSummary) {
	fmt.Fprintf(w, "voxdial sim: %d calls in %.0fs, %d answered, %d cancelled\n", s.Calls, s.DurationS, s.Answered, s.Cancelled)
	for _, m := range []struct {
		name string
		m    map[string]int
	}{{"status", s.Statuses}, {"behaviour", s.Behaviours}} {
		keys := make([]string, 0, len(m.m))
		for k := range m.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-9s %-16s %d\n", m.name, k, m.m[k])
		}
	}
}
