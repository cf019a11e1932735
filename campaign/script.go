package campaign

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/voicebot"
)

// ScriptRequires reads the `requires:` list (the contact fields a script
// needs) from a script file. Step scripts and built-in scripts (asset:NAME)
// have none. Only that key is read: validating the script is the voice-bot
// package's job.
func ScriptRequires(path string) ([]string, error) {
	if path == "" || strings.HasPrefix(path, "asset:") {
		return nil, nil
	}
	data, err := voicebot.ReadScript(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Requires []string `yaml:"requires"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("script %s: %w", path, err)
	}
	return doc.Requires, nil
}
