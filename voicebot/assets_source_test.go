package voicebot

import (
	"slices"
	"testing"
)

func TestAssetScripts(t *testing.T) {
	got := AssetScripts()
	if !slices.Contains(got, "asset:payment-reminder.en.yaml") || slices.Contains(got, "asset:hello.yaml") {
		t.Fatalf("AssetScripts = %v: want the voice-bot scripts, not the step scripts", got)
	}
	for _, name := range got {
		src, err := AssetSource(name)
		if err != nil {
			t.Fatal(err)
		}
		if rep := LintReport(src, name, LintOptions{}); !rep.OK {
			t.Errorf("%s does not lint clean: %v", name, rep.Problems)
		}
	}
	for _, bad := range []string{"asset:nope.yaml", "asset:../go.mod", "asset:hello.wav", "asset:assets/demo.yaml"} {
		if _, err := AssetSource(bad); err == nil {
			t.Errorf("AssetSource(%q): no error", bad)
		}
	}
}
