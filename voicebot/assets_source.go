package voicebot

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// AssetScripts names the voice-bot scripts built into the binary (with states; step
// scripts such as hello.yaml are left out), as asset:NAME: the templates a new script
// can start from.
func AssetScripts() []string {
	var out []string
	entries, _ := fs.ReadDir(assets, "assets")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		if data, err := assets.ReadFile("assets/" + e.Name()); err == nil && IsBotScript(data) {
			out = append(out, "asset:"+e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// AssetSource returns the text of a built-in script, named asset:NAME or NAME.
func AssetSource(name string) ([]byte, error) {
	n := strings.TrimPrefix(name, "asset:")
	if strings.ContainsAny(n, "/\\") || !strings.HasSuffix(n, ".yaml") {
		return nil, fmt.Errorf("%q: no such built-in script", name)
	}
	data, err := assets.ReadFile("assets/" + n)
	if err != nil {
		return nil, fmt.Errorf("%q: no such built-in script", name)
	}
	return data, nil
}
