package bench

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// commonKeys are the keys every report carries (docs/design.md, "Contracts").
var commonKeys = []string{"go_version", "gomaxprocs", "duration_s", "cpu_cores"}

// jsonKeys are the top-level keys v marshals to, sorted.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The reports print the keys `voxdial bench <x> --json` printed before they were typed,
// no more and no fewer: BENCHMARKS.md's commands and scripts read them. Optional keys
// are set here; the next table checks that they are left out when unset.
func TestReportKeys(t *testing.T) {
	f := 1.0
	for _, tc := range []struct {
		name string
		v    any
		keys string
		bare bool // a nested object: no common keys
	}{
		{"calls", &CallsReport{CPSAchieved: &f, FirstError: "x"}, "calls concurrency cps_limit cps_achieved hold_s calls_per_second dialling_s " +
			"failed local_errors outcomes peak_concurrent_calls setup_ms packets_sent packets_received first_error clock_lateness_ms", false},
		{"gate", &GateReport{}, "decisions decisions_per_second decisions_per_second_per_core allocs_per_decision dnc_numbers " +
			"dnc_bytes_per_number dnc_build_numbers_per_second consents attempts_distinct verdicts heap_inuse_bytes", false},
		{"gate verdicts", GateReport{}.Verdicts, "allow block hold", true},
		{"gate-store", &GateStoreReport{}, "no_audit audit_per_decision audit_group_commit audit_records_verified backend contacts dnc_numbers concurrency", false},
		{"gate-store phase", &GateStorePhase{AuditTransactions: new(int64), AuditRecords: new(int64)}, "decisions allowed failed " +
			"decisions_per_second decisions_per_second_per_core audit_transactions audit_records", false},
		{"import", &ImportReport{StageS: new(float64), MergeS: new(float64), DBBackendCPUS: new(float64), RowsPerDBCPUSecond: new(int)},
			"rows imported rejected duplicates rows_per_second backend campaign stage_s merge_s db_backend_cpu_s rows_per_db_cpu_second", false},
		{"media", &MediaReport{OpusRate: new(int), OpusComplexity: new(int)}, "legs_requested legs_established packets_sent " +
			"packets_received packets_lost send_lateness_ms frames_skipped rss_bytes rss_baseline_bytes rss_bytes_per_leg " +
			"allocs_per_packet mode poll_receive codec opus_rate opus_complexity packets_expected_per_side vad_speech_starts " +
			"demux_unknown peer", false},
		{"media peer", PeerReport{}, "packets_sent packets_received packets_lost cpu_cores send_lateness_p99_ms demux_unknown", true},
		{"media lateness", Lateness{}, "p50 p99 max", true},
		{"media compare", &MediaCompareReport{}, "legs_requested legs_established packets_sent " +
			"packets_received packets_lost send_lateness_ms frames_skipped rss_bytes rss_baseline_bytes rss_bytes_per_leg " +
			"allocs_per_packet mode poll_receive codec packets_expected_per_side vad_speech_starts demux_unknown peer compare", false},
		{"asr live", &ASRLiveReport{Misses: []string{"x"}, FirstError: "x", RecognizerWork: &asr.SphinxStats{}, RecognizersPerCoreRounds: []float64{1}}, "mode peer split open_vocabulary channel_adaptation engine concurrency calls tuning_voices " +
			"held_out_voices sentences high_stakes by_condition turn_overhead_ms recognition_ms end_of_turn_ms recognizers_per_core recognizers_per_core_rounds recognizer_work " +
			"calls_per_core synthesis_s misses first_error", false},
		{"asr live condition", &ASRLiveCondition{}, "calls in_domain right right_rate wrong_high_stakes wrong_high_stakes_rate " +
			"off_topic off_topic_no_match off_topic_no_match_rate off_topic_not_routed off_topic_not_routed_rate wrong_confirm wrong wrong_rate heard heard_rate low_confidence confirm repeated not_reached", true},
		{"asr", &ASRReport{ASRPaced: &ASRPaced{}, Score: &evalset.Score{}}, "engine phone_loop_rejection utterances audio_s synthesis_s " +
			"intent_accuracy off_topic_false_accepts accuracy_by_condition decode_wall_s real_time_factor streams_per_core_batch " +
			"paced_streams paced_cpu_cores paced_audio_s streams_per_core real_time_factor_per_stream memory_per_stream_bytes " +
			"final_latency_ms finals overruns", false},
		{"asr condition", ASRCondition{}, "intent_accuracy in_grammar off_topic_false_accepts off_topic", true},
		{"tts", &TTSReport{}, "engines parallel_streams parallel_cpu_cores parallel_real_time_factor parallel_first_audio_latency_ms " +
			"cache_static_prompts cache_warm_s cache_bytes cache_disk_bytes cache_hit_first_frame_ms cache_disk_hit_first_frame_ms", false},
		{"tts engine", TTSEngine{}, "real_time_factor streams_per_core first_audio_latency_ms audio_s", true},
		{"bot", &BotReport{FirstError: "x"}, "calls calls_completed failed concurrency cps_limit peak_concurrent_conversations " +
			"dispositions dispositions_expected dispositions_wrong dtx barge_in_calls barge_in_expected end_of_turn_ms turns turn_latency_ms turn_overhead_ms " +
			"answer_to_first_audio_ms recognition_ms bot_reply_ms amd recognizer_warmup_s clock_lateness_ms first_error", false},
		{"pacing", &PacingReport{UtilisationRatio: new(float64)}, "answer_rate_configured bots run_s talk_s seeded_live_answers runs utilisation_ratio", false},
		{"pacing run", PacingRun{}, "mode calls answered abandoned abandon_rate bot_utilisation legs_per_bot peak_legs dial_ratio answer_rate abandon_msg_ms", true},
		{"campaign", &CampaignReport{RoundTripsPerAttempt: new(float64), TransactionsPerAttempt: new(float64), Statements: []StatementCount{{}}},
			"backend contacts max_calls warmup_s talk_s attempts answered failed not_placed attempts_per_second cpu_ms_per_attempt " +
				"gate_decisions_per_second audit_records_per_second audit_transactions gate_decision_ms round_trips_per_attempt transactions_per_attempt " +
				"statements audit_records_verified", false},
		{"campaign statement", StatementCount{}, "sql per_attempt", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := strings.Fields(tc.keys)
			if !tc.bare {
				want = append(want, commonKeys...)
			}
			sort.Strings(want)
			if got := jsonKeys(t, tc.v); !slices.Equal(got, want) {
				t.Errorf("keys\n got %v\nwant %v", got, want)
			}
		})
	}
}

// Keys that only some runs have are absent, not zero, when a run does not have them.
func TestReportOptionalKeysOmitted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      any
		absent string
	}{
		{"calls", &CallsReport{}, "cps_achieved first_error"},
		{"bot", &BotReport{}, "first_error"},
		{"pacing", &PacingReport{}, "utilisation_ratio"},
		{"campaign", &CampaignReport{}, "round_trips_per_attempt transactions_per_attempt statements"},
		{"gate-store phase", &GateStorePhase{}, "audit_transactions audit_records"},
		{"import", &ImportReport{}, "stage_s merge_s db_backend_cpu_s rows_per_db_cpu_second"},
		{"media", &MediaReport{}, "opus_rate opus_complexity"},
		{"asr", &ASRReport{}, "paced_streams paced_cpu_cores paced_audio_s streams_per_core real_time_factor_per_stream " +
			"memory_per_stream_bytes final_latency_ms finals overruns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := jsonKeys(t, tc.v)
			for _, k := range strings.Fields(tc.absent) {
				if slices.Contains(got, k) {
					t.Errorf("%q present when unset: %v", k, got)
				}
			}
		})
	}
}
